"""subprocess.run for programs that may hang: on a timeout, the C stacks of
every thread of the program and of its descendants are taken (gdb, when the
machine has it) before the tree is killed, and the TimeoutExpired raised
carries them. A hang seen once on a loaded CI machine is then a bug report
with its stacks, not a bare "timed out after 300 seconds"."""
import os
import shutil
import signal
import subprocess

GDB_SECONDS = 20  # per process: a stuck ptrace attach must not hang the test run too
MAX_PROCESSES = 8


class HangExpired(subprocess.TimeoutExpired):
    def __init__(self, cmd, timeout, output, stderr, stacks):
        super().__init__(cmd, timeout, output=output, stderr=stderr)
        self.stacks = stacks

    def __str__(self):
        tail = (self.stderr or "")[-4000:]
        return "%s\n--- stderr (end) ---\n%s\n--- stacks at the timeout ---\n%s" % (
            super().__str__(), tail, self.stacks)


def _children_of():
    """{ppid: [pid...]} from /proc."""
    tree = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces.
        fields = stat[stat.rfind(")") + 2:].split()
        tree.setdefault(int(fields[1]), []).append(int(entry))
    return tree


def process_tree(root):
    tree = _children_of() if os.path.isdir("/proc") else {}
    order, queue = [], [root]
    while queue and len(order) < MAX_PROCESSES:
        pid = queue.pop(0)
        order.append(pid)
        queue.extend(sorted(tree.get(pid, [])))
    return order


def stacks_of(pids):
    gdb = shutil.which("gdb")
    if gdb is None:
        return "(gdb is not installed: no stacks)"
    parts = []
    for pid in pids:
        try:
            done = subprocess.run([gdb, "-p", str(pid), "-batch", "-ex", "thread apply all bt 30"],
                                  capture_output=True, text=True, timeout=GDB_SECONDS)
            lines = [l for l in done.stdout.splitlines() if l.startswith(("#", "Thread"))]
            parts.append("== pid %d\n%s" % (pid, "\n".join(lines) or done.stderr[-500:]))
        except (subprocess.TimeoutExpired, OSError) as error:
            parts.append("== pid %d: no stacks (%s)" % (pid, error))
    return "\n".join(parts)


def run(cmd, timeout=None, **kwargs):
    """subprocess.run(cmd, timeout=..., capture_output=True, text=True, ...)
    that reports stacks on a timeout (HangExpired)."""
    check = kwargs.pop("check", False)
    kwargs.pop("capture_output", None)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs) as proc:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            pids = process_tree(proc.pid)
            stacks = stacks_of(pids)
            for pid in reversed(pids):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            out, err = proc.communicate()
            raise HangExpired(cmd, timeout, out, err, stacks) from None
    done = subprocess.CompletedProcess(cmd, proc.returncode, out, err)
    if check:
        done.check_returncode()
    return done
