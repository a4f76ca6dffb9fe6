"""multiprocessing workers that keep what they compute: each worker appends
every job's JobResult to the module-global list RESULTS and never trims it
(a per-process memo nobody reads). Short-lived per job: its scratch strings.

    python pool_jobs.py METHOD WORKERS JOBS [process|pool]

METHOD is a multiprocessing start method (fork, spawn, forkserver); the
workers are Process objects, or with `pool` the processes of a
multiprocessing.Pool, each given one job list. Each
worker first waits SETTLE seconds (past its own warm-up under memalot-dump),
does its JOBS jobs spread over WORK seconds (a leak that grows, not one
batch: a batch that then holds still for most of the run is what a bounded
cache looks like too), then holds its results HOLD seconds (past the
lifetime, under half the run) and returns. Prints each worker's pid, as the test's expected counts.
"""
import multiprocessing
import os
import sys
import time

SETTLE = 2.0
WORK = 3.0
HOLD = 2.0
RESULTS = []  # the leak: one JobResult per job, per worker


class JobResult:
    def __init__(self, job, value):
        self.job = job
        self.value = value


def work(jobs, pids):
    if pids is not None:
        pids.put(os.getpid())
    time.sleep(SETTLE)
    for job in range(jobs):
        scratch = [str(job * k) for k in range(20)]
        RESULTS.append(JobResult(job, len("".join(scratch))))
        time.sleep(WORK / jobs)
    del scratch
    time.sleep(HOLD)


def work_in_pool(jobs):
    """One Pool task: a whole job list, so each of the pool's processes runs
    exactly one (the Barrier holds each until all have started theirs)."""
    _BARRIER.wait(120)
    work(jobs, None)
    return os.getpid()


def _pool_init(barrier):
    global _BARRIER
    _BARRIER = barrier


def run_processes(context, workers, jobs):
    pids = context.Queue()
    processes = [context.Process(target=work, args=(jobs, pids)) for _ in range(workers)]
    for process in processes:
        process.start()
    seen = sorted(pids.get(timeout=120) for _ in processes)
    for process in processes:
        process.join(120)
    return seen, sorted({process.exitcode for process in processes})


def run_pool(context, workers, jobs):
    barrier = context.Manager().Barrier(workers)
    with context.Pool(workers, initializer=_pool_init, initargs=(barrier,)) as pool:
        seen = sorted(pool.map(work_in_pool, [jobs] * workers, chunksize=1))
        pool.close()
        pool.join()
    return seen, [0]


def main():
    method, workers, jobs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    kind = sys.argv[4] if len(sys.argv) > 4 else "process"
    context = multiprocessing.get_context(method)
    run = run_pool if kind == "pool" else run_processes
    seen, codes = run(context, workers, jobs)
    assert len(set(seen)) == workers, "each worker ran one job list: %s" % seen
    print("workers", " ".join(str(pid) for pid in seen))
    print("exit codes", codes)


if __name__ == "__main__":
    main()
