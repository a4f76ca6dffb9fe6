"""A document-rendering worker pool on pydantic models.

Requests (a JSON payload) are parsed into a Document with its Sections by
four long-lived worker threads (daemons, as a server's workers live as long
as the process) and rendered to text with per-request RenderOptions: the
options, the rendered strings and the reply queues are churn. The leak:
each worker keeps "recent documents for debugging" in a threading.local
list that nothing ever trims, so every Document (and its Sections) stays
alive in the thread's local storage. Bounded: style sheets behind
functools.lru_cache(maxsize=64), keyed by time slot.
"""
import functools
import json
import queue
import threading
import time

from pydantic import BaseModel

import _field

RATE = 300  # documents a second at most
log = _field.CreationLog()
worker_state = threading.local()  # the leak: .documents, one list per worker thread


class Section(BaseModel):
    heading: str
    body: str
    level: int = 1


class Document(BaseModel):
    title: str
    author: str
    sections: list[Section]


class RenderOptions(BaseModel):
    width: int = 80
    theme: str = "plain"


class StyleSheet:
    def __init__(self, slot):
        self.slot = slot
        self.rules = {"h%d" % level: "font-size: %dpx" % (30 - 3 * level + slot % 3)
                      for level in range(1, 5)}


@functools.lru_cache(maxsize=64)
def style_sheet(slot):
    return StyleSheet(slot)


def payload(n):
    return json.dumps({"title": "report %d" % n, "author": "author-%d" % (n % 13),
                       "sections": [{"heading": "part %d" % i, "body": "text " * (5 + i),
                                     "level": 1 + i % 3} for i in range(4)]})


def render(raw):
    sheet = style_sheet(_field.cache_slot())
    options = RenderOptions(width=60 + len(raw) % 40)
    before = time.monotonic()
    document = Document.model_validate_json(raw)
    if not hasattr(worker_state, "documents"):
        worker_state.documents = []
    worker_state.documents.append(document)
    log.stored("Document", before)
    return "\n".join("<h%d style='%s'>%s</h%d>%s" % (s.level, sheet.rules["h%d" % s.level],
                                                       s.heading, s.level, s.body[:options.width])
                     for s in document.sections)


def worker(requests):
    while True:
        raw, replies = requests.get()
        replies.put(render(raw))
        # Not kept until the next request (the last one would wait in this
        # frame until exit): idle workers hold nothing of the last request.
        raw = replies = None


def main():
    requests = queue.Queue()
    for n in range(4):
        _field.in_thread(lambda: worker(requests), "worker-%d" % n)
    done = 0
    while _field.keep_going(done, per_second=RATE):
        replies = queue.Queue()
        for n in range(done, done + 8):
            requests.put((payload(n), replies))
        for _ in range(8):
            replies.get(timeout=_field.CLIENT_TIMEOUT)
        done += 8
    log.close()
    print("pydantic_documents: %d documents" % done)


if __name__ == "__main__":
    main()
