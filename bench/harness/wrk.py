# Runs wrk against one target while sampling the proxy's CPU time and RSS,
# and returns the totals (requests, bytes, errors, CPU seconds) of that run.
# The exact numbers come from wrk_report.lua, not wrk's rounded text.
import json
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from harness import procs

REPORT_SCRIPT = Path(__file__).with_name("wrk_report.lua")
ERROR_KINDS = ("connect", "read", "write", "status", "timeout")


@dataclass
class Run:
    seconds: float
    requests: int
    bytes: int
    errors: dict        # kind -> count; "status" is non-2xx/3xx responses
    p50_ms: float
    p99_ms: float
    cpu_seconds: float  # proxy utime+stime during the run; 0 without a proxy
    peak_rss: int       # proxy VmRSS high-water mark sampled during the run
    proxy_alive: bool

    @property
    def error_count(self):
        return sum(self.errors.values())


def run(url, duration, threads, connections, headers=(), proxy=None, timeout_s=5):
    argv = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
            f"--timeout={timeout_s}s", "-s", str(REPORT_SCRIPT)]
    for header in headers:
        argv += ["-H", header]
    argv.append(url)

    if proxy and not proxy.alive():
        raise RuntimeError(f"{proxy.name} {proxy.exit_description()} before this run:\n"
                           + "\n".join(proxy.log_tail()))
    cpu_before = procs.cpu_seconds(proxy.pid) if proxy else 0.0
    wrk = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak_rss = procs.sample_while_running(wrk, proxy, time.monotonic() + duration + 30, " ".join(argv))
    output = wrk.stdout.read()
    proxy_alive = proxy.alive() if proxy else True
    cpu = procs.cpu_seconds(proxy.pid) - cpu_before if proxy and proxy_alive else 0.0

    line = next((l for l in output.splitlines() if l.startswith("WRK_JSON ")), None)
    if line is None:
        state = f"; {proxy.name} {proxy.exit_description()}" if proxy else ""
        raise RuntimeError(f"wrk gave no summary (exit {wrk.returncode}{state}):\n{output}")
    totals = json.loads(line[len("WRK_JSON "):])
    return Run(seconds=totals["duration_us"] / 1e6, requests=totals["requests"],
               bytes=totals["bytes"], errors={k: totals[k] for k in ERROR_KINDS},
               p50_ms=totals["p50_us"] / 1e3, p99_ms=totals["p99_us"] / 1e3,
               cpu_seconds=cpu, peak_rss=peak_rss, proxy_alive=proxy_alive)
