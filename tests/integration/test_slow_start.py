"""Slow start: a server that comes back — its checks pass again after it
was down, or the operator sets it ready after drain — gets a share of new
connections that grows over the `slow_start` window instead of jumping to its
full share. Measured through a tcp listener with round robin over two equal
servers: a steady, bounded stream of connections, counted per time window
after the return (times from the log's timestamps)."""
import collections
import time
import unittest

from fixtures import FAILED, FAST_CHECKS, IntegrationTest, hello_name, log_line_time, tcp_config, wait_for

WINDOW = 4.0        # slow_start
PACE = 0.01         # seconds between two client connections
MAX_CONNECTIONS = 1500
# Each window second, the returning server's expected share of connections
# (weights ramp 5 -> 100 against the other server's 100): ~0.12, ~0.27,
# ~0.38, ~0.46, then 0.5. The bounds leave room for a loaded machine.
FIRST_SECOND_AT_MOST = 0.25
LAST_SECOND_AT_LEAST = 0.33


class SlowStartTest(IntegrationTest):
    def start(self, slow_start):
        self.a1, self.a2 = self.start_backends("a1", "a2")
        self.sy = self.start_switchyard(tcp_config([self.a1, self.a2], workers=1, health=FAST_CHECKS,
                                                   backend={"slow_start": slow_start}))
        self.port = self.sy.port()

    def shares_after(self, returned_at, until):
        """Connects every PACE seconds until `until` seconds after `returned_at`
        (epoch seconds); returns {second after the return: Counter of names}."""
        buckets = collections.defaultdict(collections.Counter)
        for _ in range(MAX_CONNECTIONS):
            elapsed = time.time() - returned_at
            if elapsed >= until:
                break
            buckets[int(elapsed)][hello_name(self.port)] += 1
            time.sleep(PACE)
        return buckets

    @staticmethod
    def share(counts, name="a1"):
        total = sum(counts.values())
        return counts[name] / total if total else 0.0

    def check_ramp(self, buckets):
        failed = sum(counts[FAILED] for counts in buckets.values())
        self.assertEqual(failed, 0, f"client connections failed: {dict(buckets)}")
        shares = {second: round(self.share(buckets[second]), 3) for second in sorted(buckets)}
        for second in range(int(WINDOW) + 1):
            self.assertGreaterEqual(sum(buckets[second].values()), 20, f"too few connections in second {second}: "
                                    f"{dict(buckets)}")
        self.assertLessEqual(shares[0], FIRST_SECOND_AT_MOST, f"a1 got too much at once; shares per second {shares}")
        self.assertGreater(shares[0], 0, f"a1 got nothing in its first second; shares {shares}")
        self.assertGreaterEqual(shares[int(WINDOW) - 1], LAST_SECOND_AT_LEAST, f"a1's share did not grow: {shares}")
        self.assertLess(shares[0], shares[1], f"no growth from second 0 to 1: {shares}")
        self.assertLess(shares[1], shares[int(WINDOW) - 1], f"no growth from second 1 to 3: {shares}")
        self.assertAlmostEqual(shares[int(WINDOW)], 0.5, delta=0.1, msg=f"after the window: {shares}")

    def test_a_server_back_from_down_ramps_up_over_the_window(self):
        self.start("4s")
        self.a1.kill()
        self.sy.wait_health("app", "a1", "down", timeout=10)
        mark = self.sy.log_mark()
        self.a1.start()
        up = self.sy.wait_for_log(r"server app/a1 UP", timeout=10, after=mark)
        returned_at = log_line_time(up)
        self.assertIsNotNone(self.sy.find_log(r"server app/a1 slow start: weight ramps up to 100 over 4s", mark))

        weights = []
        buckets = collections.defaultdict(collections.Counter)
        for second, counts in self.shares_after(returned_at, 2.0).items():
            buckets[second] += counts
        weights.append(self.sy.server("app", "a1")["weight"])  # about 2s in: near half
        for second, counts in self.shares_after(returned_at, WINDOW + 1.0).items():
            buckets[second] += counts
        self.check_ramp(buckets)
        self.assertTrue(30 <= weights[0] <= 80, f"show servers weight of a1 2s into a 4s ramp: {weights[0]}")
        line = self.sy.wait_for_log(r"server app/a1 slow start done", timeout=3, after=mark)
        self.assertLessEqual(log_line_time(line) - returned_at, WINDOW + 1.0)
        self.assertEqual(self.sy.server("app", "a1")["weight"], 100)

    def test_ready_after_drain_ramps_up_too(self):
        self.start("4s")
        self.sy.ctl_ok("drain", "app/a1")
        mark = self.sy.log_mark()
        self.sy.ctl_ok("ready", "app/a1")
        line = self.sy.wait_for_log(r"server app/a1 drain -> ready", timeout=3, after=mark)
        self.assertIsNotNone(self.sy.find_log(r"server app/a1 slow start: weight ramps up", mark))
        self.check_ramp(self.shares_after(log_line_time(line), WINDOW + 1.0))

    def test_without_slow_start_a_returning_server_gets_its_full_share_at_once(self):
        self.start("0")
        self.a1.kill()
        self.sy.wait_health("app", "a1", "down", timeout=10)
        mark = self.sy.log_mark()
        self.a1.start()
        up = self.sy.wait_for_log(r"server app/a1 UP", timeout=10, after=mark)
        buckets = self.shares_after(log_line_time(up), 1.0)
        self.assertAlmostEqual(self.share(buckets[0]), 0.5, delta=0.1, msg=f"first second: {dict(buckets)}")
        self.assertIsNone(self.sy.find_log(r"slow start", mark))


if __name__ == "__main__":
    unittest.main()
