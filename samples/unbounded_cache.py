"""Unbounded cache: responses are memoized in a module-level dict keyed by
user and never evicted, so every distinct user leaves a Response behind."""
from _sample import run


class Response:
    def __init__(self, user_id, body):
        self.user_id = user_id
        self.body = body


response_cache = {}


def handle(i):
    key = "user:%d" % i
    if key not in response_cache:
        response_cache[key] = Response(i, "x" * 200)
    scratch = [str(n) for n in range(20)]  # short-lived: must not be reported
    return len(response_cache[key].body) + len(scratch)


if __name__ == "__main__":
    run(handle)
