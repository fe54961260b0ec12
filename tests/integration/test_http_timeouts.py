"""Every HTTP timeout ends in the right answer and a log line: a slow request
head gets 408, a server that does not connect or answer in time gives 504, a
server that stalls in the middle of a body cuts the exchange, a request body
that stalls gets 408."""
import time
import unittest

from fixtures import Blackhole, IntegrationTest, http_config, server
from fixtures.http_client import Connection, build_request

SLACK = 1.5  # seconds, for upper bounds on a loaded 2-core machine


class ClientTimeoutsTest(IntegrationTest):
    def test_request_head_not_complete_within_request_timeout_gets_408(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener_http={"request_timeout": "800ms"}))
        with Connection(sy.port()) as connection:
            started = time.monotonic()
            connection.send(b"GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ")
            response = connection.read_response()
            took = time.monotonic() - started
            self.assertEqual((response.status, response.header("Connection")), (408, "close"))
            self.assertTrue(connection.closed_by_peer())
        self.assertGreater(took, 0.7)
        self.assertLess(took, 0.8 + SLACK)
        self.assertEqual(app.accepted, 0)
        line = sy.wait_for_log(r"status=408", timeout=3)
        self.assertIn("request head not complete within request_timeout", line)

    def test_request_body_that_stalls_for_idle_timeout_gets_408(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener={"idle_timeout": "800ms"}))
        with Connection(sy.port()) as connection:
            connection.send(build_request("POST", "/upload", [("Content-Length", "100")]) + b"only part")
            response = connection.read_response()
            self.assertEqual((response.status, response.header("Connection")), (408, "close"))
        sy.wait_for_log(r"status=408 .*request body stalled", timeout=3)


class ServerTimeoutsTest(IntegrationTest):
    def test_server_that_does_not_answer_within_response_timeout_gives_504(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], backend_http={"response_timeout": "600ms",
                                                                    "retry_idempotent": False}))
        with Connection(sy.port()) as connection:
            started = time.monotonic()
            response = connection.request("GET", "/sleep/3000")
            took = time.monotonic() - started
            self.assertEqual(response.status, 504)
        self.assertGreater(took, 0.5)
        self.assertLess(took, 0.6 + SLACK)
        line = sy.wait_for_log(r"status=504", timeout=3)
        self.assertIn("no response head within response_timeout", line)

    def test_server_that_does_not_connect_in_time_gives_504(self):
        hole = self.blackhole()
        sy = self.start_switchyard(http_config([server("hole", hole.address)], connect_timeout="400ms", retries=0))
        with Connection(sy.port()) as connection:
            started = time.monotonic()
            response = connection.request("GET", "/")
            self.assertEqual(response.status, 504)
            self.assertLess(time.monotonic() - started, 0.4 + SLACK)
        line = sy.wait_for_log(r"status=504", timeout=3)
        self.assertIn("connect timeout", line)

    def test_server_silent_in_the_middle_of_a_body_cuts_the_exchange(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], backend_http={"idle_timeout": "600ms"}))
        with Connection(sy.port()) as connection:
            connection.send(build_request("GET", "/drip/3000"))
            started = time.monotonic()
            with self.assertRaises(ConnectionError):
                connection.read_response()  # head and 10 of 20 bytes, then the cut
            self.assertLess(time.monotonic() - started, 0.6 + SLACK)
        line = sy.wait_for_log(r"target=/drip/3000", timeout=3)
        self.assertIn("status=200", line)
        self.assertIn("server silent for idle_timeout", line)


if __name__ == "__main__":
    unittest.main()
