"""Runs a sample under call-based monitoring: imports samples/NAME.py by path
(so its module is NAME, not __main__), wraps its handle with
@memalot.leak_monitor and calls it a fixed number of times (awaiting it when
handle is a coroutine function, as in asyncio_tasks.py).

    python samples/run_calls.py SAMPLE.py --calls M --max-object-age-calls N \\
        --warmup-calls K --output FILE.mlt [--values none] [--compression-level 3]

Then: memalot-analyze report FILE.mlt   (the criterion is recorded in the dump).
"""
import argparse
import asyncio
import importlib.util
import inspect
import os
import sys

import memalot


def load_sample(path):
    """Imports the sample as a module named after its file, with samples/ on
    sys.path so that `from _sample import run` works as it does under python."""
    directory = os.path.dirname(os.path.abspath(path))
    if directory not in sys.path:
        sys.path.insert(0, directory)
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # pickling, dataclasses and the like look modules up here
    spec.loader.exec_module(module)
    return module


def call_repeatedly(handle, calls):
    """Calls handle(0) .. handle(calls - 1); a coroutine handle runs in one
    event loop, as the sample's own main() would run it."""
    if inspect.iscoroutinefunction(handle):

        async def main():
            for i in range(calls):
                await handle(i)

        asyncio.run(main())
    else:
        for i in range(calls):
            handle(i)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sample")
    parser.add_argument("--calls", type=int, required=True, help="monitored calls of handle")
    parser.add_argument("--max-object-age-calls", type=int, default=1)
    parser.add_argument("--warmup-calls", type=int, default=1)
    parser.add_argument("--output", required=True, help="dump file to write")
    parser.add_argument("--values", default="none")
    parser.add_argument("--compression-level", type=int, default=3)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sample = load_sample(args.sample)
    handle = memalot.leak_monitor(
        max_object_age_calls=args.max_object_age_calls,
        warmup_calls=args.warmup_calls,
        dump_file=args.output,
        values=args.values,
        compression_level=args.compression_level,
        quiet=True,  # warnings still reach stderr
        report=False,  # the report is memalot-analyze's, read from the file afterwards
    )(sample.handle)
    call_repeatedly(handle, args.calls)
    memalot.stop_leak_monitoring()
    return 0


if __name__ == "__main__":
    sys.exit(main())
