"""OpenBLAS at work while images are taken: fork() would run its atfork
handler, which shuts the BLAS thread pool down under the running product."""
import sys
import threading

import numpy as np

from _budget import Budget


def products(budget, result):
    a = np.random.default_rng(0).standard_normal((64, 256))
    c = a.T @ a
    done = 0
    while budget.more(done):
        c = a.T @ a
        done += 1
    budget.report(done)
    result.append(float(np.round(c.trace(), 6)))


def main():
    budget = Budget(sys.argv)
    result = []
    if "--thread" in sys.argv:
        worker = threading.Thread(target=products, args=(budget, result))
        worker.start()
        worker.join()
    else:
        products(budget, result)
    budget.print_rounds()
    print("trace %.6f" % result[0])
    print("done", flush=True)


main()
