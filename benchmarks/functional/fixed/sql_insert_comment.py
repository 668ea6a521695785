"""CWE-89: INSERT with two values interpolated by %."""

import sqlite3


def add_comment(conn, author, body):
    conn.execute("INSERT INTO comments (author, body) VALUES (?, ?)", (author, body))
    conn.commit()


def comments_by(conn, author):
    cur = conn.cursor()
    cur.execute("SELECT body FROM comments WHERE author = ?", (author,))
    return [r[0] for r in cur.fetchall()]


def main(author: str, body: str) -> list:
    conn = sqlite3.connect("blog.db")
    add_comment(conn, author, body)
    result = comments_by(conn, author)
    conn.close()
    return result
