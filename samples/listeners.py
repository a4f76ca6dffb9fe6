"""Listeners never removed: each session subscribes a bound method to a global
event bus and nobody unsubscribes, so the bus keeps every Session alive."""
from _sample import run


class EventBus:
    def __init__(self):
        self.listeners = []

    def subscribe(self, callback):
        self.listeners.append(callback)


bus = EventBus()


class Session:
    def __init__(self, session_id):
        self.session_id = session_id
        self.history = [session_id] * 10
        bus.subscribe(self.on_event)

    def on_event(self, event):
        self.history.append(event)


def handle(i):
    session = Session(i)
    return session.session_id


if __name__ == "__main__":
    run(handle)
