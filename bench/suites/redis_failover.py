# Suite "redis_failover": how long writes stop, and how many errors the
# writers see, when the master of a Redis pair under three Sentinels is
# killed hard (SIGKILL) or switched with SENTINEL FAILOVER — through switchyard
# (protocol = "redis", [backend.sentinel]) and, beside it at the same time,
# with redis-py's own Sentinel client (Sentinel(...).master_for(...)). The
# clock starts at the first +switch-master a Sentinel publishes.
import os
import signal
import statistics
import sys
import threading
import time

import redis
from redis.sentinel import Sentinel as SentinelClient

from harness import procs, servers
from harness.report import SuiteResult

VERSIONS = {"redis-server": ["/usr/bin/redis-server", "--version"],
            "redis-sentinel": ["/usr/bin/redis-sentinel", "--version"],
            "client driver": ["/usr/bin/python3", "-c", "import redis; print('redis-py', redis.__version__)"]}

MASTER_NAME = "mymaster"
DOWN_AFTER_MS = 1000      # Sentinel: a master silent this long is subjectively down
FAILOVER_TIMEOUT_MS = 3000  # Sentinel: also 2x this between two automatic failovers of one master
BEFORE_S = 2.0            # load before the switch
AFTER_S = 1.0             # load after both writers have written again
RECOVERY_TIMEOUT_S = 20.0
RETRY_DELAY_S = 0.05      # an application's pause after an error
CLIENT_TIMEOUT_S = 1.0
DEFAULT_RUNS = 3

DESCRIPTION = ("Redis failover: one master, one replica, three Sentinels (down-after-milliseconds "
               f"{DOWN_AFTER_MS}, quorum 2). Two writers run at the same time, each a loop of SET with a "
               f"{RETRY_DELAY_S * 1000:.0f} ms pause after an error: one through switchyard (`protocol = \"redis\"`, "
               "`[backend.sentinel]`, `type = \"redis\"` checks every 200 ms), one with redis-py's own Sentinel "
               f"support (`Sentinel(sentinels).master_for(\"{MASTER_NAME}\")`, socket timeout {CLIENT_TIMEOUT_S:g} s). "
               "The master is killed (SIGKILL) or switched with `SENTINEL FAILOVER`; measured: time from the first "
               "+switch-master any Sentinel publishes to the writer's first successful SET after it, and the "
               "errors the writer saw over the whole run.")

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

[[backend]]
name = "cache"
connect_timeout = "500ms"

[backend.redis]
failover_timeout = "10s"

[backend.sentinel]
master_name = "{master_name}"
sentinels = [{sentinels}]

[backend.health_check]
type = "redis"
interval = "200ms"
timeout = "150ms"
rise = 1
fall = 2
"""


class RedisNode:
    """One redis-server in the group's dir; restartable on its port (a new process each time)."""

    def __init__(self, group, name):
        self.group, self.name, self.port = group, name, procs.free_port()
        self.process, self.starts = None, 0

    def start(self, replica_of=None):
        self.starts += 1
        argv = ["/usr/bin/redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.group.dir), "--dbfilename", f"{self.name}.rdb"]
        if replica_of is not None:
            argv += ["--replicaof", "127.0.0.1", str(replica_of.port)]
        self.process = self.group.start(f"{self.name}-{self.starts}", argv)
        self.group.wait_port(self.process, self.port)
        return self

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def kill(self):
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.popen.wait(5)


def start_sentinel(group, index, master):
    port = procs.free_port()
    config = group.dir / f"sentinel{index}.conf"  # Sentinel rewrites its file: one each
    config.write_text("\n".join([
        f"port {port}", "bind 127.0.0.1", f"dir {group.dir}", "protected-mode no",
        f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master.port} 2",
        f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}",
        f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}",
        f"sentinel parallel-syncs {MASTER_NAME} 1"]) + "\n")
    process = group.start(f"sentinel{index}", ["/usr/bin/redis-sentinel", str(config)])
    group.wait_port(process, port)
    return port


class Writer(threading.Thread):
    """SET in a loop with one client; keeps the times of successes and the errors."""

    def __init__(self, name, client):
        super().__init__(daemon=True)
        self.name_, self.client = name, client
        self.successes, self.errors = [], []
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.client.set(f"{self.name_}:{n}", n)
                self.successes.append(time.monotonic())
            except (redis.RedisError, OSError) as error:
                self.errors.append(f"{type(error).__name__}: {error}")
                time.sleep(RETRY_DELAY_S)

    def first_success_after(self, at):
        return next((t for t in self.successes if t > at), None)


class SwitchMasterClock:
    """The monotonic time of the first +switch-master any Sentinel publishes."""

    def __init__(self, sentinel_ports):
        self.at = None
        self.pubsubs = []
        for port in sentinel_ports:
            pubsub = redis.Redis(host="127.0.0.1", port=port).pubsub()
            pubsub.subscribe("+switch-master")
            pubsub.get_message(timeout=1)  # the subscribe confirmation
            self.pubsubs.append(pubsub)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set() and self.at is None:
            for pubsub in self.pubsubs:
                message = pubsub.get_message(timeout=0.005)
                if message and message["type"] == "message" and self.at is None:
                    self.at = time.monotonic()

    def close(self):
        self.stop.set()
        self.thread.join(2)
        for pubsub in self.pubsubs:
            pubsub.close()


def sentinel_master_port(sentinel_port):
    reply = redis.Redis(host="127.0.0.1", port=sentinel_port, socket_timeout=2).execute_command(
        "SENTINEL", "get-master-addr-by-name", MASTER_NAME)
    return int(reply[1])


def wait_settled(nodes, sentinel_ports, switchyard_primary):
    """Both nodes up, one master and one synced replica, every Sentinel agreeing and seeing a good
    replica, and switchyard routing to that master: the state a run starts from."""
    def settled():
        ports = {sentinel_master_port(port) for port in sentinel_ports}
        if len(ports) != 1:
            return False
        master = next(node for node in nodes if node.port in ports)
        replica = next(node for node in nodes if node is not master)
        if replica.client().info("replication").get("master_link_status") != "up":
            return False
        for port in sentinel_ports:
            rows = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2).sentinel_slaves(MASTER_NAME)
            if not any(row["port"] == replica.port and row["flags"] == {"slave"} for row in rows):
                return False
        return switchyard_primary() == f"127.0.0.1:{master.port}" and (master, replica)
    procs.wait_until("the pair to settle under the Sentinels", lambda: _quiet(settled), timeout=60, interval=0.2)
    return _quiet(settled)


def _quiet(check):
    try:
        return check()
    except (redis.RedisError, OSError, StopIteration):
        return False


def one_run(kind, nodes, sentinel_ports, switchyard_port, switchyard_primary):
    master, replica = wait_settled(nodes, sentinel_ports, switchyard_primary)
    through_switchyard = redis.Redis(host="127.0.0.1", port=switchyard_port, socket_timeout=CLIENT_TIMEOUT_S)
    sentinel_client = SentinelClient([("127.0.0.1", port) for port in sentinel_ports],
                                     socket_timeout=CLIENT_TIMEOUT_S).master_for(
        MASTER_NAME, socket_timeout=CLIENT_TIMEOUT_S)
    writers = {"switchyard": Writer("sy", through_switchyard), "redis-py Sentinel": Writer("py", sentinel_client)}
    for writer in writers.values():
        writer.start()
    clock = SwitchMasterClock(sentinel_ports)
    try:
        time.sleep(BEFORE_S)
        if kind == "kill":
            master.kill()
        else:
            redis.Redis(host="127.0.0.1", port=sentinel_ports[0], socket_timeout=2).execute_command(
                "SENTINEL", "FAILOVER", MASTER_NAME)
        procs.wait_until("+switch-master", lambda: clock.at is not None, timeout=30)
        deadline = time.monotonic() + RECOVERY_TIMEOUT_S
        while time.monotonic() < deadline and not all(w.first_success_after(clock.at) for w in writers.values()):
            time.sleep(0.05)
        time.sleep(AFTER_S)
    finally:
        for writer in writers.values():
            writer.stop.set()
        for writer in writers.values():
            writer.join(5)
        clock.close()
    if kind == "kill":  # back as a replica of the new master, for the next run
        master.start(replica_of=replica)
    result = {}
    for name, writer in writers.items():
        first = writer.first_success_after(clock.at)
        result[name] = {"latency": None if first is None else first - clock.at, "errors": len(writer.errors),
                        "writes": len(writer.successes), "samples": writer.errors[:3]}
    return result


def spread_ms(values):
    known = [v for v in values if v is not None]
    if not known:
        return "never"
    text = f"**{statistics.median(known) * 1000:,.0f}** ({min(known) * 1000:,.0f}–{max(known) * 1000:,.0f})"
    return text + (f", {len(values) - len(known)} never" if len(known) < len(values) else "")


def run(settings):
    runs = settings.rounds if getattr(settings, "rounds_given", False) else (1 if settings.quick else DEFAULT_RUNS)
    print(f"  redis_failover: {runs} run(s) per kind of switch", file=sys.stderr, flush=True)
    with procs.ProcessGroup() as group:
        a = RedisNode(group, "redis-a").start()
        b = RedisNode(group, "redis-b").start(replica_of=a)
        sentinel_ports = [start_sentinel(group, i, a) for i in range(3)]
        switchyard_port, admin_socket = procs.free_port(), group.dir / "switchyard-admin.sock"
        switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
            workers=settings.workers, admin_socket=admin_socket, port=switchyard_port, master_name=MASTER_NAME,
            sentinels=", ".join(f'"127.0.0.1:{p}"' for p in sentinel_ports)), admin_socket, switchyard_port)

        def switchyard_primary():
            rows = servers.ctl_json(settings.switchyard, admin_socket, "show", "servers", "cache") or []
            primaries = [r["server"] for r in rows if r.get("role") == "primary" and r.get("health") == "up"]
            return primaries[0] if len(primaries) == 1 else None

        results = {"kill": [], "failover": []}
        last_switch = 0.0
        for number in range(runs):
            for kind in ("kill", "failover"):
                # Sentinel starts no automatic failover of a master within 2x failover-timeout of the last.
                time.sleep(max(0.0, last_switch + 2 * FAILOVER_TIMEOUT_MS / 1000 + 0.5 - time.monotonic()))
                print(f"  run {number + 1}: {kind}", file=sys.stderr, flush=True)
                results[kind].append(one_run(kind, [a, b], sentinel_ports, switchyard_port, switchyard_primary))
                last_switch = time.monotonic()
                for name, r in results[kind][-1].items():
                    latency = "never" if r["latency"] is None else f"{r['latency'] * 1000:.0f} ms"
                    print(f"    {name}: first write {latency} after +switch-master, {r['errors']} errors",
                          file=sys.stderr, flush=True)

        titles = {"kill": "master killed (SIGKILL)", "failover": "SENTINEL FAILOVER (planned)"}
        summary = [f"{runs} run(s) of each kind of switch, alternating; median (min–max).", "",
                   "## Summary", "",
                   "| switch | client | +switch-master → first write, ms | client errors per run: median (min–max) |",
                   "|---|---|---:|---:|"]
        problems = []
        for kind, kind_runs in results.items():
            for name in ("switchyard", "redis-py Sentinel"):
                latencies = [r[name]["latency"] for r in kind_runs]
                errors = [r[name]["errors"] for r in kind_runs]
                summary.append(f"| {titles[kind]} | {name} | {spread_ms(latencies)} | "
                               f"{statistics.median(errors):g} ({min(errors)}–{max(errors)}) |")
            sy = [r["switchyard"] for r in kind_runs]
            if any(r["latency"] is None for r in sy):
                problems.append(f"switchyard never wrote again after a {kind}")
            if kind == "failover" and any(r["errors"] for r in sy):
                problems.append("switchyard's writer saw errors in a planned failover")
        summary += ["", "## Runs", "", "| run | switch | client | first write, ms | errors | writes | first errors |",
                    "|---:|---|---|---:|---:|---:|---|"]
        for kind, kind_runs in results.items():
            for number, r in enumerate(kind_runs, 1):
                for name, m in r.items():
                    latency = "never" if m["latency"] is None else f"{m['latency'] * 1000:,.0f}"
                    samples = "; ".join(s[:80].replace("|", "/") for s in m["samples"])
                    summary.append(f"| {number} | {kind} | {name} | {latency} | {m['errors']} | {m['writes']} | "
                                   f"{samples} |")
        summary.append("")
        notes = [
            "Both writers run at the same time against the same pair, so they see the same failover.",
            "A SET that fails (connection error, timeout, -READONLY, ...) counts as one client error; the writer "
            f"then waits {RETRY_DELAY_S * 1000:.0f} ms and goes on. redis-py's Sentinel client asks the Sentinels "
            "for the master on each new connection.",
            "After a kill the old master is restarted as a replica of the new one; each run starts once every "
            "Sentinel agrees on the master, the replica is synced and switchyard routes to the master.",
            f"switchyard runs with {settings.workers} worker(s) as `{servers.BENCH_COPY_NAME}`.",
        ]
        logs = {"switchyard": [line for line in switchyard.log_tail(200)
                               if "sentinel" in line.lower() or "master" in line.lower()][-25:]}
        return SuiteResult(DESCRIPTION, [], [], notes, logs, summary=summary, problems=problems)
