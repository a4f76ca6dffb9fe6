"""Shared driver for the sample programs: runs a sample's handle(i) the way a
service would, in batches with pauses, for MEMALOT_SAMPLE_SECONDS seconds
(default 4). Kept tiny so each sample reads as the leak it demonstrates."""
import os
import time


def run(handle, batch=100, pause=0.05):
    seconds = float(os.environ.get("MEMALOT_SAMPLE_SECONDS", "4"))
    started = time.monotonic()
    i = 0
    while time.monotonic() - started < seconds:
        for _ in range(batch):
            handle(i)
            i += 1
        time.sleep(pause)
    return i
