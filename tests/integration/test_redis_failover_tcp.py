"""Sentinel following wired to a backend: a master, a replica and three real
Sentinels; a tcp listener with target = "primary" in front of a backend that
has [backend.sentinel] and no [[backend.server]]. The servers come from the
Sentinels (named ip:port), writes reach the master, and after a planned
SENTINEL FAILOVER the connection to the old master is closed and new
writes reach the new master within seconds."""
import time
import unittest

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import start_redis_group


class SentinelBackendTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master, replicas, self.sentinels = start_redis_group(self, replicas=1, sentinels=3)
        self.replica = replicas[0]
        config = {
            "global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info"},
            "listener": [{"name": "redis", "bind": "127.0.0.1:0", "protocol": "tcp", "backend": "cache",
                          "target": "primary"}],
            "backend": [{"name": "cache", "connect_timeout": "1s",
                         "sentinel": {"master_name": "mymaster",
                                      "sentinels": [s.address for s in self.sentinels]},
                         "health_check": {"type": "redis", "interval": "200ms", "timeout": "150ms",
                                          "rise": 1, "fall": 2}}],
        }
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("redis")

    def primary_address(self):
        rows = self.sy.servers("cache")
        primaries = [row["server"] for row in rows if row["role"] == "primary" and row["health"] == "up"]
        return primaries[0] if len(primaries) == 1 else None

    def test_servers_come_from_the_sentinels_and_writes_follow_the_master_through_a_failover(self):
        wait_for(lambda: self.primary_address() == self.master.address, 10, "the master to be the primary")
        self.assertEqual(sorted(row["server"] for row in self.sy.servers("cache")),
                         sorted([self.master.address, self.replica.address]))
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)
        self.assertTrue(client.set("before", "1"))
        self.assertEqual(self.master.client().get("before"), b"1")

        mark = self.sy.log_mark()
        self.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", "mymaster")
        wait_for(lambda: self.primary_address() == self.replica.address, 20, "the replica to become the primary")
        self.sy.wait_for_log(r"backend cache: Sentinel: master " + self.replica.address.replace(".", r"\."), 5,
                             after=mark)
        # The connection to the demoted master was closed; a retry reaches the new master.
        deadline = time.monotonic() + 10
        while True:
            try:
                client.set("after", "2")
                break
            except (redis.ConnectionError, redis.ResponseError, redis.TimeoutError):
                self.assertLess(time.monotonic(), deadline, "writes did not reach the new master")
                time.sleep(0.05)
        self.assertEqual(self.replica.client().get("after"), b"2")
        self.assertEqual(self.replica.role(), "master")


if __name__ == "__main__":
    unittest.main()
