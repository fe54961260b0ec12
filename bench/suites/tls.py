# Suite "tls": TLS termination in front of the same plain nginx. haproxy
# (`bind ... ssl crt`) and switchyard (`[listener.tls]`) serve the same
# certificate (ECDSA P-256, then RSA-2048) with the same thread count:
# HTTPS keep-alive req/s (wrk) for 1 KiB and 64 KiB, full handshakes/s (wrk
# with Connection: close, a new TLS connection per request) and resumed
# handshakes/s (openssl s_time -reuse, session tickets). Then pgbench -S over
# TLS through pgbouncer and switchyard (suites/tls_pgbench.py).
import re
import subprocess
import time
from dataclasses import dataclass

from harness import postgres, procs, servers, wrk
from harness.report import SuiteResult, has_errors
from harness.scenario import Scenario, Target, run_rounds, wanted
from suites import tls_pgbench
from suites.l4 import haproxy_maxconn

DESCRIPTION = ("TLS termination: haproxy `bind ... ssl crt` vs switchyard `[listener.tls]`, both `mode http` / "
               "`protocol = \"http\"` in front of the same plain nginx (1 worker, loopback), same certificate and "
               "key, TLS 1.3 negotiated by default, session tickets on in both. Full handshakes: wrk sends "
               "`Connection: close`, so every request is a new TCP connection and a full handshake. Resumed: "
               "`openssl s_time -reuse` (one client, sequential connections resuming the first session). PostgreSQL: "
               "pgbench -S with sslmode=require through pgbouncer (`client_tls_*`) and switchyard, its own section "
               "below the summary.")

VERSIONS = {"haproxy": ["haproxy", "-v"], "nginx": ["nginx", "-v"], "wrk": ["wrk", "-v"],
            "openssl": ["openssl", "version"], "pgbouncer": ["/usr/sbin/pgbouncer", "--version"],
            "postgresql": [f"{postgres.PG_BIN}/postgres", "--version"]}

FILES = {"1k.bin": 1 << 10, "64k.bin": 64 << 10}
KEY_TYPES = {"ECDSA P-256": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
             "RSA-2048": ["-newkey", "rsa:2048"]}

HAPROXY_CONFIG = """\
global
    nbthread {workers}
    maxconn {maxconn}
    tune.ssl.default-dh-param 2048

defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 5s
    timeout client 5m
    timeout server 5m
    timeout http-keep-alive 60s

listen web
    bind 127.0.0.1:{port} ssl crt {pem} alpn http/1.1
    maxconn {maxconn}
    server nginx 127.0.0.1:{backend_port}
"""

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "warn"

[[listener]]
name = "web"
bind = "127.0.0.1:{port}"
protocol = "http"
backend = "nginx"
max_connections = 100000

[listener.http]
access_log = false
request_id_header = ""   # haproxy adds none here

[listener.tls]
cert = "{cert}"
key = "{key}"

[[backend]]
name = "nginx"

[backend.health_check]
type = "none"

[[backend.server]]
name = "nginx"
address = "127.0.0.1:{backend_port}"
"""


def make_certificate(directory, name, key_args):
    """A self-signed certificate for localhost; returns (cert, key, combined pem for haproxy)."""
    cert, key, pem = directory / f"{name}.pem", directory / f"{name}.key", directory / f"{name}-haproxy.pem"
    subprocess.run(["openssl", "req", "-x509", *key_args, "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    pem.write_text(cert.read_text() + key.read_text())
    return cert, key, pem


@dataclass
class HandshakeRun:
    """What s_time measured, shaped like wrk.Run for the scenario tables."""
    seconds: float
    requests: int
    cpu_seconds: float
    proxy_alive: bool
    bytes: int = 0
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    peak_rss: int = 0

    @property
    def errors(self):
        return {}

    @property
    def error_count(self):
        return 0


def s_time(port, seconds, reuse, proxy):
    """Sequential TLS connections for SECONDS (each fetching /1k.bin); -reuse resumes the first session."""
    argv = ["openssl", "s_time", "-connect", f"127.0.0.1:{port}", "-time", str(int(seconds)), "-www", "/1k.bin",
            "-reuse" if reuse else "-new"]
    cpu_before = procs.cpu_seconds(proxy.pid)
    started = time.monotonic()
    result = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60)
    elapsed = time.monotonic() - started
    cpu = procs.cpu_seconds(proxy.pid) - cpu_before
    # "1234 connections in 5.00s; 246.80 connections/user sec, bytes read ..."
    counts = re.findall(r"(\d+) connections in ([\d.]+)s", result.stdout)
    if not counts:
        raise RuntimeError(f"s_time gave no count (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    connections = int(counts[-1][0])
    return HandshakeRun(seconds=elapsed, requests=connections, cpu_seconds=cpu, proxy_alive=proxy.alive())


def run(settings):
    with procs.ProcessGroup() as group:
        _, nginx_port = servers.start_nginx(group, FILES)
        scenarios, targets, logs = [], [], {}
        for key_name, key_args in KEY_TYPES.items():
            cert, key, pem = make_certificate(group.dir, key_name.split()[0].lower(), key_args)
            haproxy_port, switchyard_port = procs.free_port(), procs.free_port()
            haproxy = servers.start_haproxy(group, HAPROXY_CONFIG.format(
                workers=settings.workers, maxconn=haproxy_maxconn(), port=haproxy_port, pem=pem,
                backend_port=nginx_port), haproxy_port)
            admin_socket = group.dir / f"admin-{key_name.split()[0].lower()}.sock"
            switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
                workers=settings.workers, admin_socket=admin_socket, port=switchyard_port, cert=cert, key=key,
                backend_port=nginx_port), admin_socket, switchyard_port)
            targets = [Target("haproxy", "haproxy (ssl crt)", haproxy_port, haproxy),
                       Target("switchyard", "switchyard ([listener.tls])", switchyard_port, switchyard)]

            if key_name == "ECDSA P-256":  # bulk transfer does not depend on the key type
                for name in FILES:
                    title = f"HTTPS {name[:-4].upper()}iB c100 keep-alive"
                    if not wanted(settings, title):
                        continue
                    scenario = Scenario(
                        title=title,
                        load=f"wrk -t1 -c100 -d{settings.duration}s https:///{name}",
                        value_label="req/s", value_scale=1, cpu_label="CPU s / 100k req", cpu_scale=1e5,
                        work=lambda r: r.requests)
                    run_rounds(scenario, targets, settings.rounds, settings.warmup,
                               lambda t, seconds=None, name=name: wrk.run(
                                   f"https://127.0.0.1:{t.port}/{name}", seconds or settings.duration, 1, 100,
                                   proxy=t.process))
                    scenarios.append(scenario)

            title = f"full handshakes, {key_name}, c50"
            if wanted(settings, title):
                scenario = Scenario(
                    title=title,
                    load=f"wrk -t1 -c50 -d{settings.duration}s -H 'Connection: close' https:///1k.bin",
                    value_label="handshakes/s", value_scale=1, cpu_label="CPU s / 10k handshakes", cpu_scale=1e4,
                    work=lambda r: r.requests)
                run_rounds(scenario, targets, settings.rounds, settings.warmup,
                           lambda t, seconds=None: wrk.run(f"https://127.0.0.1:{t.port}/1k.bin",
                                                           seconds or settings.duration, 1, 50,
                                                           headers=["Connection: close"], proxy=t.process))
                scenarios.append(scenario)

            for reuse in (False, True):
                title = f"{'resumed' if reuse else 'new'} sessions, {key_name}, 1 client (s_time)"
                if not wanted(settings, title):
                    continue
                scenario = Scenario(
                    title=title,
                    load=f"openssl s_time {'-reuse' if reuse else '-new'} -time {settings.duration}",
                    value_label="connections/s", value_scale=1, cpu_label="CPU s / 10k connections", cpu_scale=1e4,
                    work=lambda r: r.requests)
                run_rounds(scenario, targets, settings.rounds, 0,
                           lambda t, seconds=None, reuse=reuse: s_time(t.port, seconds or settings.duration, reuse,
                                                                        t.process))
                scenarios.append(scenario)
            logs[f"switchyard {key_name}"] = switchyard.log_tail(20)
            logs[f"haproxy {key_name}"] = haproxy.log_tail(20)
            group.stop(haproxy)
            group.stop(switchyard)

        pg_section, problems = [], []
        if wanted(settings, tls_pgbench.TITLE):
            cert, key, _ = make_certificate(group.dir, "pg-ecdsa", KEY_TYPES["ECDSA P-256"])
            pg_section, pg_scenario = tls_pgbench.run(settings, group, cert, key)
            if has_errors([pg_scenario]):
                problems.append("pgbench over TLS had errors (see its section)")

        notes = [
            "Both proxies terminate TLS and speak plain HTTP/1.1 to nginx with keep-alive; wrk and s_time verify "
            "nothing (the certificate is self-signed).",
            "s_time is one sequential client: its rate is bounded by round trips as much as by the proxy; the CPU "
            "per connection column is what compares the handshake cost.",
            "pgbench over TLS: pgbench and the proxies share the 2 cores; pgbouncer is single-threaded, so "
            "switchyard runs 1 worker there whatever --workers says.",
        ]
        return SuiteResult(DESCRIPTION, targets, scenarios, notes, logs, direct_label="no direct baseline",
                           sections=pg_section, problems=problems)
