"""CWE-89: password check with a query built by concatenation."""

import sqlite3


def check_login(cursor, username, password):
    query = "SELECT id FROM accounts WHERE username = ? AND password = ?"
    cursor.execute(query, (username, password))
    return cursor.fetchone() is not None


def main(username: str, password: str) -> str:
    conn = sqlite3.connect("accounts.db")
    ok = check_login(conn.cursor(), username, password)
    conn.close()
    return "welcome" if ok else "denied"
