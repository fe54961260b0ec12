# Suite "http": HTTP/1.1 reverse proxying with keep-alive on both sides. One
# nginx backend; haproxy (mode http) and switchyard (protocol = "http") in
# front of it with the same thread count; wrk with keep-alive at 100 and 1000
# connections for 1 KiB and 64 KiB responses, direct nginx as the reference.
import statistics

from harness import procs, servers, wrk
from harness.report import SuiteResult
from harness.scenario import Scenario, Target, run_rounds
from suites.l4 import haproxy_maxconn

DESCRIPTION = ("HTTP/1.1 reverse proxying: haproxy `mode http` vs switchyard `protocol = \"http\"`, both in front "
               "of the same nginx (1 worker, loopback, static files), keep-alive on both sides. Both add "
               "X-Forwarded-For and an X-Request-Id (haproxy: `option forwardfor`, `unique-id-header`), neither "
               "logs requests. `direct nginx` is wrk against nginx itself, for reference.")

VERSIONS = {"haproxy": ["haproxy", "-v"], "nginx": ["nginx", "-v"], "wrk": ["wrk", "-v"]}

FILES = {"1k.bin": 1 << 10, "64k.bin": 64 << 10}
CONNECTIONS = [100, 1000]

HAPROXY_CONFIG = """\
global
    nbthread {workers}
    maxconn {maxconn}

defaults
    mode http
    option http-keep-alive
    option forwardfor
    timeout connect 5s
    timeout client 5m
    timeout server 5m
    timeout http-keep-alive 60s

listen web
    bind 127.0.0.1:{port}
    maxconn {maxconn}
    unique-id-format %{{+X}}o\\ %ci:%cp_%fi:%fp_%Ts_%rt:%pid
    unique-id-header X-Request-Id
    server nginx 127.0.0.1:{backend_port} check inter 2s
"""

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "info"

[[listener]]
name = "web"
bind = "127.0.0.1:{port}"
protocol = "http"
backend = "nginx"
max_connections = 100000

[listener.http]
access_log = false   # haproxy logs nothing either

[[backend]]
name = "nginx"

[backend.health_check]
type = "tcp"
interval = "2s"

[[backend.server]]
name = "nginx"
address = "127.0.0.1:{backend_port}"
"""


def median_p50(runs):
    return f"{statistics.median(r.p50_ms for r in runs):.2f}" if runs else "–"


def latency_section(scenarios):
    lines = ["## Latency", "", "Median of the rounds' p50, worst of the rounds' p99 (wrk's own percentiles).", "",
             "| scenario | haproxy p50 ms | switchyard p50 ms | haproxy p99 ms | switchyard p99 ms "
             "| **p99 switchyard / haproxy** |", "|---|---:|---:|---:|---:|---:|"]
    for s in scenarios:
        h, y = s.runs.get("haproxy", []), s.runs.get("switchyard", [])
        hp99, yp99 = s.latency_ms("haproxy"), s.latency_ms("switchyard")
        ratio = f"{yp99 / hp99:.2f}×" if hp99 else "–"
        lines.append(f"| {s.title} | {median_p50(h)} | {median_p50(y)} | {hp99:.2f} | {yp99:.2f} | **{ratio}** |")
    return lines + [""]


def server_connections(settings, admin_socket):
    rows = servers.ctl_json(settings.switchyard, admin_socket, "show", "servers") or []
    row = next((r for r in rows if r["server"] == "nginx"), {})
    return row.get("total", 0), row.get("connect_failures", 0)


def run(settings):
    with procs.ProcessGroup() as group:
        _, nginx_port = servers.start_nginx(group, FILES)
        haproxy_port, switchyard_port = procs.free_port(), procs.free_port()
        haproxy = servers.start_haproxy(group, HAPROXY_CONFIG.format(
            workers=settings.workers, maxconn=haproxy_maxconn(), port=haproxy_port, backend_port=nginx_port),
            haproxy_port)
        admin_socket = group.dir / "admin.sock"
        switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
            workers=settings.workers, admin_socket=admin_socket, port=switchyard_port, backend_port=nginx_port),
            admin_socket, switchyard_port)

        targets = [Target("direct", "direct nginx", nginx_port),
                   Target("haproxy", "haproxy (mode http)", haproxy_port, haproxy),
                   Target("switchyard", "switchyard (http)", switchyard_port, switchyard)]

        scenarios = []
        for name in FILES:
            for connections in CONNECTIONS:
                scenario = Scenario(
                    title=f"{name[:-4].upper()}iB c{connections}",
                    load=f"wrk -t1 -c{connections} -d{settings.duration}s /{name} (keep-alive)",
                    value_label="req/s", value_scale=1, cpu_label="CPU s / 100k req", cpu_scale=1e5,
                    work=lambda r: r.requests,
                    extra_columns=[("median p50 ms", median_p50)])
                run_rounds(scenario, targets, settings.rounds, settings.warmup,
                           lambda t, seconds=None, name=name, connections=connections: wrk.run(
                               f"http://127.0.0.1:{t.port}/{name}", seconds or settings.duration, 1, connections,
                               proxy=t.process))
                scenarios.append(scenario)

        opened, failures = server_connections(settings, admin_socket)
        requests = sum(r.requests for s in scenarios for r in s.runs.get("switchyard", []))
        notes = [
            f"switchyard sent {requests:,} measured requests (warm-ups besides) to nginx; its request counter for "
            f"nginx says {opened:,} requests in all, {failures} connect failures.",
            "Requests are counted by wrk (2xx/3xx responses); any other status or socket error is an error.",
            "haproxy runs with its defaults otherwise (16 KiB buffers, `http-reuse safe`); switchyard with its "
            f"defaults (X-Forwarded-* and X-Request-Id added, keep-alive pool of up to 1000 idle connections per "
            f"server and worker), as a copy named `{servers.BENCH_COPY_NAME}`.",
        ]
        for target in targets[1:]:
            if not target.process.alive():
                notes.append(f"**{target.name} is not running at the end of the suite.**")
        logs = {"switchyard": switchyard.log_tail(30), "haproxy": haproxy.log_tail(30)}
        return SuiteResult(DESCRIPTION, targets, scenarios, notes, logs, sections=latency_section(scenarios))
