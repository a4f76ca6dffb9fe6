"""Program text shared by the tests that freeze an image child, as a debugger,
the OOM killer's freezer or a starved machine would: prepend it to a
program, then call stop_first_image_child() (in a thread of its own: it
waits for the first image)."""
import textwrap

STOP_FIRST_IMAGE_CHILD = textwrap.dedent(
    """
    import glob, os, signal, time

    def stop_first_image_child():
        \"\"\"SIGSTOPs the first child of this process that it catches running,
        and returns its pid.\"\"\"
        while True:
            for listing in glob.glob("/proc/self/task/*/children"):
                try:
                    pids = open(listing).read().split()
                except OSError:
                    continue
                for pid in pids:
                    try:
                        os.kill(int(pid), signal.SIGSTOP)
                    except ProcessLookupError:
                        continue  # finished and reaped since the listing: wait for the next
                    if _stopped(pid):
                        return int(pid)
            time.sleep(0.01)

    def _stopped(pid):
        # A child seen as it exited (a zombie until it is reaped) cannot be
        # stopped: wait for the next one.
        for _ in range(100):
            try:
                with open("/proc/%s/stat" % pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
            except (OSError, IndexError):
                return False
            if state in "tT":
                return True
            if state in "ZX":
                return False
            time.sleep(0.001)
        return False
    """
)
