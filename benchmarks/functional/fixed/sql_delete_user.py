"""CWE-89: DELETE whose query is built in one statement and executed in the next."""

import sqlite3


def delete_user(conn, name):
    query = "DELETE FROM users WHERE name = ?"
    cur = conn.cursor()
    cur.execute(query, (name,))
    conn.commit()
    return cur.rowcount


def main(name: str) -> str:
    conn = sqlite3.connect("app.db")
    removed = delete_user(conn, name)
    left = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
    conn.close()
    return f"removed {removed}, {left} left"
