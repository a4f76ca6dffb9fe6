"""A thread that holds a threading.Lock and, inside it, hashes a large
buffer (hashlib releases the GIL and holds the hash object's own lock) while
images are taken; the main thread takes the same lock now and then."""
import hashlib
import sys
import threading
import time

from _budget import Budget


def hasher(lock, budget, result):
    block = bytes(range(256)) * 65536  # 16 MiB: hashlib drops the GIL for it
    h = hashlib.sha256()
    done = 0
    while budget.more(done):
        with lock:
            h = hashlib.sha256()
            h.update(block)
        done += 1
    budget.report(done)
    result.append(h.hexdigest())


def main():
    budget = Budget(sys.argv)
    lock = threading.Lock()
    result = []
    worker = threading.Thread(target=hasher, args=(lock, budget, result))
    worker.start()
    while worker.is_alive():
        with lock:
            pass
        time.sleep(0.01)
    worker.join()
    budget.print_rounds()
    print("sha256", result[0])
    print("done", flush=True)


main()
