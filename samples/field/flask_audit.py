"""Flask on werkzeug's threaded server, driven over loopback by requests.

The leak: an "audit trail" the view appends one AuditEntry to per request,
in a module-level list nobody ever trims. Short-lived per request: the
parsed JSON body, the Cart and its LineItems, the response. Bounded: product
pages rendered behind functools.lru_cache(maxsize=64), keyed by time slot,
so older pages are evicted as new slots come.
"""
import functools
import logging
import time

import requests
from flask import Flask, jsonify, request
from werkzeug.serving import make_server

import _field

app = Flask(__name__)
audit_trail = []  # the leak: one AuditEntry per request, never trimmed
log = _field.CreationLog()


class AuditEntry:
    def __init__(self, path, user, total):
        self.path = path
        self.user = user
        self.total = total


class LineItem:
    def __init__(self, sku, quantity, price):
        self.sku = sku
        self.quantity = quantity
        self.price = price


class Cart:
    def __init__(self, items):
        self.items = [LineItem(i["sku"], i["quantity"], i["price"]) for i in items]

    def total(self):
        return sum(item.quantity * item.price for item in self.items)


class RenderedPage:
    def __init__(self, slot):
        self.slot = slot
        self.html = "<h1>product %d</h1>" % slot + "<p>details</p>" * 20


@functools.lru_cache(maxsize=64)
def render_product_page(slot):
    return RenderedPage(slot)


@app.post("/checkout")
def checkout():
    cart = Cart(request.get_json()["items"])
    page = render_product_page(_field.cache_slot())
    before = time.monotonic()
    audit_trail.append(AuditEntry(request.path, request.headers.get("X-User"), cart.total()))
    log.stored("AuditEntry", before)
    return jsonify(total=cart.total(), page=len(page.html))


def main():
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = _field.in_thread(server.serve_forever, "werkzeug")
    url = "http://127.0.0.1:%d/checkout" % server.server_port
    done = 0
    with requests.Session() as client:
        while _field.keep_going(done):
            body = {"items": [{"sku": "sku-%d" % (done % 97), "quantity": 1 + done % 3,
                               "price": 2.5} for _ in range(4)]}
            reply = client.post(url, json=body, headers={"X-User": "user-%d" % done},
                                timeout=_field.CLIENT_TIMEOUT)
            reply.raise_for_status()
            done += 1
    server.shutdown()
    thread.join(_field.CLIENT_TIMEOUT)
    log.close()
    print("flask_audit: %d requests, %d audit entries" % (done, len(audit_trail)))


if __name__ == "__main__":
    main()
