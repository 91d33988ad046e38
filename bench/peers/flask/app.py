"""Benchmark reference, not part of the product.

`make bench` runs this under gunicorn (4 sync workers) to compare Catalog with a plain
Flask + psycopg2 application doing the same work for GET /products/{id}: one query
(Catalog's own statement, the product joined with its offers), the product as JSON with
its offers embedded.
"""
import psycopg2
from flask import Flask, jsonify

app = Flask(__name__)
app.json.sort_keys = False  # members in Catalog's order

SQL = (
    "SELECT p.id, p.name, p.description, p.price, p.created_at, p.updated_at, p.offers_synced_at,"
    " o.id, o.price, o.items_in_stock, o.updated_at"
    " FROM products p LEFT JOIN offers o ON o.product_id = p.id WHERE p.id = %s"
)
_connection = None


def connection():
    """One connection per worker process, kept across requests (as each Catalog worker
    keeps one); libpq takes host, port, user, password and database from PG* variables."""
    global _connection
    if _connection is None or _connection.closed:
        _connection = psycopg2.connect("")
        _connection.autocommit = True
    return _connection


def rfc3339(t):
    """RFC 3339 UTC with whole seconds, as Catalog writes it (the session is in UTC:
    scripts/bench-peers.sh sets PGTZ)."""
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def problem(status, title):
    response = jsonify(type="about:blank", title=title, status=status)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


@app.get("/products/<int:product_id>")
def product(product_id):
    try:
        with connection().cursor() as cursor:
            cursor.execute(SQL, (product_id,))
            rows = cursor.fetchall()
    except psycopg2.Error:
        global _connection
        _connection = None
        return problem(503, "Service Unavailable")
    if not rows:
        return problem(404, "Not Found")
    offers = sorted(
        ({"id": r[7], "price": float(r[8]), "items_in_stock": r[9], "updated_at": rfc3339(r[10])}
         for r in rows if r[7] is not None),
        key=lambda o: o["id"])
    p = rows[0]
    return jsonify({
        "id": p[0], "name": p[1], "description": p[2], "price": float(p[3]),
        "created_at": rfc3339(p[4]), "updated_at": rfc3339(p[5]),
        "offers_synced_at": rfc3339(p[6]), "offers": offers,
    })
