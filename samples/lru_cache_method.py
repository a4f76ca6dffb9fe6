"""functools.lru_cache on a method: the cache is shared by the class and keys on
`self`, so every short-lived Pricer stays alive in the cache (up to maxsize=None)."""
import functools

from _sample import run


class Pricer:
    def __init__(self, customer_id):
        self.customer_id = customer_id
        self.discounts = [0.1] * 8

    @functools.lru_cache(maxsize=None)
    def price(self, amount):
        return amount * (1 - self.discounts[0])


def handle(i):
    return Pricer(i).price(100)


if __name__ == "__main__":
    run(handle)
