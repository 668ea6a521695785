"""CWE-89: two values, one text and one number, in an f-string."""

import sqlite3


def events_for(conn, username, limit):
    cur = conn.cursor()
    cur.execute("SELECT id, action FROM events WHERE username = ? ORDER BY id LIMIT ?", (username, limit))
    return cur.fetchall()


def summarize(rows):
    return {"count": len(rows), "actions": [r[1] for r in rows]}


def main(username: str, limit: int = 10) -> dict:
    conn = sqlite3.connect("audit.db")
    summary = summarize(events_for(conn, username, limit))
    conn.close()
    return summary
