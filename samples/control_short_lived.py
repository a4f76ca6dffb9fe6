"""Control, no leak: short-lived request objects at a high rate. Each request
builds a few objects that die when the handler returns."""
from _sample import run


class Request:
    def __init__(self, request_id):
        self.request_id = request_id
        self.headers = {"x-id": str(request_id)}
        self.body = [request_id] * 5


def handle(i):
    request = Request(i)
    return sum(request.body) + len(request.headers)


if __name__ == "__main__":
    run(handle, batch=2000)
