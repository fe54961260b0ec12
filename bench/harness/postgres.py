# A PostgreSQL server for the postgres suite: initdb into the run's temp dir,
# settings that make the proxies (not fsync) the thing measured, a postmaster
# started through the process group, and SQL as the superuser over its socket.
import grp
import os
import pwd
import signal
import subprocess

from harness import procs

PG_BIN = "/usr/lib/postgresql/15/bin"
SYSTEM_USER = "postgres"  # initdb and postgres refuse to run as root
# The postmaster runs through a symlink with this name: PostgreSQL resolves the link to
# find its share/ and lib/ directories, while the process name (what pkill matches) is ours.
BENCH_COPY_NAME = "sy-bench-pg"

SETTINGS = {
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "256MB",
    "max_connections": "200",
    "max_wal_size": "4GB",
    "checkpoint_timeout": "30min",
    "log_min_messages": "warning",
    "log_connections": "on",  # counted per run: how many server logins a proxy made
    "log_line_prefix": "'%m [%p] %q%u@%d '",
}
HBA = ["local all all trust",          # the harness's own admin path
       "host all all 127.0.0.1/32 md5"]  # everyone else logs in with a password


def _as_postgres():
    if os.geteuid() != 0:
        return {}
    return {"user": SYSTEM_USER, "group": SYSTEM_USER, "extra_groups": []}


def _chown(path):
    if os.geteuid() == 0:
        os.chown(path, pwd.getpwnam(SYSTEM_USER).pw_uid, grp.getgrnam(SYSTEM_USER).gr_gid)


def run_as_postgres(argv, timeout=300):
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                            **_as_postgres())
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} exited {result.returncode}:\n{result.stdout}{result.stderr}")
    return result.stdout


class Server:
    """One postmaster in GROUP's temp dir, listening on 127.0.0.1:port and on a socket in sock/."""

    def __init__(self, group):
        self.group = group
        self.base = group.dir / "pg"
        self.data_dir = self.base / "data"
        self.socket_dir = self.base / "sock"
        self.port = None
        self.process = None

    def start(self):
        self.base.mkdir(mode=0o755)
        _chown(self.base)
        self.socket_dir.mkdir(mode=0o755)
        _chown(self.socket_dir)
        self.group.bulky_dirs.append(self.data_dir)
        run_as_postgres([f"{PG_BIN}/initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust",
                         "-E", "UTF8", "--locale=C", "--no-sync"])
        self.port = procs.free_port()
        lines = [f"{key} = {value}" for key, value in SETTINGS.items()]
        lines += [f"port = {self.port}", "listen_addresses = '127.0.0.1'",
                  f"unix_socket_directories = '{self.socket_dir}'"]
        with open(self.data_dir / "postgresql.conf", "a") as f:
            f.write("\n# sy-bench\n" + "\n".join(lines) + "\n")
        (self.data_dir / "pg_hba.conf").write_text("\n".join(HBA) + "\n")
        _chown(self.data_dir / "pg_hba.conf")
        link = self.group.dir / BENCH_COPY_NAME
        link.symlink_to(f"{PG_BIN}/postgres")
        self.process = self.group.start("postgres", [str(link), "-D", str(self.data_dir)], user=SYSTEM_USER,
                                        stop_signal=signal.SIGINT, signal_group=False, stop_timeout=60)
        self.group.wait_port(self.process, self.port, timeout=60)

        def answers():
            if not self.process.alive():
                raise RuntimeError("postgres exited:\n" + "\n".join(self.process.log_tail()))
            return subprocess.run(self._psql_argv("postgres", "SELECT 1"), capture_output=True).returncode == 0
        procs.wait_until("postgres to answer queries", answers, timeout=60)
        return self

    def _psql_argv(self, dbname, sql):
        return [f"{PG_BIN}/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", str(self.socket_dir),
                "-p", str(self.port), "-U", "postgres", "-d", dbname, "-c", sql]

    def sql(self, sql, dbname="postgres"):
        """Runs SQL as the superuser over the socket; returns psql's unaligned output."""
        result = subprocess.run(self._psql_argv(dbname, sql), capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            raise RuntimeError(f"psql {sql!r} failed:\n{result.stderr}")
        return result.stdout.strip()

    def cpu_seconds(self):
        """Postmaster and every backend, including those that have exited since (see family_cpu_seconds)."""
        return procs.family_cpu_seconds(self.process.pid)

    def log_mark(self):
        return self.process.log_path.stat().st_size

    def logins_since(self, mark):
        """Connections PostgreSQL authorized since MARK (a log_mark())."""
        with open(self.process.log_path, "rb") as f:
            f.seek(mark)
            return f.read().count(b"connection authorized")

    def version(self):
        return self.sql("SHOW server_version")
