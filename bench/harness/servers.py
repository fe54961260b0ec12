# Starts the real peers a suite compares: an nginx backend, haproxy, pgbouncer and
# switchyard, each from a config written into the run's temp dir, and
# returns once each one answers on its port (and, for switchyard, its admin socket).
import json
import os
import shutil
import subprocess

from harness import procs

NGINX_CONFIG = """\
daemon off;
master_process on;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/nginx-error.log warn;
events {{ worker_connections 65536; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 10000000;
    keepalive_timeout 300s;
    default_type application/octet-stream;
    client_body_temp_path {dir}/nginx-body;
    proxy_temp_path {dir}/nginx-proxy;
    fastcgi_temp_path {dir}/nginx-fastcgi;
    uwsgi_temp_path {dir}/nginx-uwsgi;
    scgi_temp_path {dir}/nginx-scgi;
    server {{
        listen 127.0.0.1:{port} backlog=65535;
        root {dir}/www;
    }}
}}
"""


def start_nginx(group, files):
    """nginx with one worker serving FILES ({name: size in bytes}) from the temp dir."""
    www = group.dir / "www"
    www.mkdir(exist_ok=True)
    www.chmod(0o755)
    for name, size in files.items():
        with open(www / name, "wb") as f:
            remaining = size
            while remaining:
                chunk = os.urandom(min(remaining, 1 << 20))
                f.write(chunk)
                remaining -= len(chunk)
        (www / name).chmod(0o644)
    port = procs.free_port()
    config = group.dir / "nginx.conf"
    config.write_text(NGINX_CONFIG.format(dir=group.dir, port=port))
    process = group.start("nginx", ["nginx", "-p", str(group.dir), "-e", str(group.dir / "nginx-error.log"),
                                    "-c", str(config)])
    group.wait_port(process, port)
    return process, port


def start_haproxy(group, config_text, port):
    """haproxy in the foreground (-db) with CONFIG_TEXT; PORT is the bind it must open."""
    config = group.dir / "haproxy.cfg"
    config.write_text(config_text)
    check = subprocess.run(["haproxy", "-c", "-f", str(config)], capture_output=True, text=True)
    if check.returncode != 0:
        raise RuntimeError(f"haproxy rejects {config}:\n{check.stdout}{check.stderr}")
    process = group.start("haproxy", ["haproxy", "-db", "-f", str(config)])
    group.wait_port(process, port)
    return process


# The binary runs from a copy in the temp dir, under a name without
# "switchyard" in it: a rebuild during the run cannot swap it, and a
# `pkill switchyard` from someone's tests on a shared machine cannot stop it.
BENCH_COPY_NAME = "sy-bench-proxy"


def start_switchyard(group, binary, config_text, admin_socket, port, name="switchyard"):
    """switchyard --config; ready once `ctl show listeners` answers and PORT accepts.
    NAME tells several instances apart (config file and log); they share one copy of the binary."""
    config = group.dir / ("sy.toml" if name == "switchyard" else f"{name}.toml")
    config.write_text(config_text)
    copy = group.dir / BENCH_COPY_NAME
    if not copy.exists():
        shutil.copy2(binary, copy)
    process = group.start(name, [str(copy), "--config", str(config)])

    def answers():
        if not process.alive():
            raise RuntimeError(f"{name} exited:\n" + "\n".join(process.log_tail()))
        return ctl_json(binary, admin_socket, "show", "listeners") is not None
    procs.wait_until("switchyard admin socket", answers)
    group.wait_port(process, port)
    return process


def ctl_json(binary, admin_socket, *command):
    """The parsed JSON answer of `switchyard ctl ... --json`, or None if it does not answer."""
    try:
        out = subprocess.run([str(binary), "ctl", "--socket", str(admin_socket), *command, "--json"],
                             capture_output=True, text=True, timeout=5)
    except subprocess.TimeoutExpired:
        return None
    if out.returncode != 0:
        return None
    try:
        return json.loads(out.stdout)
    except json.JSONDecodeError:
        return None


# PgBouncer refuses to run as root; like switchyard it runs from a copy with its own name.
PGBOUNCER_COPY_NAME = "sy-bench-pgbouncer"
PGBOUNCER_USER = "postgres"


def start_pgbouncer(group, config_text, userlist_text, port, binary="/usr/sbin/pgbouncer"):
    """pgbouncer with CONFIG_TEXT (its auth_file must be {dir}/userlist.txt); ready once PORT accepts."""
    (group.dir / "userlist.txt").write_text(userlist_text)
    config = group.dir / "pgbouncer.ini"
    config.write_text(config_text)
    copy = group.dir / PGBOUNCER_COPY_NAME
    shutil.copy2(binary, copy)
    process = group.start("pgbouncer", [str(copy), str(config)], user=PGBOUNCER_USER)
    group.wait_port(process, port)
    return process
