"""What the order services of this folder share: the record every order
leaks (audit_service.py on Flask, fastapi_audit.py on FastAPI) and the
pricing each order computes and drops."""
import time


class AuditRecord:
    def __init__(self, order_id, total):
        self.order_id = order_id
        self.total = total
        self.at = time.time()


class Pricing:
    def __init__(self, items):
        self.lines = [(name, 1.5 * quantity) for name, quantity in items]
        self.total = sum(price for _, price in self.lines)
