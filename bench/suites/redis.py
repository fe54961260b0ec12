# Suite "redis": the Redis front. One redis-server; nutcracker (twemproxy) and
# switchyard (protocol = "redis") in front of it, each with one connection to
# it; redis-benchmark GET and SET, unpipelined and -P 16, with 50 and 500
# clients, with direct redis-server as the baseline.
import shutil

from harness import procs, redis_bench, servers
from harness.report import SuiteResult
from harness.scenario import Scenario, Target, run_rounds, wanted

DESCRIPTION = ("Redis multiplexing: nutcracker (twemproxy, `redis: true`, `server_connections: 1`) vs switchyard "
               "`protocol = \"redis\"` (`[backend.redis] connections = 1`), both in front of the same redis-server "
               "(loopback, no persistence). Both proxies funnel every client onto one connection to Redis. "
               "`direct redis` is redis-benchmark against redis-server itself, for reference. Load: "
               "redis-benchmark 64-byte values, 100k random keys, one benchmark thread.")

VERSIONS = {"redis-server": ["/usr/bin/redis-server", "--version"],
            "redis-benchmark": ["redis-benchmark", "--version"],
            "nutcracker": ["/usr/sbin/nutcracker", "--version"]}

NUTCRACKER_CONFIG = """\
bench:
  listen: 127.0.0.1:{port}
  hash: fnv1a_64
  distribution: ketama
  redis: true
  server_connections: 1
  auto_eject_hosts: false
  timeout: 5000
  servers:
   - 127.0.0.1:{backend_port}:1
"""

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "info"

[[listener]]
name = "cache"
bind = "127.0.0.1:{port}"
protocol = "redis"
backend = "cache"
max_connections = 100000

[[backend]]
name = "cache"

[backend.health_check]
type = "redis"

[backend.redis]
connections = 1

[[backend.server]]
name = "redis"
address = "127.0.0.1:{backend_port}"
"""

NUTCRACKER_COPY_NAME = "sy-bench-nutcracker"  # like pgbouncer: a pkill of the real name cannot stop it
FIRST_GUESS_OPS = 40000  # ops/s assumed for the warm-up run, which then sizes -n for the measured rounds


def start_redis(group):
    port = procs.free_port()
    process = group.start("redis", ["/usr/bin/redis-server", "--port", str(port), "--bind", "127.0.0.1",
                                    "--save", "", "--appendonly", "no", "--dir", str(group.dir),
                                    "--maxclients", "10000"])
    group.wait_port(process, port)
    return process, port


def start_nutcracker(group, backend_port):
    port, stats_port = procs.free_port(), procs.free_port()
    config = group.dir / "nutcracker.yml"
    config.write_text(NUTCRACKER_CONFIG.format(port=port, backend_port=backend_port))
    copy = group.dir / NUTCRACKER_COPY_NAME
    shutil.copy2("/usr/sbin/nutcracker", copy)
    process = group.start("nutcracker", [str(copy), "-c", str(config), "-s", str(stats_port), "-a", "127.0.0.1",
                                         "-p", str(group.dir / "nutcracker.pid"), "-v", "5"])
    group.wait_port(process, port)
    return process, port


def run(settings):
    with procs.ProcessGroup() as group:
        redis, redis_port = start_redis(group)
        nutcracker, nutcracker_port = start_nutcracker(group, redis_port)
        switchyard_port = procs.free_port()
        admin_socket = group.dir / "admin.sock"
        switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
            workers=settings.workers, admin_socket=admin_socket, port=switchyard_port,
            backend_port=redis_port), admin_socket, switchyard_port)
        targets = [Target("direct", "direct redis", redis_port),
                   Target("nutcracker", "nutcracker 0.5 (1 server connection)", nutcracker_port, nutcracker),
                   Target("switchyard", "switchyard (redis, connections = 1)", switchyard_port, switchyard)]

        scenarios, outputs = [], {}
        for test in ("get", "set"):
            for pipeline in (1, 16):
                for clients in (50, 500):
                    title = f"{test.upper()} -P {pipeline} -c {clients}"
                    if not wanted(settings, title):
                        continue
                    scenario = Scenario(
                        title=title,
                        load=f"redis-benchmark -t {test} -P {pipeline} -c {clients} -d 64 -r 100000 --threads 1 "
                             f"-n (sized to ~{settings.duration} s)",
                        value_label="ops/s", value_scale=1, cpu_label="CPU s / M ops", cpu_scale=1e6,
                        work=lambda r: r.requests, latency_label="worst p99 ms")
                    rates = {}  # target name -> ops/s of its last run, sizes its next -n

                    def load(target, seconds=None, test=test, pipeline=pipeline, clients=clients, rates=rates):
                        seconds = seconds or settings.duration
                        requests = max(10 * clients * pipeline,
                                       int(rates.get(target.name, FIRST_GUESS_OPS) * seconds))
                        result = redis_bench.run(target.port, test, requests, clients, pipeline, target.process)
                        if result.requests:
                            rates[target.name] = result.requests / result.seconds
                        if result.error_count:
                            outputs[f"{scenario.title} {target.name}"] = result.output
                        return result
                    run_rounds(scenario, targets, settings.rounds, settings.warmup, load)
                    scenarios.append(scenario)

        notes = [
            "ops/s is requests / wall-clock seconds of the redis-benchmark process (its start-up and the "
            "connection of all clients included); -n is sized from the target's previous run (the warm-up "
            "first) so that a round lasts about the run duration.",
            "CPU is the proxy's utime+stime over the run; the direct baseline has no proxy CPU.",
            "nutcracker is single-threaded; switchyard runs with the given worker count "
            f"(log_level info), as a copy named `{servers.BENCH_COPY_NAME}`; nutcracker as `{NUTCRACKER_COPY_NAME}`.",
        ]
        for key, text in outputs.items():
            notes.append(f"redis-benchmark output with errors, {key}: `{text[-400:]}`")
        for target in targets[1:]:
            if not target.process.alive():
                notes.append(f"**{target.name} is not running at the end of the suite.**")
        logs = {"switchyard": switchyard.log_tail(30), "nutcracker": nutcracker.log_tail(20),
                "redis-server": redis.log_tail(10)}
        return SuiteResult(DESCRIPTION, targets, scenarios, notes, logs, incumbent="nutcracker",
                           direct_label="direct redis")
