"""Global list collecting requests: a debugging aid appends every request to a
module-level list 'for later inspection' and nothing ever clears it."""
from _sample import run


class Request:
    def __init__(self, path, headers):
        self.path = path
        self.headers = headers


recent_requests = []


def handle(i):
    request = Request("/items/%d" % i, {"accept": "application/json"})
    recent_requests.append(request)
    return request.path


if __name__ == "__main__":
    run(handle)
