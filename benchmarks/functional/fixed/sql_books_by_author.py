"""CWE-89: query assembled with + in a variable, executed later."""

import sqlite3


def books_by(cursor, author):
    q = "SELECT title FROM books WHERE author = ?"
    cursor.execute(q, (author,))
    return sorted(row[0] for row in cursor.fetchall())


def main(author: str) -> str:
    conn = sqlite3.connect("library.db")
    titles = books_by(conn.cursor(), author)
    conn.close()
    return ", ".join(titles) if titles else "none"
