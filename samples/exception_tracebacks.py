"""Exceptions whose tracebacks keep frames alive: failed jobs are recorded with
their exception for a later error report; each traceback pins the frame of
parse(), and with it the whole input batch the frame's locals refer to."""
from _sample import run


class Batch:
    def __init__(self, batch_id):
        self.batch_id = batch_id
        self.rows = ["row-%d" % n for n in range(30)]


failures = []


def parse(batch):
    if batch.batch_id % 1 == 0:
        raise ValueError("bad row in batch %d" % batch.batch_id)


def handle(i):
    try:
        parse(Batch(i))
    except ValueError as error:
        failures.append(error)  # error.__traceback__ -> frame of parse() -> batch


if __name__ == "__main__":
    run(handle)
