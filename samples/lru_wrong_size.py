"""Size-limited cache that never evicts: the LRU cache weighs entries with a
size function that reads a field the entries never set, so every entry
weighs 0 and the 1 MB budget is never reached."""
from collections import OrderedDict

from _sample import run


class Document:
    def __init__(self, doc_id, text):
        self.doc_id = doc_id
        self.text = text
        self.size_hint = 0  # meant to be filled by a loader that never runs


class SizedLRUCache:
    def __init__(self, max_bytes, size_of):
        self.max_bytes = max_bytes
        self.size_of = size_of
        self.entries = OrderedDict()
        self.used = 0

    def put(self, key, value):
        self.entries[key] = value
        self.entries.move_to_end(key)
        self.used += self.size_of(value)
        while self.used > self.max_bytes and self.entries:
            _, evicted = self.entries.popitem(last=False)
            self.used -= self.size_of(evicted)


documents = SizedLRUCache(1 << 20, size_of=lambda doc: doc.size_hint)


def handle(i):
    documents.put(i, Document(i, "lorem ipsum " * 20))


if __name__ == "__main__":
    run(handle)
