"""CWE-89: product search with LIKE in an f-string."""

import sqlite3


def search(conn, term):
    sql = "SELECT name, price FROM products WHERE name LIKE ? ORDER BY price"
    return conn.execute(sql, (f"%{term}%",)).fetchall()


def render(rows):
    return [f"{name}: {price}" for name, price in rows]


def main(term: str) -> list:
    conn = sqlite3.connect("shop.db")
    try:
        return render(search(conn, term))
    finally:
        conn.close()
