"""Control, no leak: an LRU cache that evicts correctly. It stays at 200
entries; after warm-up everything in it is recent, so nothing outlives the
lifetime or a call."""
from collections import OrderedDict

from _sample import run


class Entry:
    def __init__(self, key):
        self.key = key
        self.value = "v" * 50


class BoundedCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.entries = OrderedDict()

    def get(self, key):
        if key in self.entries:
            self.entries.move_to_end(key)
            return self.entries[key]
        entry = self.entries[key] = Entry(key)
        if len(self.entries) > self.capacity:
            self.entries.popitem(last=False)
        return entry


cache = BoundedCache(200)


def handle(i):
    return cache.get(i).value


if __name__ == "__main__":
    run(handle)
