"""The benchmarks' heap of about N live objects (shared by pause.py and percall.py).

Each Item brings about 5 objects (instance, list, str, float, and an int
outside the small-int cache); every 8th also a dict and a tuple.
"""


class Item:
    def __init__(self, i):
        self.values = [i, i + 1]
        self.name = "item-%d" % i
        self.weight = i * 0.5


def build_heap(n):
    items = []
    for i in range(n // 5):
        item = Item(i + 1000)
        if i % 8 == 0:
            item.extra = {"i": i, "t": (i, str(i))}
        items.append(item)
    return items
