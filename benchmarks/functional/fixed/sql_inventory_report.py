"""CWE-89: one safe query and one built with named .format fields."""

import sqlite3


def low_stock(conn, threshold):
    return conn.execute("SELECT name FROM items WHERE stock < ?", (threshold,)).fetchall()


def item_detail(conn, item):
    sql = "SELECT name, stock FROM items WHERE name = ?"
    return conn.execute(sql, (item,)).fetchone()


def main(item: str, threshold: int = 15) -> dict:
    conn = sqlite3.connect("inventory.db")
    report = {"low": [r[0] for r in low_stock(conn, threshold)], "detail": item_detail(conn, item)}
    conn.close()
    return report
