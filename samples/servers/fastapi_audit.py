"""The audit service again, on FastAPI under `uvicorn --workers` (each worker
a new interpreter started by multiprocessing's spawn method), driven by
tests/integration/test_servers.py.

The leak: every POST /order appends an AuditRecord to the module-global
list AUDIT of the worker that served it. Each reply names that worker's
pid. Short-lived per request: the validated Order, its Pricing and the
reply. GET /health leaks nothing.
"""
import os

from fastapi import FastAPI
from pydantic import BaseModel

from orders import AuditRecord, Pricing

app = FastAPI()
AUDIT = []  # the leak: one AuditRecord per order, per worker


class Order(BaseModel):
    id: int
    items: list


@app.post("/order")
def order(body: Order):
    pricing = Pricing(body.items)
    AUDIT.append(AuditRecord(body.id, pricing.total))
    return {"pid": os.getpid(), "total": pricing.total, "held": len(AUDIT)}


@app.get("/health")
def health():
    return {"pid": os.getpid()}
