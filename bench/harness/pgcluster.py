# A PostgreSQL 15 streaming-replication cluster for the failover suite: a
# primary made by initdb, replicas made by pg_basebackup -R -X stream, each
# node a postmaster in the run's process group; hard stop (pg_ctl -m
# immediate), promotion, and rebuilding a dead primary as a replica of the new one.
import os
import shutil
import signal
import subprocess

from harness import postgres, procs

PG_BIN = postgres.PG_BIN

# Only what does not change how a failover goes. fsync and full_page_writes
# matter after an OS crash, not after the postmaster is killed: what a backend
# wrote is in the page cache and reaches the replica either way.
# synchronous_commit keeps its default (on).
SETTINGS = {
    "fsync": "off",
    "full_page_writes": "off",
    "shared_buffers": "64MB",
    "max_connections": "200",
    "max_wal_size": "1GB",
    "checkpoint_timeout": "30min",
    "autovacuum": "off",
    "log_line_prefix": "'%m [%p] '",
    "log_min_messages": "info",  # promotion, timeline and replication lines
}
HBA = ["local all all trust",               # the harness's own admin path
       "local replication all trust",       # pg_basebackup and the replicas' walreceivers
       "host all all 127.0.0.1/32 md5",     # clients, proxies and health checks log in with a password
       "host replication all 127.0.0.1/32 md5"]
SUPERUSER_PASSWORD = "sy-bench-super"


def _chown(path):
    if os.geteuid() == 0:
        shutil.chown(path, postgres.SYSTEM_USER, postgres.SYSTEM_USER)


class Node:
    """One PostgreSQL server of the cluster on a fixed port; its data directory can be
    thrown away and re-made from another node (pg_basebackup) while the port stays."""

    def __init__(self, group, name, port=None):
        self.group, self.name = group, name
        self.base = group.dir / f"pg-{name}"
        self.data_dir = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.port = port or procs.free_port()
        self.process = None
        self.incarnation = 0  # each start gets its own log file: pg-<name>-<n>.log
        self.synchronous_standby = False
        for path in (self.base, self.socket_dir):
            path.mkdir(mode=0o755)
            _chown(path)
        group.bulky_dirs.append(self.data_dir)

    # --- making the data directory -------------------------------------

    def init_primary(self):
        """initdb, the settings, pg_hba.conf; then start. The superuser gets SUPERUSER_PASSWORD
        for logins over TCP (health checks)."""
        postgres.run_as_postgres([f"{PG_BIN}/initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                                  "-E", "UTF8", "--locale=C", "--no-sync"])
        with open(self.data_dir / "postgresql.conf", "a") as f:
            f.write("\n# sy-bench failover\n" + "\n".join(f"{k} = {v}" for k, v in SETTINGS.items())
                    + "\ninclude_if_exists = 'node.conf'\n")
        (self.data_dir / "pg_hba.conf").write_text("\n".join(HBA) + "\n")
        _chown(self.data_dir / "pg_hba.conf")
        self.start()
        self.sql(f"ALTER ROLE postgres PASSWORD '{SUPERUSER_PASSWORD}'")
        return self

    def clone_from(self, primary):
        """Throws this node's data away and makes it a streaming replica of PRIMARY
        (pg_basebackup -R -X stream over PRIMARY's socket); then start."""
        if self.process and self.process.alive():
            raise RuntimeError(f"{self.name} is still running; stop it before re-cloning")
        shutil.rmtree(self.data_dir, ignore_errors=True)
        postgres.run_as_postgres([f"{PG_BIN}/pg_basebackup", "-D", str(self.data_dir), "-R", "-X", "stream",
                                  "-c", "fast", "-h", str(primary.socket_dir), "-p", str(primary.port),
                                  "-U", "postgres", "--no-sync"], timeout=600)
        self.synchronous_standby = False
        self.start()
        return self

    def write_node_config(self):
        """What differs per node: address, socket, and whether commits wait for a standby.
        pg_basebackup copies this file too; it is rewritten before every start."""
        lines = [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                 f"unix_socket_directories = '{self.socket_dir}'",
                 f"synchronous_standby_names = '{'*' if self.synchronous_standby else ''}'"]
        path = self.data_dir / "node.conf"
        path.write_text("\n".join(lines) + "\n")
        _chown(path)

    # --- the postmaster --------------------------------------------------

    def start(self):
        self.write_node_config()
        # PostgreSQL finds its share/ and lib/ through the link; `pkill postgres` does not match its name
        link = self.group.dir / postgres.BENCH_COPY_NAME
        if not link.exists():
            link.symlink_to(f"{PG_BIN}/postgres")
        self.incarnation += 1
        self.process = self.group.start(f"pg-{self.name}-{self.incarnation}", [str(link), "-D", str(self.data_dir)],
                                        user=postgres.SYSTEM_USER, stop_signal=signal.SIGINT, signal_group=False,
                                        stop_timeout=60)
        self.group.wait_port(self.process, self.port, timeout=60)

        def answers():
            if not self.process.alive():
                raise RuntimeError(f"{self.name} exited:\n" + "\n".join(self.process.log_tail()))
            return subprocess.run(self._psql_argv("SELECT 1"), capture_output=True).returncode == 0
        procs.wait_until(f"{self.name} to answer queries", answers, timeout=60)
        return self

    def stop_immediate(self):
        """pg_ctl stop -m immediate: SIGQUIT to the postmaster, which SIGQUITs every backend and
        exits without a shutdown checkpoint (what a crash looks like to clients and replicas).
        Returns once the postmaster is gone."""
        postgres.run_as_postgres([f"{PG_BIN}/pg_ctl", "stop", "-D", str(self.data_dir), "-m", "immediate", "-w"],
                                 timeout=60)
        self.process.popen.wait(30)
        self.group.processes.remove(self.process)  # nothing left to stop at the end

    def promote(self):
        """pg_ctl promote without waiting (-W): the caller watches for the end of recovery itself."""
        postgres.run_as_postgres([f"{PG_BIN}/pg_ctl", "promote", "-W", "-D", str(self.data_dir)], timeout=60)

    def set_synchronous_standby(self, on):
        """On a primary: commits wait until a standby has flushed them (synchronous_standby_names = '*')."""
        self.synchronous_standby = on
        self.write_node_config()
        self.sql("SELECT pg_reload_conf()")

    # --- SQL over the socket as the superuser -----------------------------

    def _psql_argv(self, sql, dbname="postgres"):
        return [f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                "-p", str(self.port), "-U", "postgres", "-d", dbname, "-c", sql]

    def sql(self, sql, dbname="postgres", timeout=120):
        result = subprocess.run(self._psql_argv(sql, dbname), capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{self.name}: psql {sql!r} failed:\n{result.stderr}")
        return result.stdout.strip()

    def in_recovery(self):
        return self.sql("SELECT pg_is_in_recovery()") == "t"

    def timeline(self):
        return int(self.sql("SELECT timeline_id FROM pg_control_checkpoint()"))

    def log_text(self):
        return self.process.log_path.read_text(errors="replace") if self.process else ""


def wait_streaming(primary, standby_count=1, synchronous=False, timeout=60.0):
    """Until PRIMARY has STANDBY_COUNT walsenders streaming (and, with SYNCHRONOUS, one of them sync)."""
    def ready():
        rows = primary.sql("SELECT state || ',' || sync_state FROM pg_stat_replication").splitlines()
        streaming = [r for r in rows if r.startswith("streaming,")]
        if len(streaming) < standby_count:
            return False
        return not synchronous or any(r.endswith(",sync") for r in streaming)
    procs.wait_until(f"{standby_count} standby(s) streaming from {primary.name}", ready, timeout=timeout,
                     interval=0.2)

