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
        """A loop finished `done` rounds; rounds=N means N for each loop, so
        the most any loop did is what a benchmark asks for again."""
        with self._lock:
            self.done = max(self.done, done)

    def print_rounds(self):
        print("rounds %d" % self.done, file=sys.stderr, flush=True)
