"""A request handler that memoizes responses in a module-level dict and never
evicts: every distinct request leaves its Response behind for good."""
import time


class Response:
    def __init__(self, user_id, body):
        self.user_id = user_id
        self.body = body


_response_cache = {}


def handle(user_id):
    key = "user:%d" % user_id
    if key not in _response_cache:
        _response_cache[key] = Response(user_id, "x" * 200)
    return _response_cache[key]


def main(seconds=4.0):
    started = time.monotonic()
    user_id = 0
    while time.monotonic() - started < seconds:
        for _ in range(200):
            handle(user_id)
            user_id += 1
            scratch = [str(i) for i in range(20)]  # short-lived: must not be reported
            del scratch
        time.sleep(0.05)


if __name__ == "__main__":
    main()
