# Starts and stops the processes of one benchmark run (servers, proxies) in a
# temp dir, waits for their ports, and reads their CPU time and memory from
# /proc. Every process started here is killed when the group closes.
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    """An ephemeral port nobody listens on right now (small race, fine on loopback)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, check, timeout=10.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()  # the command name may hold spaces
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # fields 14 and 15 of proc(5)


def family_cpu_seconds(parent):
    """CPU seconds of a server that forks its workers (a postmaster and its backends, which
    setsid() into process groups of their own): utime+stime of PARENT and of each live
    child, plus PARENT's cutime+cstime, which holds the CPU of the children it has reaped."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:  # gone meanwhile
            continue
        fields = text[text.rindex(")") + 2:].split()
        pid = int(entry.name)
        if pid != parent and int(fields[1]) != parent:  # field 4: parent pid
            continue
        total += int(fields[11]) + int(fields[12])
        if pid == parent:
            total += int(fields[13]) + int(fields[14])  # fields 16 and 17: reaped children
    return total / CLOCK_TICKS


def sample_while_running(child, proxy, deadline, what):
    """Waits for CHILD (a load generator's Popen) and returns the peak VmRSS of PROXY
    seen meanwhile; kills CHILD and raises TimeoutError past DEADLINE (time.monotonic())."""
    peak_rss = 0
    try:
        while child.poll() is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{what} did not finish in time")
            if proxy and proxy.alive():
                peak_rss = max(peak_rss, rss_bytes(proxy.pid))
            time.sleep(0.2)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    return peak_rss


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class Process:
    def __init__(self, name, popen, log_path, stop_signal=signal.SIGTERM, signal_group=True, stop_timeout=5.0):
        self.name, self.popen, self.log_path = name, popen, log_path
        self.stop_timeout = stop_timeout
        # PostgreSQL wants SIGINT (fast shutdown) at the postmaster only, not at each backend
        self.stop_signal, self.signal_group = stop_signal, signal_group

    @property
    def pid(self):
        return self.popen.pid

    def alive(self):
        return self.popen.poll() is None

    def exit_description(self):
        code = self.popen.poll()
        if code is None:
            return "running"
        if code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exited with code {code}"

    def log_tail(self, lines=20):
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return text.splitlines()[-lines:]


class ProcessGroup:
    """Context manager: a temp dir plus the processes started in it."""

    def __init__(self, prefix="sy-bench-"):
        self.dir = Path(tempfile.mkdtemp(prefix=prefix))
        self.dir.chmod(0o755)  # nginx workers may run as another user and read files here
        self.processes = []
        self.bulky_dirs = [self.dir / "www"]  # served or stored data, not kept after a failure

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.stop_all()
        if exc_type is None or issubclass(exc_type, KeyboardInterrupt):
            shutil.rmtree(self.dir, ignore_errors=True)
        else:  # keep the logs and configs of a failed run, not the served data
            for path in self.bulky_dirs:
                shutil.rmtree(path, ignore_errors=True)
            print(f"logs and configs kept in {self.dir}", flush=True)
        return False

    def start(self, name, argv, user=None, stop_signal=signal.SIGTERM, signal_group=True, stop_timeout=5.0):
        """Runs argv in its own session (so its children die with it); stdout+stderr go to NAME.log.
        USER: run as that system user (PostgreSQL and PgBouncer refuse to run as root)."""
        log_path = self.dir / f"{name}.log"
        as_user = {"user": user, "group": user, "extra_groups": []} if user and os.geteuid() == 0 else {}
        with open(log_path, "wb") as log:
            popen = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True, **as_user)
        process = Process(name, popen, log_path, stop_signal, signal_group, stop_timeout)
        self.processes.append(process)
        return process

    def wait_port(self, process, port, timeout=10.0):
        def ready():
            if not process.alive():
                raise RuntimeError(f"{process.name} {process.exit_description()}: "
                                   + "\n".join(process.log_tail()))
            return port_open(port)
        wait_until(f"{process.name} on port {port}", ready, timeout)

    def stop(self, process, timeout=None):
        timeout = timeout or process.stop_timeout
        if not process.alive():
            print(f"note: {process.name} had already {process.exit_description()}", file=sys.stderr, flush=True)
        else:
            try:
                if process.signal_group:
                    os.killpg(process.pid, process.stop_signal)
                else:
                    os.kill(process.pid, process.stop_signal)
                process.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.popen.wait(timeout)
            except ProcessLookupError:
                pass
        try:  # children left behind in the session (e.g. nginx workers)
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop_all(self):
        for process in reversed(self.processes):
            self.stop(process)
        self.processes.clear()
