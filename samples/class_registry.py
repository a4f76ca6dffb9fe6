"""A class attribute used as a registry: every Widget registers itself in
Widget.registry for lookups by id, and widgets are never unregistered."""
from _sample import run


class Widget:
    registry = {}

    def __init__(self, widget_id):
        self.widget_id = widget_id
        self.label = "widget %d" % widget_id
        Widget.registry[widget_id] = self


def handle(i):
    Widget(i)


if __name__ == "__main__":
    run(handle)
