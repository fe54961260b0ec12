# Suite "postgres": transaction pooling. One PostgreSQL server; pgbouncer and
# switchyard in front of it with the same pool (transaction mode, 20 server
# connections, md5 logins); pgbench through each (select-only and TPC-B-like,
# 100 and 500 clients, simple/extended/prepared protocol), direct PostgreSQL
# with as many clients as the pool has servers as the reference; then the
# memory each proxy spends per idle logged-in client.
import math
import os
import subprocess
import sys
import time

from harness import pgbench, postgres, procs, servers
from harness.idle_clients import IdleClients
from harness.report import SuiteResult
from harness.scenario import Scenario, Target, run_rounds

VERSIONS = {"postgresql": [f"{postgres.PG_BIN}/postgres", "--version"],
            "pgbench": [f"{postgres.PG_BIN}/pgbench", "--version"],
            "pgbouncer": ["/usr/sbin/pgbouncer", "--version"]}

DESCRIPTION = ("PostgreSQL transaction pooling: pgbouncer vs switchyard `protocol = \"postgres\"`, both in "
               "transaction mode with 20 server connections (pool_size = default_pool_size = 20), md5 client "
               "and server logins, in front of the same PostgreSQL 15 (fsync, synchronous_commit and "
               "full_page_writes off, shared_buffers 256MB, so that the proxies, not the disk, are measured). "
               "pgbench runs on the same machine. `direct PostgreSQL` is pgbench against the server itself with "
               "-c 20 (as many clients as the pools have server connections), for reference.")

USER, PASSWORD, DBNAME = "bench", "benchpw", "bench"
POOL_SIZE = 20
DIRECT_CLIENTS = POOL_SIZE
SCALE = 10
THREADS = 2
SCRIPTS = [("select-only", ["-S"]), ("TPC-B-like", ["-b", "tpcb-like"])]
CLIENT_COUNTS = [100, 500]
MODES = ["simple", "extended", "prepared"]
PGBOUNCER_NO_PREPARED = ("pgbouncer 1.18 has no protocol-level prepared statement support (it arrived in 1.21): "
                         "in transaction mode a client's named statements live on the server connection that "
                         "parsed them, and its next transaction may run on another one, where they are missing or "
                         "another client's statement of the same name already exists: pgbench aborts the client")

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "info"

[[listener]]
name = "pg"
bind = "127.0.0.1:{port}"
protocol = "postgres"
max_connections = 20000

[[backend]]
name = "pg"

[[backend.server]]
name = "pg1"
address = "127.0.0.1:{pg_port}"

[postgres]
max_client_conn = 20000

[[database]]
name = "{dbname}"
backend = "pg"
pool_mode = "transaction"
pool_size = {pool_size}
max_prepared_statements = 200
auth = ["md5"]

[[user]]
name = "{user}"
password = "{password}"
"""

# Same pool and limits as switchyard's. Not set: max_prepared_statements (no such
# setting before 1.21). Connection logging off like switchyard's (it logs no line per
# client at info); listen_backlog as switchyard's listen(2) backlog.
PGBOUNCER_CONFIG = """\
[databases]
{dbname} = host=127.0.0.1 port={pg_port} dbname={dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
pidfile =
auth_type = md5
auth_file = {dir}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 20000
listen_backlog = 1024
log_connections = 0
log_disconnections = 0
stats_users = {user}
"""


def prepare_database(server):
    server.sql("SET password_encryption = 'md5'; "
               f"CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
    server.sql(f"CREATE DATABASE {DBNAME} OWNER {USER}")
    postgres.run_as_postgres([f"{postgres.PG_BIN}/pgbench", "-i", "-q", "-s", str(SCALE), "-h",
                              str(server.socket_dir), "-p", str(server.port), "-U", USER, DBNAME], timeout=900)
    server.sql("CHECKPOINT")


def reset_tpcb_tables(server):
    """What pgbench does before a TPC-B run unless -n, done here over the socket so that it is the
    same for every target and not part of what the proxies are measured on."""
    for statement in ("VACUUM pgbench_branches", "VACUUM pgbench_tellers", "TRUNCATE pgbench_history"):
        server.sql(statement, dbname=DBNAME)


def switchyard_pool(settings, admin_socket):
    rows = servers.ctl_json(settings.switchyard, admin_socket, "show", "pools") or []
    return next((r for r in rows if r.get("database") == DBNAME and r.get("user") == USER), {})


def switchyard_clients(settings, admin_socket):
    pool = switchyard_pool(settings, admin_socket)
    return sum(pool.get(k, 0) for k in ("clients_active", "clients_waiting", "clients_idle"))


def pgbouncer_clients(port):
    """cl_active + cl_waiting of the bench pool, from pgbouncer's admin console (SHOW POOLS)."""
    out = subprocess.run([f"{postgres.PG_BIN}/psql", "-X", "--csv", "-h", "127.0.0.1", "-p", str(port), "-U", USER,
                          "-d", "pgbouncer", "-c", "SHOW POOLS"], capture_output=True, text=True, timeout=30,
                         env={**os.environ, "PGPASSWORD": PASSWORD})
    lines = out.stdout.strip().splitlines()
    if out.returncode != 0 or not lines:
        return None
    header = lines[0].split(",")
    for line in lines[1:]:
        row = dict(zip(header, line.split(",")))
        if row.get("database") == DBNAME and row.get("user") == USER:
            return int(row["cl_active"]) + int(row["cl_waiting"])
    return 0


def idle_memory(target, count, count_clients):
    """RSS growth of TARGET's proxy per idle logged-in client, with COUNT clients."""
    process = target.process
    with IdleClients(target.port, 1, USER, PASSWORD, DBNAME) as first:  # pool and first server connection
        if first.logged_in != 1:
            raise RuntimeError(f"idle client cannot log in through {target.name}: {first.errors}")
    time.sleep(1)
    rss_before, cpu_before, started = procs.rss_bytes(process.pid), procs.cpu_seconds(process.pid), time.monotonic()
    with IdleClients(target.port, count, USER, PASSWORD, DBNAME) as clients:
        login_seconds = time.monotonic() - started
        login_cpu = procs.cpu_seconds(process.pid) - cpu_before
        time.sleep(2)
        rss_idle = procs.rss_bytes(process.pid)
        proxy_count = count_clients()
    time.sleep(2)
    return {"target": target, "rss_before": rss_before, "rss_idle": rss_idle,
            "rss_after": procs.rss_bytes(process.pid), "logged_in": clients.logged_in, "errors": clients.errors,
            "proxy_count": proxy_count, "login_seconds": login_seconds, "login_cpu": login_cpu,
            "per_client": (rss_idle - rss_before) / clients.logged_in if clients.logged_in else math.nan}


def memory_section(results, count):
    lines = [f"## Memory: {count:,} idle clients", "",
             f"Each proxy in turn gets {count:,} clients that open a TCP connection, log in (StartupMessage, "
             "md5 password, up to ReadyForQuery) and then stay idle; RSS (VmRSS) is read before (after one "
             "client has logged in and left, so the pool and its first server connection exist), 2 s after the "
             "last login, and 2 s after all clients closed. Bytes per idle client = RSS growth / clients "
             "logged in. Target for switchyard: ≤ 4 KB (4,096 B) each.", "",
             "| proxy | RSS before MiB | RSS with clients MiB | **bytes per idle client** | RSS after they left MiB "
             "| logins/s | proxy CPU s / 10k logins | logged in (client / proxy's count) | login errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        errors = ", ".join(f"{k}: {v}" for k, v in r["errors"].items())
        lines.append(
            f"| {r['target'].label} | {r['rss_before'] / 2**20:.1f} | {r['rss_idle'] / 2**20:.1f} "
            f"| **{r['per_client']:,.0f}** | {r['rss_after'] / 2**20:.1f} "
            f"| {r['logged_in'] / r['login_seconds']:,.0f} "
            f"| {r['login_cpu'] / (r['logged_in'] / 1e4):.3g} | {r['logged_in']:,} / {_count(r['proxy_count'])} "
            f"| {('**' + errors + '**') if errors else '0'} |")
    by_name = {r["target"].name: r for r in results}
    if "switchyard" in by_name and "pgbouncer" in by_name:
        sy, pb = by_name["switchyard"]["per_client"], by_name["pgbouncer"]["per_client"]
        verdict = "met" if sy <= 4096 else "**not met**"
        lines += ["", f"switchyard / pgbouncer bytes per idle client: **{sy / pb:.2f}×**; "
                      f"the ≤ 4 KB target is {verdict}."]
    return lines + [""]


def _count(n):
    return f"{n:,}" if isinstance(n, int) else "?"


def weighted_latency(runs):
    total = sum(r.requests for r in runs if r.latency_ms == r.latency_ms)
    if not total:
        return math.nan
    return sum(r.latency_ms * r.requests for r in runs if r.latency_ms == r.latency_ms) / total


def run(settings):
    with procs.ProcessGroup() as group:
        print(f"  starting PostgreSQL, pgbench -i -s {SCALE}", file=sys.stderr, flush=True)
        pg = postgres.Server(group).start()
        prepare_database(pg)
        pgbench_bin = group.dir / "sy-bench-pgbench"
        pgbench_bin.symlink_to(f"{postgres.PG_BIN}/pgbench")

        pgbouncer_port = procs.free_port()
        pgbouncer_process = servers.start_pgbouncer(group, PGBOUNCER_CONFIG.format(
            dbname=DBNAME, pg_port=pg.port, port=pgbouncer_port, dir=group.dir, pool_size=POOL_SIZE, user=USER),
            f'"{USER}" "{PASSWORD}"\n', pgbouncer_port)

        switchyards = []  # (name, label, workers)
        switchyards.append(("switchyard", f"switchyard ({settings.workers} worker{'s' * (settings.workers > 1)})",
                            settings.workers))
        if settings.workers == 1:  # and the same with two threads, as an extra column
            switchyards.append(("switchyard-2w", "switchyard (2 workers)", 2))
        targets = [Target("direct", f"direct PostgreSQL (-c {DIRECT_CLIENTS})", pg.port),
                   Target("pgbouncer", "pgbouncer 1.18 (1 thread)", pgbouncer_port, pgbouncer_process)]
        admin_sockets = {}
        for name, label, workers in switchyards:
            port, admin_socket = procs.free_port(), group.dir / f"{name}-admin.sock"
            process = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
                workers=workers, admin_socket=admin_socket, port=port, pg_port=pg.port, dbname=DBNAME,
                pool_size=POOL_SIZE, user=USER, password=PASSWORD), admin_socket, port, name=name)
            targets.append(Target(name, label, port, process))
            admin_sockets[name] = admin_socket

        # memory first, on fresh processes, one proxy at a time
        memory = []
        for target in targets[1:]:
            print(f"  [memory] {settings.idle_clients:,} idle clients through {target.name}", file=sys.stderr,
                  flush=True)
            if target.name == "pgbouncer":
                count = lambda: pgbouncer_clients(pgbouncer_port)  # noqa: E731
            else:
                count = lambda t=target: switchyard_clients(settings, admin_sockets[t.name])  # noqa: E731
            memory.append(idle_memory(target, settings.idle_clients, count))

        pool_before = switchyard_pool(settings, admin_sockets["switchyard"]).get("transactions", 0)
        through_switchyard = []  # every pgbench run through it, warm-ups included
        scenarios = []
        for script, script_args in SCRIPTS:
            for clients in CLIENT_COUNTS:
                for mode in MODES:
                    scenario = Scenario(
                        title=f"{script} -c {clients} -M {mode}",
                        load=f"pgbench {' '.join(script_args)} -M {mode} -c {clients} -j {THREADS} "
                             f"-T {settings.duration} -n (direct: -c {DIRECT_CLIENTS})",
                        value_label="tps", value_scale=1, cpu_label="CPU s / 100k tx", cpu_scale=1e5,
                        work=lambda r: r.requests, latency_label="latency avg ms", latency=weighted_latency,
                        backend_cpu_label="PostgreSQL CPU s / 100k tx",
                        expected_errors={"pgbouncer": PGBOUNCER_NO_PREPARED} if mode == "prepared" else {},
                        extra_columns=[("PostgreSQL logins", lambda runs: f"{sum(r.extra['logins'] for r in runs):,}")])

                    def load(target, seconds=None, script=script, script_args=script_args, clients=clients,
                             mode=mode):
                        if script == "TPC-B-like":
                            reset_tpcb_tables(pg)
                        mark = pg.log_mark()
                        result = pgbench.run(pgbench_bin, target.port, seconds or settings.duration,
                                             DIRECT_CLIENTS if target.name == "direct" else clients, THREADS,
                                             mode, script_args, USER, PASSWORD, DBNAME, proxy=target.process,
                                             backend=pg)
                        result.extra["logins"] = pg.logins_since(mark)
                        if target.name == "switchyard":
                            through_switchyard.append(result)
                        return result
                    scenarios.append(run_rounds(scenario, targets, settings.rounds, settings.warmup, load))
        pool_after = switchyard_pool(settings, admin_sockets["switchyard"])

        notes = scenario_notes(scenarios)
        notes += [
            f"switchyard's own count of transactions in pool {DBNAME}/{USER} over the pgbench runs (warm-ups "
            f"included): {pool_after.get('transactions', 0) - pool_before:,}; pgbench counted "
            f"{sum(r.requests for r in through_switchyard):,} (pgbench leaves out the transactions still running "
            "when -T ends, and, in -M extended/prepared, may count differently from ReadyForQuery).",
            "TPS is pgbench's `tps (without initial connection time)`; CPU per 100k transactions is the "
            "proxy's utime+stime over the whole pgbench run divided by the transactions pgbench counted, so it "
            f"includes the {' or '.join(map(str, CLIENT_COUNTS))} md5 logins at the start of each run. "
            "PostgreSQL CPU is the postmaster and all backends (exited ones included, through the postmaster's cutime/cstime).",
            "PostgreSQL logins: every connection PostgreSQL authorized during that target's runs "
            "(log_connections): mostly pgbench's own (clients + 1) for direct and the proxy's new server "
            "connections otherwise (0 once its pool is full and stable); a proxy sitting idle meanwhile may "
            "add a few of its own (replacing a server connection it closed).",
            "`server errors` are ErrorResponses pgbench printed without aborting the client: in -M prepared a "
            "failed Parse (pgbench goes on to Bind). Through pgbouncer 1.18 a run can look clean apart from "
            "these when every server connection still holds a same-named statement with the same text from an "
            "earlier run — by luck, not by design.",
            "TPC-B-like runs use -n; before each one (every target, warm-ups too) the harness vacuums "
            "pgbench_branches and pgbench_tellers and truncates pgbench_history over the socket, as pgbench "
            "itself would.",
            "Ratios are drawn only where both runs had no errors. On 2 cores pgbench, PostgreSQL and the "
            "proxy compete for CPU: the proxy that needs less CPU per transaction leaves more to the others.",
            f"Processes run under private names: `{servers.BENCH_COPY_NAME}` (switchyard), "
            f"`{servers.PGBOUNCER_COPY_NAME}`, `{postgres.BENCH_COPY_NAME}` (the postmaster, via a symlink), "
            "`sy-bench-pgbench`.",
        ]
        for target in targets[1:]:
            if not target.process.alive():
                notes.append(f"**{target.name} is not running at the end of the suite.**")
        logs = {t.name: t.process.log_tail(30) for t in targets[1:]}
        logs["postgres"] = pg.process.log_tail(15)
        result = SuiteResult(DESCRIPTION, targets, scenarios, notes, logs, incumbent="pgbouncer",
                             direct_label=f"direct PostgreSQL (-c {DIRECT_CLIENTS})",
                             sections=memory_section(memory, settings.idle_clients))
        return result


def scenario_notes(scenarios):
    """Per scenario and target with errors: what pgbench said; loud for switchyard."""
    notes = []
    for s in scenarios:
        for name, runs in s.runs.items():
            bad = [r for r in runs if r.error_count]
            if not bad:
                continue
            if name in s.expected_errors:
                notes.append(f"{s.title}, {name}: {s.errors(name)} — expected: {s.expected_errors[name]}. "
                             f"First error: `{bad[0].first_error}`")
            else:
                tail = "\n".join(bad[0].output.splitlines()[-25:])
                notes.append(f"**{s.title}, {name}: ERRORS {s.errors(name)}.** First error: "
                             f"`{bad[0].first_error}`. pgbench output of the first failing round:\n\n"
                             f"```\n{tail}\n```")
    return notes
