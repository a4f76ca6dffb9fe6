"""Four threads allocating and freeing constantly: whatever malloc lock a
thread holds when an image is taken, the program must not notice the image."""
import sys
import threading
import time
import zlib


def churn(seed, seconds, results):
    payload = bytes((seed * 7 + i) % 251 for i in range(4096))
    deadline = time.monotonic() + seconds
    checksum = zlib.crc32(zlib.compress(payload * 4))
    while time.monotonic() < deadline:
        items = [bytes(64 + i % 512) for i in range(200)]
        table = {i: [i] * (i % 17) for i in range(200)}
        packed = zlib.compress(payload * 4)
        del items, table
        checksum = zlib.crc32(packed)
    results[seed] = checksum


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    results = {}
    threads = [threading.Thread(target=churn, args=(n, seconds, results)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for n in sorted(results):
        print("thread %d crc %08x" % (n, results[n]))
    print("done", flush=True)


main()
