"""Passive outlier ejection: a server answering 5xx (or breaking exchanges)
N times in a row is ejected for a while, logged once with its reason, gets no
requests, and returns by itself; the back-off grows when it fails again; the
cap keeps the last server of a backend in."""
import time
import unittest

from fixtures import IntegrationTest, http_config, wait_for
from fixtures.http_client import Connection, get


class OutlierEjectionTest(IntegrationTest):
    def test_server_failing_in_a_row_is_ejected_then_returns(self):
        good = self.start_http_backend("good")
        bad = self.start_http_backend("bad")
        sy = self.start_switchyard(http_config(
            [good, bad], outlier={"consecutive_failures": 3, "base_ejection_time": "2s", "max_ejection_time": "10s"}))
        port = sy.port()
        # Round robin: every other request goes to "bad", which drops it; the
        # GETs are retried on "good", so clients see no failure at all.
        statuses = [get(port, "/fail-on/bad").status for _ in range(6)]
        self.assertEqual(statuses, [200] * 6)
        line = sy.wait_for_log(r"server app/bad EJECTED for 2s: 3 consecutive failed requests", timeout=5)
        self.assertIn("(ejection 1 in a row)", line)
        self.assertGreater(sy.server("app", "bad")["ejected_for_s"], 0)
        self.assertEqual(sy.server("app", "bad")["health"], "up", "ejection is not a health change")
        bad.reset_counts()
        # While ejected: everything goes to "good", and nothing fails.
        statuses = [get(port, "/fail-on/bad").status for _ in range(8)]
        self.assertEqual(statuses, [200] * 8)
        self.assertEqual(bad.request_count(), 0)
        sy.wait_for_log(r"server app/bad back from ejection", timeout=5)
        self.assertEqual(sy.server("app", "bad")["ejected_for_s"], 0)
        # Back: it gets requests again (and, still failing, is ejected for twice as long).
        for _ in range(6):
            get(port, "/fail-on/bad")
        sy.wait_for_log(r"server app/bad EJECTED for 4s: .*\(ejection 2 in a row\)", timeout=5)
        self.assertEqual(len(sy.log_text().split("EJECTED")) - 1, 2, "each ejection is logged once")

    def test_only_failures_in_a_row_count(self):
        good = self.start_http_backend("good")
        flaky = self.start_http_backend("flaky")
        sy = self.start_switchyard(http_config([good, flaky], outlier={"consecutive_failures": 3}))
        port = sy.port()

        def pair(target):
            # Round robin sends one of two POSTs (never retried) to each server.
            with Connection(port) as connection:
                return [connection.request("POST", target, body=b"x").status for _ in range(2)]

        # flaky: fails, fails, answers, fails, fails: never three in a row.
        for target in ("/fail-on/flaky", "/fail-on/flaky", "/", "/fail-on/flaky", "/fail-on/flaky"):
            pair(target)
        self.assertEqual(pair("/status/200"), [200, 200])
        self.assertIsNone(sy.find_log("EJECTED"))
        for _ in range(2):
            pair("/fail-on/flaky")
        self.assertIsNone(sy.find_log("EJECTED"))
        self.assertEqual(sorted(pair("/status/500")), [500, 500])  # the third in a row: a 5xx counts too
        sy.wait_for_log(r"server app/flaky EJECTED", timeout=5)
        self.assertIsNone(sy.find_log("app/good EJECTED"))

    def test_the_last_server_is_never_ejected(self):
        only = self.start_http_backend("only")
        sy = self.start_switchyard(http_config([only], outlier={"consecutive_failures": 2}))
        for _ in range(4):
            self.assertEqual(get(sy.port(), "/status/503").status, 503)
        sy.wait_for_log(r"server app/only not ejected: .* 0 of 1 servers are out already \(max_ejected_percent 50\)",
                        timeout=5)
        self.assertEqual(get(sy.port(), "/").status, 200)


if __name__ == "__main__":
    unittest.main()
