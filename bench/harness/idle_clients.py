# Many idle PostgreSQL clients for the memory measurement: each one opens a TCP
# connection, sends a StartupMessage, logs in with md5 and waits for
# ReadyForQuery, then stays connected doing nothing. Run as its own process
# (python3 idle_clients.py ...) so its sockets and memory are not the harness's;
# IdleClients drives it from the harness.
import argparse
import asyncio
import hashlib
import json
import resource
import struct
import subprocess
import sys
from pathlib import Path


def startup_message(user, dbname):
    body = struct.pack("!i", 196608)  # protocol 3.0
    for key, value in (("user", user), ("database", dbname), ("application_name", "sy-bench-idle")):
        body += key.encode() + b"\0" + value.encode() + b"\0"
    body += b"\0"
    return struct.pack("!i", len(body) + 4) + body


def md5_password(user, password, salt):
    inner = hashlib.md5((password + user).encode()).hexdigest()
    return "md5" + hashlib.md5(inner.encode() + salt).hexdigest()


class Login(asyncio.Protocol):
    """One client: logs in, then holds the connection. `done` resolves to None (logged in) or an error."""

    def __init__(self, user, password, dbname):
        self.user, self.password, self.dbname = user, password, dbname
        self.buffer = b""
        self.done = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport
        transport.write(startup_message(self.user, self.dbname))

    def data_received(self, data):
        self.buffer += data
        while len(self.buffer) >= 5:
            kind = self.buffer[:1]
            length = struct.unpack("!i", self.buffer[1:5])[0]
            if len(self.buffer) < 1 + length:
                return
            body, self.buffer = self.buffer[5:1 + length], self.buffer[1 + length:]
            self.message(kind, body)

    def message(self, kind, body):
        if kind == b"R":
            code = struct.unpack("!i", body[:4])[0]
            if code == 5:
                answer = md5_password(self.user, self.password, body[4:8]).encode() + b"\0"
                self.transport.write(b"p" + struct.pack("!i", len(answer) + 4) + answer)
            elif code != 0:
                self.finish(f"unsupported authentication request {code} (the bench uses md5)")
        elif kind == b"E":
            fields = dict((f[:1], f[1:].decode(errors="replace")) for f in body.split(b"\0") if f)
            self.finish(f"{fields.get(b'C', '?')} {fields.get(b'M', '?')}")
        elif kind == b"Z":
            self.finish(None)

    def finish(self, error):
        if not self.done.done():
            self.done.set_result(error)

    def connection_lost(self, exc):
        self.finish(f"connection closed during login ({exc or 'EOF'})")


async def log_in_all(port, count, concurrency, user, password, dbname):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency)  # logins in flight: keep the proxy's accept backlog from overflowing
    clients, errors = [], {}

    async def one():
        async with gate:
            try:
                transport, login = await asyncio.wait_for(
                    loop.create_connection(lambda: Login(user, password, dbname), "127.0.0.1", port), 30)
                error = await asyncio.wait_for(login.done, 30)
            except (OSError, asyncio.TimeoutError) as exc:
                error = f"{type(exc).__name__}: {exc}"
                transport = None
            if error is None:
                clients.append(transport)
            else:
                errors[error] = errors.get(error, 0) + 1
                if transport:
                    transport.close()

    await asyncio.gather(*(one() for _ in range(count)))
    return clients, errors


async def main(args):
    clients, errors = await log_in_all(args.port, args.count, args.concurrency, args.user, args.password,
                                       args.dbname)
    print(json.dumps({"logged_in": len(clients), "errors": errors}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)  # hold until told
    for transport in clients:
        transport.close()
    await asyncio.sleep(0.5)
    print(json.dumps({"closed": len(clients)}), flush=True)


class IdleClients:
    """Context manager: COUNT clients logged in to 127.0.0.1:PORT while inside; `logged_in`, `errors`."""

    def __init__(self, port, count, user, password, dbname, concurrency=200):
        self.argv = [sys.executable, str(Path(__file__).resolve()), "--port", str(port), "--count", str(count),
                     "--user", user, "--password", password, "--dbname", dbname,
                     "--concurrency", str(concurrency)]
        self.child = None
        self.logged_in, self.errors = 0, {}

    def __enter__(self):
        self.child = subprocess.Popen(self.argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.child.stdout.readline()
        if not line:
            self.child.wait()
            raise RuntimeError(f"idle clients exited {self.child.returncode} before logging in")
        result = json.loads(line)
        self.logged_in, self.errors = result["logged_in"], result["errors"]
        return self

    def __exit__(self, *exc):
        try:
            self.child.stdin.write("close\n")
            self.child.stdin.flush()
            self.child.stdout.readline()
            self.child.wait(30)
        except (OSError, subprocess.TimeoutExpired):
            self.child.kill()
            self.child.wait()
        return False


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--dbname", required=True)
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    asyncio.run(main(parser.parse_args()))
