"""Reads from replicas on a redis listener (`[listener.redis] read_from`):
a real master and two real replicas with `type = "redis"` role checks.
Read-only commands go to the replicas (counted on the servers themselves
with INFO commandstats) and come back right and in order; writes,
transactions and everything else go to the master; a replica further
behind than max_replica_lag_bytes (its replication stream held by a
forwarder the test stalls) gets no reads until it catches up; with none
left, `read_from = "replica"` answers the proxy's error and
`prefer_replica` reads from the master."""
import socket
import threading
import unittest

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import RedisServer
from test_metrics import MetricsClient


class StallableForwarder:
    """Relays TCP to `port`; while stalled it stops passing the server's
    bytes to the client (a replica's replication stream stops coming)."""

    def __init__(self, port):
        self.target = port
        self.go = threading.Event()
        self.go.set()
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.sockets = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def stall(self):
        self.go.clear()

    def resume(self):
        self.go.set()

    def close(self):
        self.go.set()
        for sock in self.sockets:
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target))
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, source, sink, stallable):
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if stallable:
                    self.go.wait()
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def gets_on(server):
    stats = server.client().info("commandstats")
    return stats.get("cmdstat_get", {}).get("calls", 0)


class RedisReplicaReadsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master = self._own(RedisServer(self.workdir, "redis-master")).start()
        self.near = self._own(RedisServer(self.workdir, "redis-near", replica_of=self.master)).start()
        self.forwarder = StallableForwarder(self.master.port)
        self.addCleanup(self.forwarder.close)
        self.far = self._own(RedisServer(self.workdir, "redis-far",
                                         extra=[f"replicaof 127.0.0.1 {self.forwarder.port}"])).start()
        wait_for(lambda: self.far.client().info("replication").get("master_link_status") == "up", 10,
                 "the far replica to sync through the forwarder")
        redis_listener = {"max_replica_lag_bytes": "4KiB", "max_replica_lag": "0"}
        config = {
            "global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info", "metrics_bind": "127.0.0.1:0"},
            "listener": [
                {"name": "reads", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache",
                 "redis": dict(redis_listener, read_from="prefer_replica")},
                {"name": "strict", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache",
                 "redis": dict(redis_listener, read_from="replica")},
            ],
            "backend": [{"name": "cache",
                         "health_check": {"type": "redis", "interval": "200ms", "timeout": "150ms",
                                          "rise": 1, "fall": 2},
                         "server": [{"name": "master", "address": self.master.address},
                                    {"name": "near", "address": self.near.address},
                                    {"name": "far", "address": self.far.address}]}],
        }
        self.sy = self.start_switchyard(config)
        self.metrics = MetricsClient(self.sy)
        wait_for(lambda: {row["server"]: row["role"] for row in self.sy.servers("cache")} ==
                 {"master": "primary", "near": "replica", "far": "replica"}, 10, "the roles")

    def client(self, listener="reads"):
        return redis.Redis(host="127.0.0.1", port=self.sy.port(listener), socket_timeout=10)

    def lag(self, name):
        rows = {row["server"]: row for row in self.sy.ctl_json("show", "clusters") if row["cluster"] == "cache"}
        return rows[name]["lag_bytes"]

    def replicated(self):
        self.assertEqual(self.master.client().execute_command("WAIT", 2, 5000), 2)
        wait_for(lambda: self.lag("near") == 0 and self.lag("far") == 0, 10, "no lag on either replica")

    def reset_stats(self, servers=None):
        for server in servers or (self.master, self.near, self.far):
            server.client().config_resetstat()

    def test_reads_go_to_the_replicas_in_order_and_writes_to_the_master(self):
        direct = self.master.client()
        pipe = direct.pipeline(transaction=False)
        for i in range(1000):
            pipe.set(f"k{i}", f"v{i}")
        pipe.execute()
        direct.execute_command("SELECT", 3)
        direct.set("in-db-3", "three")
        self.replicated()
        self.reset_stats()
        client = self.client()
        # A pipeline of 1000 reads: every reply right, in order.
        pipe = client.pipeline(transaction=False)
        for i in range(1000):
            pipe.get(f"k{i}")
        self.assertEqual(pipe.execute(), [f"v{i}".encode() for i in range(1000)])
        # Many clients, each a few reads: both replicas take some.
        others = [self.client() for _ in range(8)]
        for n, other in enumerate(others):
            for i in range(10):
                self.assertEqual(other.get(f"k{n * 10 + i}"), f"v{n * 10 + i}".encode())
        # SELECT is honoured on a replica's connection too.
        db3 = self.client()
        db3.execute_command("SELECT", 3)
        self.assertEqual(db3.get("in-db-3"), b"three")
        self.assertIsNone(db3.get("k1"))
        reads = 1000 + 80 + 2
        self.assertEqual(gets_on(self.master), 0)
        self.assertEqual(gets_on(self.near) + gets_on(self.far), reads)
        self.assertGreater(gets_on(self.near), 0)
        self.assertGreater(gets_on(self.far), 0)
        self.assertEqual(self.metrics.value("switchyard_redis_replica_reads_total", backend="cache"), reads)
        # Writes, and reads inside MULTI, go to the master.
        self.assertTrue(client.set("written", "yes"))
        self.assertTrue(direct.execute_command("SELECT", 0))
        self.assertEqual(direct.get("written"), b"yes")
        transaction = client.pipeline(transaction=True)
        transaction.get("k1").incr("counter")
        self.assertEqual(transaction.execute(), [b"v1", 1])
        self.assertEqual(gets_on(self.master), 2)  # the GET in MULTI and the check just above

    def test_a_replica_behind_the_lag_limit_gets_no_reads_until_it_catches_up(self):
        self.replicated()
        self.forwarder.stall()
        direct = self.master.client()
        for i in range(20):
            direct.set(f"big{i}", "x" * 1000)
        wait_for(lambda: self.lag("far") > 4096, 10, "the far replica to lag by more than 4KiB")
        self.assertEqual(self.lag("near"), 0)
        self.reset_stats()
        clients = [self.client() for _ in range(10)] + [self.client("strict") for _ in range(10)]
        for client in clients:
            for i in range(5):
                self.assertEqual(client.get(f"big{i}"), b"x" * 1000)
        self.assertEqual(gets_on(self.far), 0)
        self.assertEqual(gets_on(self.near), 100)
        self.assertEqual(gets_on(self.master), 0)
        # With the near replica gone as well, none qualifies.
        self.near.kill()
        wait_for(lambda: self.sy.server("cache", "near")["health"] == "down", 10, "the near replica to be down")
        strict = self.client("strict")
        with self.assertRaises(redis.ResponseError) as raised:
            strict.get("big1")
        self.assertEqual(str(raised.exception), "switchyard: no replica within the lag limits for backend cache")
        self.assertTrue(strict.ping())  # the connection stays
        self.assertEqual(self.client().get("big1"), b"x" * 1000)  # prefer_replica: from the master
        self.assertEqual(gets_on(self.master), 1)
        # Caught up: the far replica takes reads again.
        self.forwarder.resume()
        wait_for(lambda: self.lag("far") == 0, 10, "the far replica to catch up")
        self.reset_stats([self.master, self.far])
        self.assertEqual(strict.get("big2"), b"x" * 1000)
        self.assertEqual(gets_on(self.far), 1)


if __name__ == "__main__":
    unittest.main()
