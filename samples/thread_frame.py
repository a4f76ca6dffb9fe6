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
        tasks.task_done()


worker_thread = threading.Thread(target=worker, name="stats-worker", daemon=True)
worker_thread.start()


def handle(i):
    # The caller waits for its task to be processed, as a request handler
    # waits for its answer: every object a call causes is born before it returns.
    tasks.put(Task(i))
    tasks.join()


if __name__ == "__main__":
    run(handle)
