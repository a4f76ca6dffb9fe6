"""A thread that holds a threading.Lock and, inside it, hashes a large
buffer (hashlib releases the GIL and holds the hash object's own lock) while
images are taken; the main thread takes the same lock now and then."""
import hashlib
import sys
import threading
import time


def hasher(lock, seconds, result):
    block = bytes(range(256)) * 65536  # 16 MiB: hashlib drops the GIL for it
    h = hashlib.sha256()
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline or rounds == 0:
        with lock:
            h = hashlib.sha256()
            h.update(block)
        rounds += 1
    result.append(h.hexdigest())


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    lock = threading.Lock()
    result = []
    worker = threading.Thread(target=hasher, args=(lock, seconds, result))
    worker.start()
    while worker.is_alive():
        with lock:
            pass
        time.sleep(0.01)
    worker.join()
    print("sha256", result[0])
    print("done", flush=True)


main()
