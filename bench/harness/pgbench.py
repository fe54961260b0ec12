# Runs pgbench against one target while sampling the proxy's CPU time and RSS
# and PostgreSQL's CPU time, and returns the totals of that run in the shape
# scenario.py and report.py expect from a load run (like wrk.Run).
import math
import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

from harness import procs

ABORTED = re.compile(r"client \d+ .*aborted")


@dataclass
class Run:
    seconds: float        # transactions / pgbench's tps (which leaves out the initial connection time)
    requests: int         # transactions processed
    errors: dict          # "failed" transactions, "aborted clients", other "server errors", "hung", "exit status",
                          # "no transaction" completed
    latency_ms: float     # pgbench's latency average
    cpu_seconds: float    # proxy utime+stime during the run; 0 without a proxy
    backend_cpu_seconds: float  # PostgreSQL (postmaster + backends) during the run
    peak_rss: int
    proxy_alive: bool
    first_error: str = ""  # the first error line pgbench printed, for the report
    output: str = ""
    bytes: int = 0
    p99_ms: float = math.nan
    extra: dict = field(default_factory=dict)

    @property
    def error_count(self):
        return sum(self.errors.values())


def _number(pattern, text, default=0.0):
    match = re.search(pattern, text)
    return float(match.group(1)) if match else default


def run(pgbench, port, duration, clients, threads, mode, script_args, user, password, dbname,
        proxy=None, backend=None, timeout_s=None, env=None):
    """pgbench -T DURATION -c CLIENTS -j THREADS -M MODE SCRIPT_ARGS over TCP to 127.0.0.1:PORT.
    BACKEND: the postgres.Server whose CPU is measured too. ENV: more libpq settings (PGSSLMODE)."""
    argv = [str(pgbench), "-h", "127.0.0.1", "-p", str(port), "-U", user, "-n", "-T", str(duration),
            "-c", str(clients), "-j", str(threads), "-M", mode, *script_args, dbname]
    if proxy and not proxy.alive():
        raise RuntimeError(f"{proxy.name} {proxy.exit_description()} before this run:\n"
                           + "\n".join(proxy.log_tail()))
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "30", **(env or {})}
    cpu_before = procs.cpu_seconds(proxy.pid) if proxy else 0.0
    backend_before = backend.cpu_seconds() if backend else 0.0
    # files, not pipes: hundreds of aborted clients print more than a pipe holds
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=env, stdin=subprocess.DEVNULL)
        hung = False
        try:
            peak_rss = procs.sample_while_running(child, proxy, time.monotonic() + (timeout_s or duration + 90),
                                                  " ".join(argv))
        except TimeoutError:
            hung, peak_rss = True, 0
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    proxy_alive = proxy.alive() if proxy else True
    cpu = procs.cpu_seconds(proxy.pid) - cpu_before if proxy and proxy_alive else 0.0
    backend_cpu = backend.cpu_seconds() - backend_before if backend else 0.0

    transactions = int(_number(r"number of transactions actually processed: (\d+)", stdout))
    tps = _number(r"tps = ([\d.]+) \(without initial connection time\)", stdout)
    error_lines = [l for l in stderr.splitlines() if "error" in l.lower() or "aborted" in l]
    errors = {"failed": int(_number(r"number of failed transactions: (\d+)", stdout)),
              "aborted clients": sum(1 for l in stderr.splitlines() if ABORTED.search(l)),
              # ErrorResponses pgbench reports and goes on after (e.g. a failed PQprepare in -M prepared)
              "server errors": sum(1 for l in stderr.splitlines() if "ERROR:" in l and not ABORTED.search(l)),
              "hung (killed)": int(hung),
              "exit status": 0}
    if child.returncode and not errors["aborted clients"] and not hung:
        errors["exit status"] = child.returncode
    # nothing done and nothing said: overloaded past -T (e.g. logins took the whole run) or stuck
    errors["no transaction"] = int(not transactions and not any(errors.values()))
    return Run(seconds=transactions / tps if tps else float(duration), requests=transactions, errors=errors,
               latency_ms=_number(r"latency average = ([\d.]+) ms", stdout, math.nan),
               cpu_seconds=cpu, backend_cpu_seconds=backend_cpu, peak_rss=peak_rss, proxy_alive=proxy_alive,
               first_error=error_lines[0] if error_lines else "",
               output=f"$ {' '.join(argv)}\n{stdout}{stderr}")
