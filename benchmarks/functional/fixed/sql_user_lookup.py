"""CWE-89: look a user up by name (string built with %)."""

import sqlite3


def get_user(conn, username):
    cur = conn.cursor()
    cur.execute("SELECT id, name, email FROM users WHERE name = ?", (username,))
    return cur.fetchall()


def format_user(row):
    return f"#{row[0]} {row[1]} <{row[2]}>"


def main(username: str) -> str:
    conn = sqlite3.connect("app.db")
    rows = get_user(conn, username)
    conn.close()
    return "\n".join(format_user(r) for r in rows) or "no such user"
