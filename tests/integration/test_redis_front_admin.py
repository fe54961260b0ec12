"""Operating the Redis front: Prometheus metrics per Redis backend
(commands, errors by source, the latency histogram, shared and dedicated
connections, master waits, primary changes), `ctl pause`/`resume` of a
Redis backend (commands wait, then go on; a pause longer than
failover_timeout answers the proxy's error), and `ctl switchover` of a
Sentinel-followed backend: switchyard pauses, sends SENTINEL FAILOVER,
waits for the new master and resumes, and a writer sees no error."""
import threading
import time
import unittest

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import RedisServer, start_redis_group
from fixtures.resp_client import RespClient
from test_metrics import MetricsClient
from test_redis_front_failover import Writer


class RedisMetricsAndPauseTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self._own(RedisServer(self.workdir, "redis")).start()
        config = {
            "global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info", "metrics_bind": "127.0.0.1:0"},
            "listener": [{"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache"}],
            "backend": [{"name": "cache", "redis": {"failover_timeout": "1500ms"},
                         "server": [{"name": "r1", "address": self.server.address}]}],
        }
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("cache")
        self.metrics = MetricsClient(self.sy)

    def client(self):
        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=10)

    def value(self, name, **labels):
        return self.metrics.value(name, backend="cache", **labels)

    def test_commands_errors_latency_and_connections_are_counted(self):
        client = self.client()
        pipe = client.pipeline(transaction=False)
        for i in range(200):
            pipe.set(f"k{i}", i)
        pipe.execute()
        for i in range(50):
            self.assertEqual(client.get(f"k{i}"), str(i).encode())
        self.assertTrue(client.set("k-text", "abc"))
        with self.assertRaises(redis.ResponseError):
            client.incr("k-text")
        # PING is the proxy's own: not a backend command.
        self.assertTrue(client.ping())
        # 200 SET + 50 GET + SET k-text + INCR.
        self.assertEqual(self.value("switchyard_redis_commands_total"), 252)
        self.assertEqual(self.value("switchyard_redis_errors_total", source="server"), 1)
        self.assertEqual(self.value("switchyard_redis_errors_total", source="proxy"), 0)
        self.assertEqual(self.value("switchyard_redis_command_duration_seconds_count"), 252)
        self.assertEqual(self.value("switchyard_redis_command_duration_seconds_bucket", le="+Inf"), 252)
        total = self.value("switchyard_redis_command_duration_seconds_sum")
        self.assertGreater(total, 0)
        self.assertLess(total, 252 * 1.0)
        self.assertEqual(self.value("switchyard_redis_server_connections", mode="dedicated"), 0)
        self.assertGreaterEqual(self.value("switchyard_redis_server_connections", mode="shared"), 1)
        # A transaction holds a dedicated connection while it lasts.
        raw = RespClient(self.port)
        self.addCleanup(raw.close)
        self.assertEqual(raw.call("MULTI"), "OK")
        self.assertEqual(raw.call("INCR", "counter"), "QUEUED")
        self.assertEqual(self.value("switchyard_redis_server_connections", mode="dedicated"), 1)
        self.assertEqual(raw.call("EXEC"), [1])
        wait_for(lambda: self.value("switchyard_redis_server_connections", mode="dedicated") == 0, 5,
                 "the dedicated connection to close after EXEC")

    def test_a_paused_backend_holds_commands_until_resumed(self):
        client = self.client()
        self.assertTrue(client.set("before", "1"))
        out = self.sy.ctl_ok("pause", "cache")
        self.assertIn("redis backend cache paused; no command in flight", out)
        self.assertIn("paused (admin)", self.sy.log_text())
        results = {}

        def write():
            started = time.monotonic()
            results["reply"] = client.set("during", "2")
            results["waited"] = time.monotonic() - started
        thread = threading.Thread(target=write)
        thread.start()
        time.sleep(0.6)
        self.assertNotIn("reply", results, "a command ran while the backend was paused")
        self.assertIsNone(self.server.client().get("during"))
        self.assertIn("redis backend cache resumed", self.sy.ctl_ok("resume", "cache"))
        thread.join(5)
        self.assertIs(results.get("reply"), True)
        self.assertGreaterEqual(results["waited"], 0.5)
        self.assertEqual(self.server.client().get("during"), b"2")
        self.assertGreaterEqual(self.value("switchyard_redis_master_waits_total"), 1)

    def test_a_pause_longer_than_failover_timeout_answers_an_error_and_the_client_goes_on(self):
        client = self.client()
        self.sy.ctl_ok("pause", "cache")
        started = time.monotonic()
        with self.assertRaises(redis.ResponseError) as caught:
            client.set("late", "x")
        waited = time.monotonic() - started
        self.assertIn("switchyard: backend cache is paused", str(caught.exception))
        self.assertGreaterEqual(waited, 1.3)
        self.assertLess(waited, 5)
        self.assertEqual(self.value("switchyard_redis_errors_total", source="proxy"), 1)
        self.sy.ctl_ok("resume", "cache")
        self.assertTrue(client.set("late", "y"))
        self.assertEqual(self.server.client().get("late"), b"y")

    def test_pause_of_an_unknown_name_is_an_error(self):
        result = self.sy.ctl("pause", "nosuch")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no database \"nosuch\"", result.stdout + result.stderr)


class RedisSwitchoverTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master, replicas, self.sentinels = start_redis_group(self, replicas=1, sentinels=3)
        self.replica = replicas[0]
        config = {
            "global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info", "metrics_bind": "127.0.0.1:0"},
            "listener": [{"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache"}],
            "backend": [{"name": "cache", "connect_timeout": "500ms",
                         "redis": {"failover_timeout": "20s"},
                         "sentinel": {"master_name": "mymaster",
                                      "sentinels": [s.address for s in self.sentinels]},
                         "health_check": {"type": "redis", "interval": "200ms", "timeout": "150ms",
                                          "rise": 1, "fall": 2}}],
        }
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("cache")
        self.metrics = MetricsClient(self.sy)
        wait_for(lambda: self.primary() == self.master.address, 10, "the master to be the primary")

    def primary(self):
        rows = [row for row in self.sy.servers("cache") if row["role"] == "primary" and row["health"] == "up"]
        return rows[0]["server"] if len(rows) == 1 else None

    def test_switchover_asks_sentinel_and_the_writer_sees_no_error(self):
        self.assertEqual(self.metrics.value("switchyard_backend_primary_changes_total", backend="cache"), 0)
        writer = Writer(self.port)
        writer.start()
        self.addCleanup(writer.finish)
        wait_for(lambda: len(writer.replicated) >= 20, 10, "writes to flow")
        result = self.sy.ctl("switchover", "cache", timeout=40)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertIn("switchover of cache done in", result.stdout)
        self.assertIn(f"primary {self.master.address} -> {self.replica.address}", result.stdout)
        written = len(writer.acknowledged)
        # Each write waits up to 500 ms for a replica (WAIT 1) until the old
        # master has resynchronised as one: few writes a second for a while.
        wait_for(lambda: len(writer.acknowledged) >= written + 5, 20, "writes after the switchover")
        writer.finish()
        self.assertEqual(writer.errors, [])
        self.assertEqual(self.primary(), self.replica.address)
        self.assertEqual(self.replica.client().execute_command("ROLE")[0], b"master")
        new_master = self.replica.client()
        # Sentinel's FAILOVER does not wait for the replica: what a replica
        # confirmed (WAIT 1) is what must be there.
        missing = [n for n in writer.replicated if new_master.get(f"seq:{n}") is None]
        self.assertEqual(missing, [])
        self.assertEqual(self.metrics.value("switchyard_backend_primary_changes_total", backend="cache"), 1)
        self.assertIn("asking Sentinel to fail over", self.sy.log_text())

    def test_show_clusters_lists_redis_roles_and_replication_offsets(self):
        self.assertTrue(redis.Redis(host="127.0.0.1", port=self.port).set("k", "v" * 1000))

        def rows():
            found = {row["server"]: row for row in self.sy.ctl_json("show", "clusters") if row["cluster"] == "cache"}
            master, replica = found.get(self.master.address), found.get(self.replica.address)
            ok = (master and replica and master["role"] == "primary" and replica["role"] == "replica"
                  and isinstance(master["position"], int) and master["position"] > 1000
                  and replica["position"] == master["position"] and replica["lag_bytes"] == 0)
            return found if ok else None
        found = wait_for(rows, 10, "show clusters with both offsets equal past the write")
        offset = int(self.master.client().info("replication")["master_repl_offset"])
        self.assertLessEqual(found[self.master.address]["position"], offset)

    def test_switchover_with_a_target_is_refused_under_sentinel(self):
        result = self.sy.ctl("switchover", "cache", self.replica.address)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("Sentinel, which chooses the replica", result.stdout + result.stderr)


if __name__ == "__main__":
    unittest.main()
