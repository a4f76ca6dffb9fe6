"""Records the small dumps in this directory from the sample programs.

    python -S -I samples/dumps/record.py PACKAGE_DIR {time,calls} SAMPLE.py OUT.mlt

PACKAGE_DIR is a built memalot package (build/python). The extension is
loaded alone, without the memalot package, so the recorded heap is the
interpreter's own plus the sample: the package's imports (typing, tempfile,
secrets, ...) would triple every image. The script takes the images itself,
the way the package does, at fixed points, so what qualifies is known exactly:

- time (criterion lifetime 0.25 s, warm-up 0.1 s): image 0; 10 calls (warm-up);
  0.15 s later image 1; 10 calls; image 2; 0.3 s later image 3. The second
  ten calls' objects were created after the warm-up and are 0.3 s old at
  image 3: they qualify, the first ten do not.
- calls (criterion 2 calls, 1 warm-up call): 3 monitored calls, an image at
  the start and at the end of each. Call 2's objects qualify at the end of
  call 3; call 3's (among them the argument tuple and dict of the driver's
  own dump() call) have outlived only one call.
"""
import sys
import time
import types

# Only what a bare interpreter (python -S -I) has loaded already: os, glob and
# importlib.util would bring in some thirty modules and double every image.
from _frozen_importlib import module_from_spec, spec_from_loader
from _frozen_importlib_external import ExtensionFileLoader, SourceFileLoader
import posix

LIFETIME, WARMUP = 0.25, 0.1
CALLS, MAX_AGE, WARMUP_CALLS = 3, 2, 1


def load(name, loader):
    module = module_from_spec(spec_from_loader(name, loader))
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def load_extension(package_dir):
    directory = package_dir.rstrip("/") + "/memalot"
    [file] = [f for f in posix.listdir(directory) if f.startswith("_memalot") and f.endswith(".so")]
    path = directory + "/" + file
    return load("memalot._memalot", ExtensionFileLoader("memalot._memalot", path))


def load_sample(path):
    """The sample's module without its driver: its own run() is not used, and
    _sample imports os, which brings in collections.abc."""
    sys.modules["_sample"] = types.ModuleType("_sample")
    sys.modules["_sample"].run = None
    name = path.rsplit("/", 1)[-1][:-len(".py")]
    return load(name, SourceFileLoader(name, path))


def checked(result):
    if not isinstance(result, dict) or "error" in result:
        raise SystemExit("record.py: the extension failed: %r" % (result,))
    return result


def record_time(ext, handle):
    criterion = ("time", LIFETIME, WARMUP)
    checked(ext.dump("periodic", criterion=criterion))
    for i in range(10):
        handle(i)
    time.sleep(0.15)
    checked(ext.dump("periodic", criterion=criterion))
    for i in range(10, 20):
        handle(i)
    checked(ext.dump("periodic", criterion=criterion))
    time.sleep(0.3)
    checked(ext.dump("periodic", criterion=criterion))


def record_calls(ext, handle, function):
    criterion = ("calls", MAX_AGE, WARMUP_CALLS)
    for counter in range(1, CALLS + 1):
        checked(ext.dump("call-start", call_counter=counter, function=function, criterion=criterion))
        handle(counter)
        checked(ext.dump("call-end", call_counter=counter, function=function, criterion=criterion))


def main():
    package_dir, mode, sample_path, output = sys.argv[1:5]
    ext = load_extension(package_dir)
    sample = load_sample(sample_path)
    ext.open_monitor(output, compression_level=19, value_cap=0, argv=None, argv_withheld=True,
                     run_id=0x5A3D1E5, start_time=time.time(), use_fork=False)
    try:
        if mode == "time":
            record_time(ext, sample.handle)
        else:
            record_calls(ext, sample.handle, sample.__name__ + ".handle")
    finally:
        ext.close_monitor()


if __name__ == "__main__":
    main()
