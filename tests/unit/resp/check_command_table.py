#!/usr/bin/env python3
"""Compares resp/command_table.cpp with a live redis-server's COMMAND INFO.

Starts `redis-server --port <free> --save ''` in a temp dir, reads COMMAND (every
command and subcommand) and checks, for each entry of the table: that the
server knows it, its arity, its Redis flags (readonly, write, admin, pubsub,
blocking, no_auth, movablekeys), whether it has subcommands, and its
first/last/step key positions; and that the table misses no server command.
kTransaction, kConnectionState and kUnsupported are the proxy's own and are
not checked. Not a unit test (needs redis-server); run by hand after editing
the table:  /usr/bin/python3 tests/unit/resp/check_command_table.py
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
TABLE = os.path.join(ROOT, "resp", "command_table.cpp")

# Table flag -> the COMMAND INFO flag it mirrors.
MIRRORED_FLAGS = {
    "kReadOnly": "readonly",
    "kWrite": "write",
    "kAdmin": "admin",
    "kPubSub": "pubsub",
    "kBlocking": "blocking",
    "kNoAuth": "no_auth",
    "kMovableKeys": "movablekeys",
}
# Where the table deliberately says more than Redis: WAIT holds its connection
# until replicas acknowledge, though Redis does not flag it "blocking".
EXTRA_FLAGS = {("wait", "kBlocking")}

ROW = re.compile(r'^\s*\{"([^"]+)", (-?\d+), ([^,]+), (-?\d+), (-?\d+), (-?\d+)(?:, KeySearch::(\w+), (-?\d+))?\},\s*$')


def read_table():
    rows = {}
    with open(TABLE) as table:
        for line in table:
            match = ROW.match(line)
            if not match:
                continue
            name, arity, flags, first, last, step = match.group(1, 2, 3, 4, 5, 6)
            flag_names = set() if flags.strip() == "0" else {f.strip() for f in flags.split("|")}
            rows[name] = (int(arity), flag_names, int(first), int(last), int(step))
    if not rows:
        sys.exit(f"no table rows found in {TABLE}")
    return rows


def read_reply(stream):
    line = stream.readline()
    kind, rest = line[:1], line[1:-2]
    if kind in (b"+", b"-"):
        return rest.decode()
    if kind == b":":
        return int(rest)
    if kind == b"$":
        length = int(rest)
        return None if length < 0 else stream.read(length + 2)[:-2].decode()
    if kind == b"*":
        return [read_reply(stream) for _ in range(int(rest))]
    raise ValueError(f"unexpected reply line {line!r}")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_commands(port):
    deadline = time.monotonic() + 10
    while True:
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            stream = connection.makefile("rb")
            connection.sendall(b"PING\r\n")
            if read_reply(stream) == "PONG":
                break
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("redis-server did not answer PING within 10 s")
            time.sleep(0.05)
    connection.sendall(b"COMMAND\r\n")
    commands = {}

    def add(entry):
        name, arity, flags, first, last, step = entry[:6]
        commands[name] = (arity, set(flags), first, last, step, bool(entry[9]))
        for sub in entry[9]:
            add(sub)

    for entry in read_reply(stream):
        add(entry)
    connection.sendall(b"INFO server\r\n")
    version = re.search(r"redis_version:(\S+)", read_reply(stream)).group(1)
    connection.close()
    return version, commands


def main():
    server = shutil.which("redis-server")
    if server is None:
        sys.exit("redis-server not found (Debian package redis-server)")
    table = read_table()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="check-command-table-") as directory:
        process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--dir", directory, "--daemonize", "no"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            version, commands = server_commands(port)
        finally:
            process.terminate()
            process.wait(timeout=10)

    problems = []
    for name, (arity, flags, first, last, step) in sorted(table.items()):
        if name not in commands:
            problems.append(f"{name}: in the table, unknown to redis-server {version}")
            continue
        server_arity, server_flags, server_first, server_last, server_step, has_subcommands = commands[name]
        if arity != server_arity:
            problems.append(f"{name}: arity {arity}, server says {server_arity}")
        for flag, redis_flag in MIRRORED_FLAGS.items():
            if (flag in flags) != (redis_flag in server_flags) and (name, flag) not in EXTRA_FLAGS:
                problems.append(f"{name}: {flag} {'set' if flag in flags else 'missing'}, "
                                f"server flags are {sorted(server_flags)}")
        if ("kContainer" in flags) != has_subcommands:
            problems.append(f"{name}: kContainer {'set' if 'kContainer' in flags else 'missing'}")
        if (first, last, step) != (server_first, server_last, server_step):
            problems.append(f"{name}: keys {first}/{last}/{step}, server says "
                            f"{server_first}/{server_last}/{server_step}")
    for name in sorted(set(commands) - set(table)):
        problems.append(f"{name}: known to redis-server {version}, missing from the table")

    for problem in problems:
        print(problem)
    print(f"redis-server {version}: {len(commands)} commands and subcommands, table {len(table)} rows, "
          f"{len(problems)} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
