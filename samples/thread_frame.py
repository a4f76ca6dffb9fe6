"""A long-running thread's frame holds data: a background worker keeps every
task it processed in a local list 'for statistics', so its frame retains them."""
import queue
import threading

from _sample import run


class Task:
    def __init__(self, task_id):
        self.task_id = task_id
        self.result = None


tasks = queue.Queue()


def worker():
    processed = []
    while True:
        task = tasks.get()
        if task is None:
            break
        task.result = task.task_id * 2
        processed.append(task)


worker_thread = threading.Thread(target=worker, name="stats-worker", daemon=True)
worker_thread.start()


def handle(i):
    tasks.put(Task(i))


if __name__ == "__main__":
    run(handle)
