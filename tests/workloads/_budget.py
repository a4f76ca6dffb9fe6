"""How long a workload runs: its first argument is either a number of
seconds (the tests) or `rounds=N` (the benchmark, so that a monitored run does
the same work as a plain one and their wall times compare). The rounds done
go to stderr; stdout stays the same whatever the budget."""
import sys
import threading
import time


class Budget:
    def __init__(self, argv):
        text = argv[1] if len(argv) > 1 else "10"
        self.rounds = int(text.split("=", 1)[1]) if text.startswith("rounds=") else None
        self.deadline = None if self.rounds is not None else time.monotonic() + float(text)
        self.done = 0
        self._lock = threading.Lock()

    def more(self, done):
        """For a loop that has done `done` rounds: go on? (At least one round.)"""
        if self.rounds is not None:
            return done < self.rounds
        return done == 0 or time.monotonic() < self.deadline

    def report(self, done):
        with self._lock:
            self.done += done

    def print_rounds(self):
        print("rounds %d" % self.done, file=sys.stderr, flush=True)
