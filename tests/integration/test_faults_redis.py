"""Faults between the Redis front and a real redis-server (behind a fault
forwarder), each with a reload while it lasts: a server that hangs on the
shared connection or accepts a new one and never answers (the command gets
-ERR once the health checks take the server down, the client connection
stays and works again when the server does), one reset in the middle of a
reply (-ERR, the connection usable), one that trickles a reply (it arrives
whole); a client that stops reading 200 MB of replies (proxy RSS bounded,
disconnected at max_output). What the server acknowledged before a fault is
there after it, and the process serves a good command right after.
(test_redis_front.py has a killed server, bad RESP and the max_output cut.)"""
import time
import unittest

from fixtures import IntegrationTest, RssSampler, wait_for
from fixtures.fault_servers import FaultForwarder, ReloadDuringFault
from fixtures.redis import RedisServer
from fixtures.resp_client import RespClient

SLACK = 1.5
# Role checks fast enough that a hung server is DOWN within ~0.5 s.
REDIS_CHECKS = {"type": "redis", "interval": "200ms", "timeout": "150ms", "rise": 1, "fall": 2}
RSS_GROWTH_LIMIT_KB = 32 * 1024  # a sixth of the 200 MB of replies; see test_faults_http.py
LOST = ("error", "ERR switchyard: connection to the server was lost")


def fault_config(faulty, real, health=None):
    """Listener "cache" -> backend "cache" (the faulty server); "direct" -> backend "direct" (the real one)."""
    return {
        "global": {"workers": 1, "shutdown_timeout": "2s", "log_level": "info"},
        "listener": [
            {"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache",
             "redis": {"max_output": "1MiB"}},
            {"name": "direct", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "direct"},
        ],
        "backend": [
            {"name": "cache", "connect_timeout": "500ms", "health_check": dict(health or {"type": "none"}),
             "redis": {"failover_timeout": "3s"}, "server": [{"name": "faulty", "address": faulty.address}]},
            {"name": "direct", "health_check": {"type": "none"}, "server": [{"name": "r1", "address": real.address}]},
        ],
    }


class RedisServerFaultTest(ReloadDuringFault, IntegrationTest):
    def setUp(self):
        super().setUp()
        self.redis = self._own(RedisServer(self.workdir, "redis")).start()
        self.faulty = self._own(FaultForwarder(self.redis.address))

    def start(self, health=None):
        self.sy = self.start_switchyard(fault_config(self.faulty, self.redis, health))
        self.port = self.sy.port("cache")

    def raw(self, port=None, timeout=15.0):
        client = RespClient(port or self.port, timeout=timeout)
        self.addCleanup(client.close)
        return client

    def assert_still_serves(self, client, acknowledged):
        """The direct listener answers; once healed, `client` (which went through the fault) reads every
        acknowledged key back."""
        self.assertTrue(self.sy.running())
        self.assertEqual(self.raw(self.sy.port("direct")).call("ECHO", "direct ok"), b"direct ok")
        self.faulty.heal()
        for key, value in acknowledged.items():
            self.assertEqual(wait_for(lambda: client.call("GET", key), 10, f"GET {key} after the fault"), value)

    def test_a_server_that_hangs_mid_session_fails_the_command_in_flight_once_it_is_down(self):
        self.start(REDIS_CHECKS)
        self.sy.wait_health("cache", "faulty", "up", 5)
        client = self.raw()
        self.assertEqual(client.call("SET", "k1", "v1"), "OK")  # acknowledged
        self.faulty.arm("stall")
        started = time.monotonic()
        client.send("SET", "k2", "fate unknown")
        self.reload_during_fault("ctl")
        self.assertEqual(client.read(), LOST)
        self.assertLess(time.monotonic() - started, 1.0 + SLACK, "the hung server's command outlived its checks")
        self.assertEqual(self.sy.server("cache", "faulty")["health"], "down")
        self.assert_still_serves(client, {"k1": b"v1"})

    def test_a_server_that_accepts_and_never_answers_fails_the_command_once_it_is_down(self):
        self.start(REDIS_CHECKS)
        self.sy.wait_health("cache", "faulty", "up", 5)
        self.redis.client().set("k0", "v0")
        self.faulty.arm("stall")
        client = self.raw()
        started = time.monotonic()
        client.send("GET", "k0")  # the first command: a new shared connection, accepted, never answered
        self.reload_during_fault("sighup")
        reply = client.read()
        self.assertIn(reply, (LOST, ("error", "ERR switchyard: no master available for backend cache")))
        self.assertLess(time.monotonic() - started, 3.0 + SLACK)
        self.assertGreaterEqual(self.faulty.unanswered, 1)
        self.assert_still_serves(client, {"k0": b"v0"})

    def test_a_reset_mid_reply_gives_an_error_and_the_connection_stays_usable(self):
        self.start()
        big = b"r" * 100_000
        self.redis.client().set("big", big)
        client = self.raw()
        self.assertEqual(client.call("SET", "k1", "v1"), "OK")
        self.faulty.arm("reset", after=1000)
        started = time.monotonic()
        self.assertEqual(client.call("GET", "big"), LOST)
        self.assertLess(time.monotonic() - started, SLACK)
        self.assertEqual(self.faulty.resets, 1)
        self.reload_during_fault("ctl")
        self.assert_still_serves(client, {"k1": b"v1", "big": big})

    def test_a_trickling_server_delivers_the_whole_reply(self):
        self.start()
        client = self.raw()
        self.assertEqual(client.call("SET", "k1", "slow but whole"), "OK")
        self.faulty.arm("trickle", interval=0.03)
        started = time.monotonic()
        client.send("GET", "k1")
        self.reload_during_fault("sighup")
        self.assertEqual(client.read(), b"slow but whole")
        self.assertGreater(time.monotonic() - started, 0.5, "the reply was not trickled (the test proves nothing)")
        self.assert_still_serves(client, {"k1": b"slow but whole"})

    def test_a_client_that_stops_reading_keeps_proxy_memory_bounded_and_is_cut_at_max_output(self):
        self.start()
        self.redis.client().set("blob", b"x" * (256 * 1024))
        reader = self.raw()
        self.assertEqual(reader.call("SET", "k1", "v1"), "OK")
        mark = self.sy.log_mark()
        start_kb = self.sy.rss_kb()
        slow = self.raw()
        with RssSampler(self.sy.rss_kb, interval=0.01) as rss:
            for _ in range(80):
                slow.send_raw(b"GET blob\r\n" * 10)  # 800 x 256 KiB = 200 MiB of replies, none read
            self.reload_during_fault("ctl")
            self.sy.wait_for_log(r"redis client .*disconnected: \d+ reply bytes unread, above max_output", 10,
                                 after=mark)
        self.assertTrue(slow.closed_by_peer(10))
        growth = rss.peak_kb - start_kb
        self.assertGreaterEqual(len(rss.samples), 3)
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB, f"proxy RSS grew by {growth} KiB for a client that reads nothing")
        self.assert_still_serves(reader, {"k1": b"v1"})


if __name__ == "__main__":
    unittest.main()
