# Suite "failover": how long writes stop, and who sees an error, when the
# primary of a PostgreSQL 15 streaming pair dies and the replica is promoted —
# through switchyard (following the primary by its role checks), through a
# libpq multi-host connection string (client-side failover), and through
# HAProxy (HTTP role checks) + PgBouncer. One cluster, every setup in turn, the
# roles swapping with each failover (the dead primary is rebuilt as a replica).
import statistics
import subprocess
import sys
import time
from pathlib import Path

from harness import failover_load, pgcluster, postgres, procs, servers
from harness.report import SuiteResult

import psycopg2

VERSIONS = {"postgresql": [f"{postgres.PG_BIN}/postgres", "--version"],
            "haproxy": ["haproxy", "-v"],
            "pgbouncer": ["/usr/sbin/pgbouncer", "--version"],
            "client driver": ["/usr/bin/python3", "-c", "import psycopg2; print('psycopg2', psycopg2.__version__, "
                              "'on libpq', psycopg2.extensions.libpq_version())"]}

USER, PASSWORD, DBNAME = "bench", "benchpw", "bench"
BUSY, IDLE = 8, 3            # writer clients; clients that write once a second
THINK_S = 0.01               # a busy writer's pause between two transactions
IDLE_PERIOD_S = 1.0
RETRY_DELAY_S = 0.05         # an application's pause after an error before it retries / reconnects
BEFORE_S = 3.0               # load before the primary is stopped
DELTA_S = 1.0                # stop -> promote: what a failover manager needs to decide
AFTER_S = 3.0                # load after every client has written again
RECOVERY_TIMEOUT_S = 45.0    # after the promotion: longer than switchyard's failover_timeout
DEFAULT_RUNS = 5
POOL_SIZE = 10
AGENT = Path(__file__).resolve().parent.parent / "harness" / "pg_role_agent.py"
HAPROXY_CHECK = "inter 500ms fall 3 rise 2"  # HAProxy's default fall/rise at switchyard's default interval

SETUPS = {
    "switchyard": "switchyard (transaction pooling, `type = \"postgres\"` role checks every 500 ms, the default)",
    "libpq": "libpq multi-host (`target_session_attrs=read-write`, client-side)",
    "haproxy+pgbouncer": f"HAProxy 2.6 (`mode tcp`, HTTP role check `{HAPROXY_CHECK}`) + PgBouncer 1.18 "
                         "(transaction pooling)",
}

SWITCHYARD_CONFIG = """\
[global]
workers = {workers}
admin_socket = "{admin_socket}"
log_level = "info"

[[listener]]
name = "pg"
bind = "127.0.0.1:{port}"
protocol = "postgres"

[[backend]]
name = "main"

[backend.health_check]
type = "postgres"
user = "postgres"
password = "{superuser_password}"

[[backend.server]]
name = "a"
address = "127.0.0.1:{port_a}"

[[backend.server]]
name = "b"
address = "127.0.0.1:{port_b}"

[[database]]
name = "{dbname}"
backend = "main"
pool_mode = "transaction"
pool_size = {pool_size}
failover_timeout = "30s"
auth = ["md5"]

[[user]]
name = "{user}"
password = "{password}"
"""

# The shape of the HAProxy section of Patroni's example haproxy.cfg (HTTP check of a role
# endpoint on another port, sessions shut when a server goes down), with the check interval
# of switchyard's default and HAProxy's default rise/fall.
HAPROXY_CONFIG = """\
global
    maxconn 4096

defaults
    mode tcp
    timeout connect 1s
    timeout client 30m
    timeout server 30m
    timeout check 1s

listen primary
    bind 127.0.0.1:{port}
    option httpchk GET /primary
    http-check expect status 200
    default-server {check} on-marked-down shutdown-sessions
    server a 127.0.0.1:{port_a} check port {agent_a}
    server b 127.0.0.1:{port_b} check port {agent_b}
"""

# Transaction pooling like switchyard's. server_login_retry is lowered from its 15 s default:
# after a failed server connect PgBouncer waits that long before trying again.
PGBOUNCER_CONFIG = """\
[databases]
{dbname} = host=127.0.0.1 port={haproxy_port} dbname={dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
pidfile =
auth_type = md5
auth_file = {dir}/userlist.txt
pool_mode = transaction
default_pool_size = {pool_size}
max_client_conn = 1000
server_login_retry = 1
log_connections = 0
"""


def dsn(**parts):
    base = {"dbname": DBNAME, "user": USER, "password": PASSWORD, "connect_timeout": "5"}
    return " ".join(f"{k}={v}" for k, v in {**base, **parts}.items())


def prepare_database(primary):
    primary.sql(f"SET password_encryption = 'md5'; CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'")
    primary.sql(f"CREATE DATABASE {DBNAME} OWNER {USER}")
    primary.sql(failover_load.CREATE_TABLE + f"; ALTER TABLE {failover_load.TABLE} OWNER TO {USER}", dbname=DBNAME)


def make_replica_synchronous(primary):
    """Once PRIMARY's standby streams, commits wait for it: an acknowledged commit is then on the
    standby, so a commit missing after the failover is the client path's doing, not replication lag."""
    pgcluster.wait_streaming(primary)
    primary.set_synchronous_standby(True)
    pgcluster.wait_streaming(primary, synchronous=True)


def wait_ready(setup_dsn, primary, timeout=60.0):
    """Until a query through the setup lands on PRIMARY (the proxies have found it)."""
    last = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = psycopg2.connect(setup_dsn)
            try:
                conn.autocommit = True
                with conn.cursor() as cur:
                    cur.execute("SELECT inet_server_port(), pg_is_in_recovery()")
                    port, in_recovery = cur.fetchone()
            finally:
                conn.close()
            if port == primary.port and not in_recovery:
                return
            last = f"landed on port {port} (in recovery: {in_recovery})"
        except psycopg2.Error as error:
            last = str(error).strip()
        time.sleep(0.2)
    raise TimeoutError(f"setup not ready: no query through it reached the primary {primary.name} in "
                       f"{timeout:.0f}s; last: {last}")


def watch_promotion(node, timeout=60.0):
    """Polls NODE (own connection over its socket) every 5 ms until it leaves recovery; returns
    time.monotonic() then. Started right after pg_ctl promote: PostgreSQL's own part of the failover."""
    conn = psycopg2.connect(host=str(node.socket_dir), port=node.port, user="postgres", dbname="postgres")
    conn.autocommit = True
    try:
        deadline = time.monotonic() + timeout
        with conn.cursor() as cur:
            while time.monotonic() < deadline:
                cur.execute("SELECT pg_is_in_recovery()")
                if not cur.fetchone()[0]:
                    return time.monotonic()
                time.sleep(0.005)
    finally:
        conn.close()
    raise TimeoutError(f"{node.name} still in recovery {timeout:.0f}s after pg_ctl promote")


class Failover:
    """One failover through one setup: the load, the stop, the promotion and what the clients saw."""

    def __init__(self, number, setup, position, old_primary, new_primary):
        self.number, self.setup, self.position = number, setup, position
        self.old_primary, self.new_primary = old_primary.name, new_primary.name
        self.new_port = new_primary.port
        self.clients = []
        self.problems = []  # things that must not happen through any setup (noted) or through switchyard
        self.log_lines = []

    def run(self, setup_dsn, old_primary, new_primary, run_id):
        load = failover_load.Load(setup_dsn, run_id, BUSY, IDLE, THINK_S, IDLE_PERIOD_S, RETRY_DELAY_S).start()
        try:
            time.sleep(BEFORE_S)
            before = sum(len(c.acks()) for c in load.clients)
            if not before:
                raise RuntimeError(f"{self.setup}: no write acknowledged in the {BEFORE_S:.0f} s before the stop: "
                                   + "; ".join({a.error for c in load.clients for a in c.attempts if not a.ok}))
            self.rate_before = before / BEFORE_S
            self.t_stop = time.monotonic()
            old_primary.stop_immediate()
            self.t_stopped = time.monotonic()  # the postmaster and all its backends are gone
            time.sleep(max(0.0, self.t_stop + DELTA_S - time.monotonic()))
            self.t_promote = time.monotonic()
            new_primary.promote()
            self.t_writable = watch_promotion(new_primary)
            deadline = self.t_promote + RECOVERY_TIMEOUT_S
            while time.monotonic() < deadline and not all(self.recovered(c) for c in load.clients):
                time.sleep(0.05)
            time.sleep(AFTER_S)
        finally:
            load.stop()
        self.clients = load.clients
        present = {int(x) for x in new_primary.sql(
            f"SELECT id FROM {failover_load.TABLE} WHERE run = {run_id}", dbname=DBNAME).split()}
        acked = {a.id for c in self.clients for a in c.acks()}
        failed = {a.id for c in self.clients for a in c.failures("write")}
        self.missing = len(acked - present)
        self.failed_but_committed = len(failed & present)
        self.acked = len(acked)
        late = [a for c in self.clients for a in c.acks() if a.ended > self.t_promote and a.port != self.new_port]
        if late:
            self.problems.append(f"{len(late)} write(s) acknowledged after the promotion by port {late[0].port}, "
                                 f"not by the new primary on {self.new_port}")
        early = [a for c in self.clients for a in c.acks() if self.t_stopped < a.ended < self.t_promote]
        if early:
            self.problems.append(f"{len(early)} write(s) acknowledged while no primary existed (port {early[0].port})")
        if self.missing:
            self.problems.append(f"{self.missing} acknowledged commit(s) missing on the new primary")
        return self

    def recovered(self, client):
        return any(a.ended > self.t_promote for a in client.acks())

    # --- figures ---------------------------------------------------------

    def first_ack_after_promotion(self, clients=None):
        """Seconds from pg_ctl promote to the first acknowledged write of CLIENTS (all by default)."""
        ends = [a.ended for c in (clients or self.clients) for a in c.acks() if a.ended > self.t_promote]
        return min(ends) - self.t_promote if ends else None

    def all_writing_again(self, role):
        """Seconds from the promotion until the last client of ROLE had its first write acknowledged."""
        times = [self.first_ack_after_promotion([c]) for c in self.clients if c.role == role]
        return None if None in times or not times else max(times)

    def promotion_seconds(self):
        return self.t_writable - self.t_promote

    def failures(self, role, kind, in_flight=None):
        """Failed attempts of ROLE's clients; IN_FLIGHT True: started before the old primary was gone
        (a write the dying server may have been running), False: started after."""
        return [a for c in self.clients if c.role == role for a in c.failures(kind)
                if in_flight is None or (a.started < self.t_stopped) == in_flight]

    def clients_with_errors(self, role):
        return sum(1 for c in self.clients if c.role == role and any(not a.ok for a in c.attempts))

    def error_samples(self):
        """Distinct error texts with their counts, for the notes."""
        counts = {}
        for c in self.clients:
            for a in c.attempts:
                if not a.ok:
                    key = f"{c.role} {a.kind}: {a.error}"
                    counts[key] = counts.get(key, 0) + 1
        return counts


def ms(seconds):
    return "never" if seconds is None else f"{seconds * 1000:,.0f}"


def spread(values):
    """median (min–max) in ms of VALUES (seconds; None = never)."""
    known = [v for v in values if v is not None]
    if not known:
        return "never"
    text = f"**{statistics.median(known) * 1000:,.0f}** ({min(known) * 1000:,.0f}–{max(known) * 1000:,.0f})"
    missing = len(values) - len(known)
    return text + (f", **never in {missing} run(s)**" if missing else "")


def summary(failovers, runs):
    lines = [f"{runs} failover(s) per setup, the setups alternating (run *i* starts with a different setup); "
             f"each failover: {BUSY} busy writers (one INSERT per transaction, {THINK_S * 1000:.0f} ms think time) "
             f"and {IDLE} idle clients (one INSERT every {IDLE_PERIOD_S:.0f} s, so at the moment of the stop they "
             f"are between transactions) write for {BEFORE_S:.0f} s; then the primary is stopped hard "
             f"(`pg_ctl stop -m immediate`), {DELTA_S:.0f} s later the replica is promoted (`pg_ctl promote`), "
             f"and the load goes on until every client has written again, plus {AFTER_S:.0f} s. After an error a "
             f"client waits {RETRY_DELAY_S * 1000:.0f} ms and retries, on a new connection if its connection is "
             "gone (as an application with a retry loop would). Times are from `pg_ctl promote`; "
             "*PostgreSQL* is how long the promoted server itself took to leave recovery (polled every 5 ms over "
             "its socket), the floor for every setup.", "",
             "## Summary", "",
             "| setup | promotion → first write acknowledged, ms: median (min–max) | → all busy clients writing "
             "again, ms | busy clients: failed transactions (in flight at the stop / after it) | busy: failed "
             "connects | busy clients that saw an error | **idle clients: failed queries** | idle: failed "
             "connects | **idle clients that saw an error** | acknowledged commits missing afterwards |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    by_setup = {name: [f for f in failovers if f.setup == name] for name in SETUPS}
    for name, runs_of in by_setup.items():
        if not runs_of:
            continue

        def total(fn):
            return sum(fn(f) for f in runs_of)
        in_flight = total(lambda f: len(f.failures("busy", "write", True)))
        after = total(lambda f: len(f.failures("busy", "write", False)))
        idle_failed = total(lambda f: len(f.failures("idle", "write")))
        idle_connects = total(lambda f: len(f.failures("idle", "connect")))
        busy_connects = total(lambda f: len(f.failures("busy", "connect")))
        busy_hit = ", ".join(str(f.clients_with_errors("busy")) for f in runs_of)
        idle_hit = ", ".join(str(f.clients_with_errors("idle")) for f in runs_of)
        lines.append(
            f"| {name} | {spread([f.first_ack_after_promotion() for f in runs_of])} "
            f"| {spread([f.all_writing_again('busy') for f in runs_of])} "
            f"| {in_flight} / {bold(after)} | {busy_connects} | {busy_hit} (of {BUSY} per run) "
            f"| {bold(idle_failed)} | {bold(idle_connects)} | {idle_hit} (of {IDLE} per run) "
            f"| {bold(total(lambda f: f.missing))} of {total(lambda f: f.acked):,} |")
    lines.append(f"| *PostgreSQL* (promotion itself) | {spread([f.promotion_seconds() for f in failovers])} "
                 "| | | | | | | | |")
    sy = by_setup.get("switchyard") or []
    if sy:
        first = [f.first_ack_after_promotion() for f in sy]
        known = [v for v in first if v is not None]
        idle_errors = sum(f.clients_with_errors("idle") for f in sy)
        verdict_time = ("met" if known and len(known) == len(first) and statistics.median(known) < 1.0
                        else "**not met**")
        verdict_idle = "met" if not idle_errors else "**not met**"
        lines += ["", f"Targets for switchyard: first write well under 1 s after the promotion with the default "
                      f"check interval — {verdict_time} (median {ms(statistics.median(known)) if known else 'never'} "
                      f"ms); zero errors for idle clients — {verdict_idle}."]
    lines += ["", "Per run counts are summed over the runs; \"saw an error\" lists each run. A transaction *in "
              "flight at the stop* was started before the old primary's postmaster was gone: it may have been "
              "running on the dying server, and no setup can complete it. Everything else that failed was "
              "started after the primary was already dead.", ""]
    return lines


def bold(n):
    return f"**{n:,}**" if n else "0"


def runs_table(failovers):
    lines = ["## Runs", "",
             "| # | setup | primary → promoted | writes/s before | PostgreSQL promotion ms | first write ms "
             "| all busy writing ms | all idle writing ms | busy failed (in flight / after) | busy failed connects "
             "| idle failed | idle failed connects | acked | missing | failed but committed |",
             "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for f in failovers:
        lines.append(
            f"| {f.number} | {f.setup} | {f.old_primary} → {f.new_primary} | {f.rate_before:,.0f} "
            f"| {ms(f.promotion_seconds())} | {ms(f.first_ack_after_promotion())} "
            f"| {ms(f.all_writing_again('busy'))} | {ms(f.all_writing_again('idle'))} "
            f"| {len(f.failures('busy', 'write', True))} / {len(f.failures('busy', 'write', False))} "
            f"| {len(f.failures('busy', 'connect'))} | {len(f.failures('idle', 'write'))} "
            f"| {len(f.failures('idle', 'connect'))} | {f.acked:,} | {f.missing} | {f.failed_but_committed} |")
    lines += ["", "*failed but committed*: writes whose client got an error although the row is on the new "
              "primary (the commit reached the standby, the acknowledgement never reached the client): the "
              "usual ambiguity of a commit in flight at a crash, not a loss.", ""]
    return lines


def setups_section(haproxy_port, pgbouncer_port, switchyard_port, port_a, port_b):
    return [
        "## Setups", "",
        f"- **switchyard**: clients connect to switchyard (127.0.0.1:{switchyard_port}), database `{DBNAME}` in "
        f"transaction mode, pool_size {POOL_SIZE}, `failover_timeout = \"30s\"`; backend `main` lists both nodes "
        "and checks them with `type = \"postgres\"` (a kept libpq connection per node reading "
        "`pg_is_in_recovery()` and the timeline, default interval 500 ms, timeout 500 ms). A client between "
        "transactions keeps its connection; its next transaction waits while no primary is known and runs on "
        "the new one. A transaction in flight on the dying primary gets an ErrorResponse and the client's "
        "connection stays usable.",
        f"- **libpq**: no proxy; each client connects with `host=127.0.0.1,127.0.0.1 port={port_a},{port_b} "
        "target_session_attrs=read-write connect_timeout=5` (psycopg2, Debian's python3): libpq tries the hosts "
        "in order and keeps the first that accepts writes. After the primary dies every connection is broken: "
        "the client's next query fails, and reconnects fail (the dead node refuses, the replica is read-only) "
        "until the promotion.",
        f"- **haproxy+pgbouncer**: clients connect to PgBouncer (127.0.0.1:{pgbouncer_port}, transaction mode, "
        f"default_pool_size {POOL_SIZE}, server_login_retry 1 s instead of 15 s), whose only server is HAProxy "
        f"(127.0.0.1:{haproxy_port}, `mode tcp`). HAProxy 2.6 cannot speak SQL, so as in Patroni setups each "
        "node has a small HTTP agent (bench/harness/pg_role_agent.py, stdlib HTTP + a kept psycopg2 "
        "connection) that answers 200 only while `pg_is_in_recovery()` is false; HAProxy checks it with "
        f"`option httpchk GET /primary`, `check port`, `{HAPROXY_CHECK} on-marked-down shutdown-sessions`. "
        "When the server side breaks, PgBouncer drops the client connections that were using it; clients "
        "that then ask for a server while none can be reached get `pgbouncer cannot connect to server`.",
        "", "The cluster: PostgreSQL 15, a primary made by initdb and one streaming replica made by "
        "`pg_basebackup -R -X stream`, both on loopback; `synchronous_standby_names = '*'` on the primary and "
        "`synchronous_commit` at its default (on), so every acknowledged commit is on the standby — an "
        "acknowledged commit missing afterwards would be the client path's fault, not replication lag. "
        "fsync and full_page_writes are off (they matter after an OS crash, not after a process kill). "
        "After each failover the dead node's data is thrown away and rebuilt with pg_basebackup from the new "
        "primary, so the roles swap from run to run while every setup keeps running (and must follow).", ""]


def role_log_section(failovers):
    lines = ["## switchyard's log about the role changes", "",
             "Lines of switchyard's log (cluster and server state) between the stop and the end of each "
             "switchyard run. Times in the log are wall clock.", ""]
    for f in failovers:
        if f.setup != "switchyard":
            continue
        lines += [f"Run {f.number} ({f.old_primary} → {f.new_primary}):", "", "```"] + (f.log_lines or ["(none)"]) \
            + ["```", ""]
    return lines


def error_notes(failovers):
    notes = []
    for name in SETUPS:
        counts = {}
        for f in failovers:
            if f.setup == name:
                for key, n in f.error_samples().items():
                    counts[key] = counts.get(key, 0) + n
        if counts:
            top = sorted(counts.items(), key=lambda kv: -kv[1])[:8]
            notes.append(f"{name}: what the clients saw — " + "; ".join(f"`{k}` ×{n}" for k, n in top))
        else:
            notes.append(f"{name}: the clients saw no error at all.")
    return notes


def switchyard_role_lines(text):
    return [line for line in text.splitlines() if "cluster main" in line or "server main/" in line]


def run(settings):
    runs = settings.rounds if getattr(settings, "rounds_given", False) else (1 if settings.quick else DEFAULT_RUNS)
    print(f"  failover: {runs} run(s) per setup, {len(SETUPS)} setups", file=sys.stderr, flush=True)
    with procs.ProcessGroup() as group:
        print("  starting the cluster (initdb, pg_basebackup)", file=sys.stderr, flush=True)
        a = pgcluster.Node(group, "a").init_primary()
        prepare_database(a)
        b = pgcluster.Node(group, "b").clone_from(a)
        make_replica_synchronous(a)

        agents = {}
        for node in (a, b):
            agents[node.name] = procs.free_port()
            agent = group.start(f"agent-{node.name}", ["/usr/bin/python3", str(AGENT),
                                                       str(agents[node.name]), str(node.port),
                                                       pgcluster.SUPERUSER_PASSWORD])
            group.wait_port(agent, agents[node.name])
        haproxy_port = procs.free_port()
        haproxy = servers.start_haproxy(group, HAPROXY_CONFIG.format(
            port=haproxy_port, check=HAPROXY_CHECK, port_a=a.port, port_b=b.port, agent_a=agents["a"],
            agent_b=agents["b"]), haproxy_port)
        pgbouncer_port = procs.free_port()
        pgbouncer = servers.start_pgbouncer(group, PGBOUNCER_CONFIG.format(
            dbname=DBNAME, haproxy_port=haproxy_port, port=pgbouncer_port, dir=group.dir, pool_size=POOL_SIZE),
            f'"{USER}" "{PASSWORD}"\n', pgbouncer_port)
        switchyard_port, admin_socket = procs.free_port(), group.dir / "switchyard-admin.sock"
        switchyard = servers.start_switchyard(group, settings.switchyard, SWITCHYARD_CONFIG.format(
            workers=settings.workers, admin_socket=admin_socket, port=switchyard_port,
            superuser_password=pgcluster.SUPERUSER_PASSWORD, port_a=a.port, port_b=b.port, dbname=DBNAME,
            pool_size=POOL_SIZE, user=USER, password=PASSWORD), admin_socket, switchyard_port)
        dsns = {"switchyard": dsn(host="127.0.0.1", port=switchyard_port),
                "libpq": dsn(host="127.0.0.1,127.0.0.1", port=f"{a.port},{b.port}",
                             target_session_attrs="read-write"),
                "haproxy+pgbouncer": dsn(host="127.0.0.1", port=pgbouncer_port)}

        primary, replica = a, b
        failovers = []
        names = list(SETUPS)
        for round_index in range(runs):
            order = names[round_index % len(names):] + names[:round_index % len(names)]
            for position, setup in enumerate(order):
                wait_ready(dsns[setup], primary)
                number = len(failovers) + 1
                print(f"  [failover {number}/{runs * len(names)}] {setup}: stop {primary.name}, promote "
                      f"{replica.name}", file=sys.stderr, flush=True)
                log_mark = switchyard.log_path.stat().st_size
                failover = Failover(number, setup, position, primary, replica).run(dsns[setup], primary, replica,
                                                                                   number)
                if setup == "switchyard":
                    with open(switchyard.log_path, "rb") as f:
                        f.seek(log_mark)
                        failover.log_lines = switchyard_role_lines(f.read().decode(errors="replace"))
                failovers.append(failover)
                print(f"    first write {ms(failover.first_ack_after_promotion())} ms after promote "
                      f"(PostgreSQL {ms(failover.promotion_seconds())} ms); busy failed "
                      f"{len(failover.failures('busy', 'write'))}, idle failed "
                      f"{len(failover.failures('idle', 'write'))}, failed connects "
                      f"{len(failover.failures('busy', 'connect')) + len(failover.failures('idle', 'connect'))}, "
                      f"missing {failover.missing}", file=sys.stderr, flush=True)
                for proxy in (switchyard, haproxy, pgbouncer):
                    if not proxy.alive():
                        raise RuntimeError(f"{proxy.name} {proxy.exit_description()}:\n"
                                           + "\n".join(proxy.log_tail()))
                # the dead primary comes back as a replica of the new one; commits wait for it again
                primary, replica = replica, primary
                replica.clone_from(primary)
                make_replica_synchronous(primary)
        clusters = servers.ctl_json(settings.switchyard, admin_socket, "show", "clusters") or []

        problems = []
        for f in failovers:
            for p in f.problems:
                problems.append(f"run {f.number} ({f.setup}): {p}")
        switchyard_problems = [p for f in failovers if f.setup == "switchyard" for p in f.problems]
        for f in failovers:
            if f.setup != "switchyard":
                continue
            for role in ("busy", "idle"):
                after = f.failures(role, "write", False) + f.failures(role, "connect")
                if after:
                    switchyard_problems.append(f"run {f.number}: {len(after)} error(s) for {role} clients that were "
                                               f"not in flight at the stop (first: `{after[0].error}`)")
            if f.first_ack_after_promotion() is None:
                switchyard_problems.append(f"run {f.number}: no write acknowledged after the promotion")
        notes = error_notes(failovers) + [
            "switchyard's view at the end (`ctl show clusters`): " + "; ".join(
                f"{r.get('server')} {r.get('role')} (timeline {r.get('timeline')}, {r.get('health')})"
                for r in clusters),
            f"Processes run under private names: `{servers.BENCH_COPY_NAME}` (switchyard), "
            f"`{servers.PGBOUNCER_COPY_NAME}`, `{postgres.BENCH_COPY_NAME}` (the postmasters, via a symlink).",
        ] + [f"**{p}**" for p in problems]
        logs = {"haproxy": [l for l in haproxy.log_tail(400) if "Server primary/" in l][-20:],
                "pgbouncer": pgbouncer.log_tail(20),
                "switchyard": switchyard.log_tail(20)}
        sections = (summary(failovers, runs) + setups_section(haproxy_port, pgbouncer_port, switchyard_port,
                                                             a.port, b.port)
                    + runs_table(failovers) + role_log_section(failovers))
        description = ("PostgreSQL failover: the primary of a streaming pair is stopped hard and the replica "
                       "promoted while clients write, through switchyard, through a libpq multi-host connection "
                       "string (client-side failover) and through HAProxy + PgBouncer — how long until writes are "
                       "acknowledged again, and which clients see errors.")
        return SuiteResult(description, [], [], notes, logs, summary=sections, problems=switchyard_problems)
