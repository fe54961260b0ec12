"""Health: active TCP checks with rise/fall, passive marking from failed
connects, and connect timeouts that move a client on to the next server.
Times come from the log's timestamps, not from polling, so they are exact
to the millisecond whatever the test's own overhead."""
import collections
import time
import unittest

from fixtures import (FAILED, FAST_CHECKS, NO_CHECKS, IntegrationTest, connect, hello_name, hello_names,
                      log_line_time, server, tcp_config, wait_for, wait_for_eof)

INTERVAL = 0.2  # FAST_CHECKS
RISE = FAST_CHECKS["rise"]
FALL = FAST_CHECKS["fall"]
JITTER = 1.1  # checks are spread +-10% around the interval
SLACK = 1.0   # a loaded 2-core machine; still far below what a broken checker takes


class ActiveCheckTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.a1, self.a2 = self.start_backends("a1", "a2")
        self.sy = self.start_switchyard(tcp_config([self.a1, self.a2], workers=2, health=FAST_CHECKS, retries=2))
        self.port = self.sy.port()
        self.assertEqual(set(hello_names(self.port, 10)), {"a1", "a2"})

    def kill_a1_and_wait_down(self):
        """Kills a1 while clients keep connecting; returns (seconds to DOWN, client outcomes)."""
        mark = self.sy.log_mark()
        killed_at = time.time()
        self.a1.kill()
        outcomes = collections.Counter()
        deadline = time.monotonic() + FALL * INTERVAL * JITTER + SLACK + 3
        while time.monotonic() < deadline and not self.sy.find_log(r"server app/a1 DOWN", mark):
            outcomes[hello_name(self.port)] += 1
        line = self.sy.wait_for_log(r"server app/a1 DOWN", timeout=1, after=mark)
        self.assertIn("connection refused (2/2)", line)
        return log_line_time(line) - killed_at, outcomes

    def test_killed_server_is_down_within_fall_checks_and_clients_never_fail(self):
        took, outcomes = self.kill_a1_and_wait_down()
        self.assertLessEqual(took, FALL * INTERVAL * JITTER + SLACK, f"DOWN {took:.3f}s after the kill")
        self.assertEqual(outcomes[FAILED], 0, f"clients failed while a1 was dying: {outcomes}")
        row = self.sy.server("app", "a1")
        self.assertEqual(row["health"], "down")
        self.assertIn("connection refused", row["health_reason"])

        # Once DOWN, a1 is not even tried: its counters stand still.
        before = self.sy.server("app", "a1")
        counts = hello_names(self.port, 40)
        self.assertEqual(counts, collections.Counter({"a2": 40}))
        after = self.sy.server("app", "a1")
        self.assertEqual((after["total"], after["connect_failures"]), (before["total"], before["connect_failures"]))

    def test_restarted_server_is_up_after_rise_checks_and_gets_connections_again(self):
        self.kill_a1_and_wait_down()
        mark = self.sy.log_mark()
        self.a1.start()
        listening_at = time.time()
        line = self.sy.wait_for_log(r"server app/a1 UP", timeout=RISE * INTERVAL * JITTER + SLACK + 3, after=mark)
        took = log_line_time(line) - listening_at
        self.assertIn("(2/2)", line)
        # Two passing checks an interval apart: not on the first one, not much later than the second.
        self.assertGreaterEqual(took, (RISE - 1) * INTERVAL * 0.9 - 0.08, f"UP {took:.3f}s after restart")
        self.assertLessEqual(took, RISE * INTERVAL * JITTER + SLACK, f"UP {took:.3f}s after restart")
        wait_for(lambda: self.sy.server("app", "a1")["health"] == "up", 2, "show servers to say a1 is up")
        counts = hello_names(self.port, 20)
        self.assertNotIn(FAILED, counts)
        self.assertGreaterEqual(counts["a1"], 5, counts)


class CheckTimeoutTest(IntegrationTest):
    def test_server_that_never_answers_is_down_by_check_timeouts(self):
        hole = self.blackhole()
        a2 = self.start_backend("a2")
        sy = self.start_switchyard(tcp_config([server("hole", hole.address), server("a2", a2.address)],
                                              health=FAST_CHECKS))
        line = sy.wait_for_log(r"server app/hole DOWN", timeout=FALL * (INTERVAL + 0.1) * JITTER + SLACK + 3)
        self.assertIn("timeout after 100ms (2/2)", line)
        self.assertEqual(sy.server("app", "a2")["health"], "up")
        self.assertEqual(hello_names(sy.port(), 10), collections.Counter({"a2": 10}))


class NoServerTest(IntegrationTest):
    def test_client_is_closed_at_once_when_every_server_is_down(self):
        a1, a2 = self.start_backends("a1", "a2")
        sy = self.start_switchyard(tcp_config([a1, a2], workers=2, health=FAST_CHECKS))
        a1.kill()
        a2.kill()
        sy.wait_health("app", "a1", "down", 5)
        sy.wait_health("app", "a2", "down", 5)
        mark = sy.log_mark()
        with connect(sy.port()) as sock:
            took, received = wait_for_eof(sock, timeout=5)
        self.assertEqual(received, b"")
        self.assertLess(took, 1.0, "a client with no server to go to was kept waiting")
        sy.wait_for_log(r"listener web: no server available in backend app", timeout=2, after=mark)


class PassiveMarkingTest(IntegrationTest):
    def test_failed_connects_from_traffic_mark_a_server_down_before_any_check(self):
        a1, a2 = self.start_backends("a1", "a2")
        # A minute between checks and fall 3: only traffic can mark a1 down here.
        health = {"type": "tcp", "interval": "60s", "timeout": "1s", "rise": 2, "fall": 3, "passive_fall": 3}
        sy = self.start_switchyard(tcp_config([a1, a2], workers=1, health=health, retries=2))
        port = sy.port()
        self.assertEqual(hello_names(port, 4), collections.Counter({"a1": 2, "a2": 2}))

        mark = sy.log_mark()
        a1.kill()
        counts = hello_names(port, 20)
        self.assertEqual(counts, collections.Counter({"a2": 20}), "every client must be retried onto a2")
        line = sy.wait_for_log(r"server app/a1 DOWN", timeout=2, after=mark)
        self.assertIn("3 consecutive connection failures from traffic", line)
        row = sy.server("app", "a1")
        self.assertEqual(row["health"], "down")
        self.assertGreaterEqual(row["connect_failures"], 3)

        counts = hello_names(port, 20)
        self.assertEqual(counts, collections.Counter({"a2": 20}))
        self.assertEqual(sy.server("app", "a1")["total"], row["total"], "a DOWN server was still tried")


class ConnectTimeoutTest(IntegrationTest):
    def test_connect_timeout_moves_the_client_to_the_next_server(self):
        hole = self.blackhole()
        self.assertTrue(hole.connect_hangs(0.3), "the blackhole answers connects; the test would prove nothing")
        a2 = self.start_backend("a2")
        # Round robin on one worker picks the first server first: the blackhole.
        sy = self.start_switchyard(tcp_config([server("hole", hole.address), server("a2", a2.address)], workers=1,
                                              health=NO_CHECKS, connect_timeout="500ms", retries=1))
        started = time.monotonic()
        name = hello_name(sy.port(), timeout=10)
        took = time.monotonic() - started
        self.assertEqual(name, "a2")
        self.assertGreaterEqual(took, 0.45, "answered before the connect timeout: was the blackhole really tried?")
        self.assertLessEqual(took, 0.5 + SLACK + 1.0)
        row = sy.server("app", "hole")
        self.assertEqual((row["total"], row["connect_failures"], row["active"]), (1, 1, 0))

    def test_client_is_closed_when_every_server_times_out(self):
        hole = self.blackhole()
        sy = self.start_switchyard(tcp_config([server("hole", hole.address)], workers=1, health=NO_CHECKS,
                                              connect_timeout="300ms", retries=0))
        with connect(sy.port(), timeout=10) as sock:
            took, received = wait_for_eof(sock, timeout=5)
        self.assertEqual(received, b"")
        self.assertGreaterEqual(took, 0.25)
        self.assertLessEqual(took, 0.3 + SLACK + 1.0)
        self.assertIsNotNone(sy.find_log(r"connect to backend app failed 1 times"))


if __name__ == "__main__":
    unittest.main()
