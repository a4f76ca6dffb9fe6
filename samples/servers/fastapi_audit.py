"""The audit service again, on FastAPI under `uvicorn --workers` (each worker
a new interpreter started by multiprocessing's spawn method), driven by
tests/integration/test_servers.py.

The leak: every POST /order appends an AuditRecord to the module-global
list AUDIT of the worker that served it. Each reply names that worker's
pid. Short-lived per request: the validated Order, its Pricing and the
reply. GET /health leaks nothing.
"""
import os
import time

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()
AUDIT = []  # the leak: one AuditRecord per order, per worker


class Order(BaseModel):
    id: int
    items: list


class AuditRecord:
    def __init__(self, order_id, total):
        self.order_id = order_id
        self.total = total
        self.at = time.time()


class Pricing:
    def __init__(self, items):
        self.lines = [(name, 1.5 * quantity) for name, quantity in items]
        self.total = sum(price for _, price in self.lines)


@app.post("/order")
def order(body: Order):
    pricing = Pricing(body.items)
    AUDIT.append(AuditRecord(body.id, pricing.total))
    return {"pid": os.getpid(), "total": pricing.total, "held": len(AUDIT)}


@app.get("/health")
def health():
    return {"pid": os.getpid()}
