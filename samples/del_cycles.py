"""Reference cycles with __del__ in a process that disabled the cyclic GC for
latency (as some large services do): every Connection and its Pool point at
each other, refcounting alone can never free them, so they accumulate."""
import gc

from _sample import run

gc.disable()


class Pool:
    def __init__(self):
        self.connections = []


class Connection:
    def __init__(self, conn_id, pool):
        self.conn_id = conn_id
        self.pool = pool
        pool.connections.append(self)

    def __del__(self):
        # Closing logic the author relies on; it never runs while the cycle lives.
        self.pool = None


def handle(i):
    pool = Pool()
    Connection(i, pool)


if __name__ == "__main__":
    run(handle)
