"""Four threads writing to one sqlite3 database (sqlite's own locks, the
GIL released inside each statement) while images are taken."""
import os
import sqlite3
import sys
import tempfile
import threading

from _budget import Budget


def writer(path, seed, budget, errors):
    try:
        db = sqlite3.connect(path, timeout=60)
        done = 0
        while budget.more(done):
            with db:
                db.execute("INSERT INTO t (thread, n, payload) VALUES (?, ?, ?)",
                           (seed, done, "x" * (done % 300)))
            done += 1
        budget.report(done)
        db.close()
    except Exception as exc:  # reported in the output, which the test compares
        errors.append("thread %d: %s" % (seed, exc))


def main():
    budget = Budget(sys.argv)
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "t.db")
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (thread INTEGER, n INTEGER, payload TEXT)")
        db.commit()
        errors = []
        threads = [threading.Thread(target=writer, args=(path, n, budget, errors)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        budget.print_rounds()
        threads_seen = db.execute("SELECT COUNT(DISTINCT thread) FROM t").fetchone()[0]
        print("integrity", db.execute("PRAGMA integrity_check").fetchone()[0])
        print("threads", threads_seen)
        print("errors", errors)
        db.close()
    print("done", flush=True)


main()
