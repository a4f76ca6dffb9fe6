"""A signal-analysis batch on numpy.

Each request reads a noisy trace (a TraceReading), filters it with a window
function and computes its spectrum: dozens of temporary arrays per request
(churn). The leak: spectra are memoized with
functools.lru_cache(maxsize=None), keyed by the trace id, and every request
brings a new id, so every Spectrum and its power array stay. Bounded: window
kernels behind functools.lru_cache(maxsize=64), keyed by time slot.
"""
import functools
import time

import numpy as np

import _field

log = _field.CreationLog()
SAMPLES = 256
RATE = 400  # traces a second at most: a steady feed, not a tight loop


class Spectrum:
    def __init__(self, trace_id, power, peak):
        self.trace_id = trace_id
        self.power = power
        self.peak = peak


class TraceReading:
    def __init__(self, trace_id, samples):
        self.trace_id = trace_id
        self.samples = samples


class WindowKernel:
    def __init__(self, slot):
        self.slot = slot
        self.weights = np.hanning(SAMPLES) * (1 + slot % 7 / 100)


@functools.lru_cache(maxsize=64)
def window_kernel(slot):
    return WindowKernel(slot)


def read_trace(trace_id):
    rng = np.random.default_rng(trace_id)
    t = np.linspace(0.0, 1.0, SAMPLES)
    samples = np.sin(2 * np.pi * (5 + trace_id % 40) * t) + 0.3 * rng.standard_normal(SAMPLES)
    return TraceReading(trace_id, samples)


@functools.lru_cache(maxsize=None)  # the leak: one entry per trace id, forever
def spectrum_of(trace_id):
    kernel = window_kernel(_field.cache_slot())
    trace = read_trace(trace_id).samples
    filtered = (trace - trace.mean()) * kernel.weights
    power = np.abs(np.fft.rfft(filtered)) ** 2
    return Spectrum(trace_id, power.astype(np.float32), int(power.argmax()))


def handle(trace_id):
    before = time.monotonic()
    spectrum = spectrum_of(trace_id)  # stored in the cache by the time it returns
    log.stored("Spectrum", before)
    return spectrum.peak


def main():
    done = 0
    while _field.keep_going(done, per_second=RATE):
        handle(done)
        done += 1
    log.close()
    print("numpy_spectra: %d traces, %d cached spectra" % (done, spectrum_of.cache_info().currsize))


if __name__ == "__main__":
    main()
