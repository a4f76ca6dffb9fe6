"""Objects held only inside C-implemented containers: an audit trail kept in an
unbounded collections.deque, deferred work kept as functools.partial objects
and raw samples appended to an array.array, none of them ever trimmed."""
import array
import collections
import functools

from _sample import run


class AuditEvent:
    def __init__(self, event_id):
        self.event_id = event_id
        self.detail = "event %d" % event_id


def process(event, priority):
    return event.event_id * priority


audit_trail = collections.deque()  # meant to be deque(maxlen=1000)
deferred = []
latencies = array.array("d")


def handle(i):
    audit_trail.append(AuditEvent(i))
    deferred.append(functools.partial(process, AuditEvent(-i), 1))
    latencies.append(i * 0.001)


if __name__ == "__main__":
    run(handle)
