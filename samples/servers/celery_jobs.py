"""The order service as Celery tasks on the prefork pool, with Redis as
broker and result backend (MEMALOT_SAMPLE_REDIS, a redis:// URL), driven by
tests/integration/test_servers.py.

The leak: every place_order task appends an AuditRecord to the module-global
list AUDIT of the pool process that ran it. Each task returns that process's
pid, so the client knows how many records each one holds. Short-lived per
task: its Pricing.

    python celery_jobs.py client COUNT SECONDS   # COUNT tasks over SECONDS; prints {pid: count}
"""
import collections
import json
import os
import sys
import time

from celery import Celery

from orders import AuditRecord, Pricing

BROKER = os.environ.get("MEMALOT_SAMPLE_REDIS", "redis://127.0.0.1:6379/0")
app = Celery("celery_jobs", broker=BROKER, backend=BROKER)
app.conf.update(worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)
AUDIT = []  # the leak: one AuditRecord per task, per pool process


@app.task
def place_order(order_id, items):
    pricing = Pricing(items)
    AUDIT.append(AuditRecord(order_id, pricing.total))
    return os.getpid()


def client(count, seconds):
    served = collections.Counter()
    for n in range(count):
        served[place_order.delay(n, [["tea", 1 + n % 3]]).get(timeout=30)] += 1
        time.sleep(seconds / count)
    print(json.dumps(served))


if __name__ == "__main__" and sys.argv[1:2] == ["client"]:
    client(int(sys.argv[2]), float(sys.argv[3]))
