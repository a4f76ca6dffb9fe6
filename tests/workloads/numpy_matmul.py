"""OpenBLAS at work while images are taken: fork() would run its atfork
handler, which shuts the BLAS thread pool down under the running product."""
import sys
import threading
import time

import numpy as np


def products(seconds, result):
    a = np.random.default_rng(0).standard_normal((64, 256))
    deadline = time.monotonic() + seconds
    c = a.T @ a
    while time.monotonic() < deadline:
        c = a.T @ a
    result.append(float(np.round(c.trace(), 6)))


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    result = []
    if "--thread" in sys.argv:
        worker = threading.Thread(target=products, args=(seconds, result))
        worker.start()
        worker.join()
    else:
        products(seconds, result)
    print("trace %.6f" % result[0])
    print("done", flush=True)


main()
