"""A Flask order service for prefork servers (gunicorn's sync and gthread
workers), driven over loopback by tests/integration/test_servers.py.

The leak: every POST /order appends an AuditRecord to the module-global
list AUDIT in the worker that served it, and nothing ever trims it. Each
reply names that worker's pid, so the client knows exactly how many records
each process holds. Short-lived per request: the parsed order, its Pricing
and the reply. GET /health leaks nothing: the client polls it until a
worker answers.
"""
import os

from flask import Flask, jsonify, request

from orders import AuditRecord, Pricing

app = Flask(__name__)
AUDIT = []  # the leak: one AuditRecord per order, per worker


@app.post("/order")
def order():
    body = request.get_json()
    pricing = Pricing(body["items"])
    AUDIT.append(AuditRecord(body["id"], pricing.total))
    return jsonify(pid=os.getpid(), total=pricing.total, held=len(AUDIT))


@app.get("/health")
def health():
    return jsonify(pid=os.getpid())
