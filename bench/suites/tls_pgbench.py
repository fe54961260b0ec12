# The PostgreSQL part of suite "tls": pgbench -S with sslmode=require
# through pgbouncer (client_tls_*) and switchyard ([listener.tls]), both
# serving the same certificate, one thread each, in front of the same
# PostgreSQL (plaintext to it: what is measured is the client-side TLS).
# Reported against pgbouncer, as its own summary section.
import sys

from harness import pgbench, postgres, procs, servers
from harness.report import scenario_table, summary_table
from harness.scenario import Scenario, Target, run_rounds
from suites import postgres as pg_suite

CLIENTS = 50
POOL_SIZE = 20
TITLE = f"pgbench -S over TLS (sslmode=require), -c {CLIENTS}"

PGBOUNCER_TLS = """\
client_tls_sslmode = require
client_tls_cert_file = {cert}
client_tls_key_file = {key}
"""

SWITCHYARD_TLS = """
[listener.tls]
cert = "{cert}"
key = "{key}"
"""


def switchyard_config(settings, admin_socket, port, pg_port, cert, key):
    text = pg_suite.SWITCHYARD_CONFIG.format(workers=1, admin_socket=admin_socket, port=port, pg_port=pg_port,
                                             dbname=pg_suite.DBNAME, pool_size=POOL_SIZE, user=pg_suite.USER,
                                             password=pg_suite.PASSWORD)
    # [listener.tls] belongs to the one [[listener]]: right before [[backend]].
    return text.replace("\n[[backend]]", SWITCHYARD_TLS.format(cert=cert, key=key) + "\n[[backend]]", 1)


def run(settings, group, cert, key):
    """Returns the markdown lines of the section and the scenario (for the error checks)."""
    print("  [tls] starting PostgreSQL, pgbench -i", file=sys.stderr, flush=True)
    pg = postgres.Server(group).start()
    pg_suite.prepare_database(pg)
    postgres._chown(key)  # pgbouncer runs as postgres when the harness runs as root; switchyard still reads it
    pgbench_bin = group.dir / "sy-bench-pgbench"
    pgbench_bin.symlink_to(f"{postgres.PG_BIN}/pgbench")

    pgbouncer_port, switchyard_port = procs.free_port(), procs.free_port()
    pgbouncer_config = pg_suite.PGBOUNCER_CONFIG.format(
        dbname=pg_suite.DBNAME, pg_port=pg.port, port=pgbouncer_port, dir=group.dir, pool_size=POOL_SIZE,
        user=pg_suite.USER) + PGBOUNCER_TLS.format(cert=cert, key=key)
    pgbouncer = servers.start_pgbouncer(group, pgbouncer_config, f'"{pg_suite.USER}" "{pg_suite.PASSWORD}"\n',
                                        pgbouncer_port)
    admin_socket = group.dir / "admin-pg-tls.sock"
    switchyard = servers.start_switchyard(group, settings.switchyard, switchyard_config(
        settings, admin_socket, switchyard_port, pg.port, cert, key), admin_socket, switchyard_port,
        name="switchyard-pg-tls")
    targets = [Target("pgbouncer", "pgbouncer 1.18 (client_tls, 1 thread)", pgbouncer_port, pgbouncer),
               Target("switchyard", "switchyard ([listener.tls], 1 worker)", switchyard_port, switchyard)]
    scenario = Scenario(
        title=TITLE,
        load=f"PGSSLMODE=require pgbench -S -M simple -c {CLIENTS} -j 2 -T {settings.duration} -n",
        value_label="tps", value_scale=1, cpu_label="CPU s / 1000 tx", cpu_scale=1e3, work=lambda r: r.requests,
        latency_label="latency avg ms", latency=pg_suite.weighted_latency,
        backend_cpu_label="PostgreSQL CPU s / 1000 tx")

    def load(target, seconds=None):
        return pgbench.run(pgbench_bin, target.port, seconds or settings.duration, CLIENTS, 2, "simple", ["-S"],
                           pg_suite.USER, pg_suite.PASSWORD, pg_suite.DBNAME, proxy=target.process, backend=pg,
                           env={"PGSSLMODE": "require"})

    run_rounds(scenario, targets, settings.rounds, settings.warmup, load)
    lines = ["## PostgreSQL over TLS: pgbouncer vs switchyard", "",
             "Both proxies terminate the clients' TLS with the same certificate (ECDSA P-256) and pool in "
             f"transaction mode with {POOL_SIZE} plaintext server connections to the same PostgreSQL 15; every "
             "pgbench client holds one TLS connection for the whole run. Target: ≥ 1.0× pgbouncer's TPS at "
             "≤ 0.8× its CPU per transaction.", ""]
    lines += summary_table([scenario], targets, "pgbouncer", "no direct baseline") + [""]
    lines += scenario_table(scenario, targets) + [""]
    for process in (pgbouncer, switchyard):
        group.stop(process)
    return lines, scenario
