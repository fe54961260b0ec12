# Runs redis-benchmark once against a port and shapes what it reports like
# wrk.Run, with the proxy's CPU (utime+stime) and peak RSS over the run.
# redis-benchmark has no time bound, so the caller sizes -n from a rate.
import csv
import io
import subprocess
import time
from dataclasses import dataclass, field

from harness import procs


@dataclass
class Run:
    seconds: float
    requests: int
    cpu_seconds: float
    proxy_alive: bool
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    peak_rss: int = 0
    bytes: int = 0
    errors: dict = field(default_factory=dict)
    output: str = ""

    @property
    def error_count(self):
        return sum(self.errors.values())


def run(port, test, requests, clients, pipeline, proxy, data_size=64, keyspace=100000):
    """redis-benchmark -t TEST -n REQUESTS -c CLIENTS -P PIPELINE against 127.0.0.1:PORT."""
    argv = ["redis-benchmark", "-h", "127.0.0.1", "-p", str(port), "-t", test, "-n", str(requests),
            "-c", str(clients), "-P", str(pipeline), "-d", str(data_size), "-r", str(keyspace),
            "--threads", "1", "--csv", "-q"]  # it exits on a server error by itself
    cpu_before = procs.cpu_seconds(proxy.pid) if proxy else 0.0
    started = time.monotonic()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err, peak = "", "", 0
    try:  # communicate() with a short timeout drains the pipes while RSS is sampled
        while child.poll() is None:
            if time.monotonic() - started > 600:
                child.kill()
                raise TimeoutError(f"redis-benchmark on port {port} did not finish in 600 s")
            if proxy and proxy.alive():
                peak = max(peak, procs.rss_bytes(proxy.pid))
            try:
                out, err = child.communicate(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    elapsed = time.monotonic() - started
    cpu = (procs.cpu_seconds(proxy.pid) - cpu_before) if proxy and proxy.alive() else 0.0
    errors = {}
    if child.returncode != 0:
        errors["exit status"] = 1
    rows = [r for r in csv.reader(io.StringIO(out)) if r and r[0] != "test"]
    error_lines = [line for line in (out + err).splitlines() if "error" in line.lower() or "ERR" in line]
    if error_lines:
        errors["error lines"] = len(error_lines)
    if not rows:
        errors["no result"] = 1
    p50 = p99 = 0.0
    if rows:  # "test","rps","avg","min","p50","p95","p99","max" (latencies in ms)
        try:
            p50, p99 = float(rows[-1][4]), float(rows[-1][6])
        except (IndexError, ValueError):
            errors["unparsed result"] = 1
    completed = requests if rows and not errors else 0
    return Run(seconds=elapsed, requests=completed, cpu_seconds=cpu,
               proxy_alive=proxy.alive() if proxy else True, p50_ms=p50, p99_ms=p99, peak_rss=peak,
               errors=errors, output="\n".join((out + err).splitlines()[-10:]))
