"""CWE-89: UPDATE built with str.format."""

import sqlite3


def update_email(conn, name, email):
    cur = conn.cursor()
    cur.execute("UPDATE users SET email = ? WHERE name = ?", (email, name))
    conn.commit()
    return cur.rowcount


def main(name: str, email: str) -> int:
    conn = sqlite3.connect("app.db")
    changed = update_email(conn, name, email)
    conn.close()
    return changed
