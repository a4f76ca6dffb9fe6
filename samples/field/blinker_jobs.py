"""A job runner that announces progress with blinker signals.

Jobs run on a small thread pool; each job logs through a per-job
LoggerAdapter and a JobContext (churn). The leak: every job creates a
JobMonitor and connects its bound method to the module-level `job_finished`
signal with weak=False (a weak bound-method receiver would vanish with its
monitor, so someone "fixed" that), and nobody ever disconnects it: the
signal's receiver table keeps every monitor alive, and each job's send()
calls all of them. Bounded: job templates kept in a dict capped at 64
entries, the oldest evicted first, keyed by time slot.
"""
import collections
import concurrent.futures
import logging
import time

from blinker import signal

import _field

job_finished = signal("job-finished")
log = _field.CreationLog()
logger = logging.getLogger("jobs")
logger.addHandler(logging.NullHandler())
logger.setLevel(logging.DEBUG)  # records are made, then dropped by the null handler

TEMPLATE_LIMIT = 64
templates = collections.OrderedDict()  # bounded: the oldest goes past 64 entries


class JobTemplate:
    def __init__(self, slot):
        self.slot = slot
        self.steps = ["step-%d" % i for i in range(8)]


class JobContext:
    def __init__(self, job_id, template):
        self.job_id = job_id
        self.template = template
        self.results = []


class JobMonitor:
    def __init__(self, job_id):
        self.job_id = job_id
        self.seen = 0

    def on_finished(self, sender, **extra):
        self.seen += 1


def template_for(slot):
    template = templates.get(slot)
    if template is None:
        template = templates[slot] = JobTemplate(slot)
        while len(templates) > TEMPLATE_LIMIT:
            templates.popitem(last=False)
    return template


def run_job(job_id):
    context = JobContext(job_id, template_for(_field.cache_slot()))
    job_log = logging.LoggerAdapter(logger, {"job": job_id})
    for step in context.template.steps:
        context.results.append((step, job_id * len(step)))
        job_log.debug("job %d: %s done", job_id, step)
    before = time.monotonic()
    monitor = JobMonitor(job_id)
    job_finished.connect(monitor.on_finished, weak=False)
    log.stored("JobMonitor", before)
    job_finished.send(context, results=len(context.results))
    return len(context.results)


def main():
    done = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        while _field.keep_going(done):
            # Batches of 8: the pool's queue stays short, so the run ends on time.
            list(pool.map(run_job, range(done, done + 8)))
            done += 8
    log.close()
    print("blinker_jobs: %d jobs, %d receivers" % (done, len(job_finished.receivers)))


if __name__ == "__main__":
    main()
