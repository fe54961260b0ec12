# Suite "l4": plain TCP relaying. One nginx backend; haproxy (mode tcp) and
# switchyard (protocol = "tcp") in front of it; wrk measures bulk throughput
# and new-connection rate through each, with direct nginx as the baseline.
import resource

from harness import procs, servers, wrk
from harness.report import SuiteResult
from harness.scenario import Scenario, Target, run_rounds

DESCRIPTION = ("Layer-4 relaying: haproxy `mode tcp` vs switchyard `protocol = \"tcp\"`, both in front of "
               "the same nginx (1 worker, loopback). `direct nginx` is wrk against nginx itself, for reference.")

VERSIONS = {"haproxy": ["haproxy", "-v"], "nginx": ["nginx", "-v"], "wrk": ["wrk", "-v"]}

BIG_FILE, BIG_SIZE = "big.bin", 64 << 20
SMALL_FILE, SMALL_SIZE = "small.bin", 1 << 10

HAPROXY_CONFIG = """\
global
    nbthread {workers}
    maxconn {maxconn}

defaults
    mode tcp
    timeout connect 5s
    timeout client 5m
    timeout server 5m

listen l4
    bind 127.0.0.1:{port}
    maxconn {maxconn}
    server nginx 127.0.0.1:{backend_port} check inter 2s
"""

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "info"  # nothing per connection; shows start, stop and health changes

[[listener]]
name = "l4"
bind = "127.0.0.1:{port}"
protocol = "tcp"
backend = "web"
max_connections = 100000
idle_timeout = "5m"

[[backend]]
name = "web"
balance = "round_robin"

[backend.health_check]
type = "tcp"
interval = "2s"

[[backend.server]]
name = "nginx"
address = "127.0.0.1:{backend_port}"
"""


def haproxy_maxconn():
    """As high as the descriptor limit allows: two sockets per connection (haproxy refuses more)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return min(100000, (soft - 200) // 2)


def switchyard_counters(settings, admin_socket):
    listeners = servers.ctl_json(settings.switchyard, admin_socket, "show", "listeners") or []
    server_rows = servers.ctl_json(settings.switchyard, admin_socket, "show", "servers") or []
    listener = next((l for l in listeners if l["listener"] == "l4"), {})
    server = next((s for s in server_rows if s["server"] == "nginx"), {})
    return {"accepted": listener.get("accepted", 0), "rejected": listener.get("rejected", 0),
            "connect_failures": server.get("connect_failures", 0), "health": server.get("health", "?")}


def run(settings):
    with procs.ProcessGroup() as group:
        _, nginx_port = servers.start_nginx(group, {BIG_FILE: BIG_SIZE, SMALL_FILE: SMALL_SIZE})
        haproxy_port, switchyard_port = procs.free_port(), procs.free_port()
        haproxy = servers.start_haproxy(group, HAPROXY_CONFIG.format(
            workers=settings.workers, maxconn=haproxy_maxconn(), port=haproxy_port,
            backend_port=nginx_port), haproxy_port)
        admin_socket = group.dir / "admin.sock"
        switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
            workers=settings.workers, admin_socket=admin_socket, port=switchyard_port,
            backend_port=nginx_port), admin_socket, switchyard_port)

        targets = [Target("direct", "direct nginx", nginx_port),
                   Target("haproxy", "haproxy (mode tcp)", haproxy_port, haproxy),
                   Target("switchyard", "switchyard (tcp)", switchyard_port, switchyard)]

        throughput = Scenario(
            title="throughput", load=f"wrk -t1 -c4 -d{settings.duration}s /{BIG_FILE} (64 MiB, keep-alive)",
            value_label="GB/s", value_scale=1e9, cpu_label="CPU s / GB", cpu_scale=1e9,
            work=lambda r: r.bytes)
        run_rounds(throughput, targets, settings.rounds, settings.warmup,
                   lambda t, seconds=None: wrk.run(f"http://127.0.0.1:{t.port}/{BIG_FILE}",
                                                   seconds or settings.duration, 1, 4, proxy=t.process))

        before = switchyard_counters(settings, admin_socket)
        connection_rate = Scenario(
            title="connection rate",
            load=f"wrk -t1 -c32 -d{settings.duration}s -H 'Connection: close' /{SMALL_FILE} (1 KiB)",
            value_label="conn/s", value_scale=1, cpu_label="CPU s / 10k conn", cpu_scale=1e4,
            work=lambda r: r.requests)
        run_rounds(connection_rate, targets, settings.rounds, settings.warmup,
                   lambda t, seconds=None: wrk.run(f"http://127.0.0.1:{t.port}/{SMALL_FILE}",
                                                   seconds or settings.duration, 1, 32,
                                                   headers=["Connection: close"], proxy=t.process))
        after = switchyard_counters(settings, admin_socket)

        wrk_connections = sum(r.requests for r in connection_rate.runs["switchyard"])
        accepted = after["accepted"] - before["accepted"]
        notes = [
            f"switchyard's own counters over the connection-rate scenario (warm-up included): "
            f"{accepted:,} connections accepted, {after['rejected'] - before['rejected']} rejected, "
            f"{after['connect_failures'] - before['connect_failures']} connect failures to nginx; "
            f"wrk completed {wrk_connections:,} requests through it in the measured rounds. "
            f"Server health at the end: {after['health']}.",
            "Bytes count what wrk read (headers + bodies); 1 GB = 10^9 bytes. In the connection-rate "
            "scenario every request is a new client connection and a new connection to nginx.",
            "haproxy runs with its defaults (16 KiB buffers, no splice); switchyard with its defaults "
            f"(log_level info: nothing per connection), as a copy named `{servers.BENCH_COPY_NAME}`.",
        ]
        for target in targets[1:]:
            if not target.process.alive():
                notes.append(f"**{target.name} is not running at the end of the suite.**")
        logs = {"switchyard": switchyard.log_tail(30), "haproxy": haproxy.log_tail(30)}
        return SuiteResult(DESCRIPTION, targets, [throughput, connection_rate], notes, logs)
