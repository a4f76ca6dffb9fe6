"""Four threads allocating and freeing constantly: whatever malloc lock a
thread holds when an image is taken, the program must not notice the image."""
import sys
import threading
import zlib

from _budget import Budget


def churn(seed, budget, results):
    payload = bytes((seed * 7 + i) % 251 for i in range(4096))
    checksum = zlib.crc32(zlib.compress(payload * 4))
    done = 0
    while budget.more(done):
        items = [bytes(64 + i % 512) for i in range(200)]
        table = {i: [i] * (i % 17) for i in range(200)}
        packed = zlib.compress(payload * 4)
        del items, table
        checksum = zlib.crc32(packed)
        done += 1
    budget.report(done)
    results[seed] = checksum


def main():
    budget = Budget(sys.argv)
    results = {}
    threads = [threading.Thread(target=churn, args=(n, budget, results)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    budget.print_rounds()
    for n in sorted(results):
        print("thread %d crc %08x" % (n, results[n]))
    print("done", flush=True)


main()
