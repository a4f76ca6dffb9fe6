"""Closures capturing large objects: each job registers a retry callback whose
closure captures the job's whole payload; the callbacks are kept forever."""
from _sample import run


class Payload:
    def __init__(self, job_id):
        self.job_id = job_id
        self.blob = bytes(2000)


retry_callbacks = []


def handle(i):
    payload = Payload(i)

    def retry():
        return len(payload.blob)

    retry_callbacks.append(retry)


if __name__ == "__main__":
    run(handle)
