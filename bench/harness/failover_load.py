# Application-like PostgreSQL clients for the failover suite: busy writers
# (one INSERT per transaction, short think time) and idle clients (one INSERT
# a second), each on its own connection in a thread, reconnecting after an
# error as an application would. Every attempt is recorded with its start and
# end time, so the suite can tell what failed in flight from what failed later.
import random
import threading
import time
from dataclasses import dataclass, field

import psycopg2

TABLE = "failover_writes"
CREATE_TABLE = f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, run int NOT NULL, client int NOT NULL)"


@dataclass
class Attempt:
    kind: str        # "write" (an INSERT) or "connect"
    started: float   # time.monotonic()
    ended: float
    ok: bool
    id: int = 0      # the row's id (writes)
    port: int = 0    # inet_server_port() of the server that committed it (acknowledged writes)
    error: str = ""  # first line of the error, with its SQLSTATE when there is one


@dataclass
class Client:
    number: int
    role: str        # "busy" or "idle"
    attempts: list = field(default_factory=list)

    def acks(self):
        return [a for a in self.attempts if a.kind == "write" and a.ok]

    def failures(self, kind):
        return [a for a in self.attempts if a.kind == kind and not a.ok]


def _describe(error):
    # libpq's multi-host errors have a line per host tried
    text = " / ".join(line.strip() for line in str(error).strip().splitlines() if line.strip())[:300]
    text = text or type(error).__name__
    code = getattr(error, "pgcode", None)
    return f"{code}: {text}" if code else text


class Load:
    """BUSY writer threads and IDLE clients against DSN until stop(). RUN goes into each row;
    ids are unique over runs (run * 10^9 + client * 10^7 + sequence)."""

    def __init__(self, dsn, run, busy, idle, think_s=0.01, idle_period_s=1.0, retry_delay_s=0.05):
        self.dsn, self.run = dsn, run
        self.think_s, self.idle_period_s, self.retry_delay_s = think_s, idle_period_s, retry_delay_s
        self.clients = [Client(i, "busy") for i in range(busy)] + [Client(busy + i, "idle") for i in range(idle)]
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(c,), daemon=True) for c in self.clients]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self, timeout=60.0):
        self.stopping.set()
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        stuck = sum(t.is_alive() for t in self.threads)
        if stuck:
            raise RuntimeError(f"{stuck} client thread(s) still blocked {timeout:.0f}s after stop")

    def _pause(self, seconds):
        self.stopping.wait(seconds)

    def _loop(self, client):
        conn = None
        sequence = 0
        base = self.run * 10**9 + client.number * 10**7
        if client.role == "idle":  # spread the idle clients' queries over the period
            self._pause(random.uniform(0, self.idle_period_s))
        while not self.stopping.is_set():
            if conn is None:
                started = time.monotonic()
                try:
                    conn = psycopg2.connect(self.dsn)
                    conn.autocommit = True
                    client.attempts.append(Attempt("connect", started, time.monotonic(), True))
                except psycopg2.Error as error:
                    client.attempts.append(Attempt("connect", started, time.monotonic(), False,
                                                   error=_describe(error)))
                    conn = None
                    self._pause(self.retry_delay_s)
                    continue
            sequence += 1
            row_id = base + sequence
            started = time.monotonic()
            try:
                with conn.cursor() as cur:
                    cur.execute(f"INSERT INTO {TABLE} (id, run, client) VALUES (%s, %s, %s) "
                                "RETURNING inet_server_port()", (row_id, self.run, client.number))
                    port = cur.fetchone()[0]
                client.attempts.append(Attempt("write", started, time.monotonic(), True, row_id, port))
            except psycopg2.Error as error:
                client.attempts.append(Attempt("write", started, time.monotonic(), False, row_id,
                                               error=_describe(error)))
                if conn.closed:  # the connection is gone: the next attempt opens a new one
                    conn = None
                self._pause(self.retry_delay_s)
                continue
            if client.role == "busy":
                self._pause(self.think_s)
            else:
                self._pause(max(0.0, self.idle_period_s - (time.monotonic() - started)))
        if conn is not None:
            conn.close()
