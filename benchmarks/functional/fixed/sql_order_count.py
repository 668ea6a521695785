"""CWE-89: numeric interpolation into a COUNT query."""

import sqlite3


def count_orders(conn, customer_id):
    cur = conn.cursor()
    cur.execute("SELECT COUNT(*) FROM orders WHERE customer_id = ?", (customer_id,))
    return cur.fetchone()[0]


def main(customer_id: int) -> str:
    conn = sqlite3.connect("orders.db")
    total = count_orders(conn, customer_id)
    conn.close()
    return f"customer {customer_id} has {total} orders"
