"""Faults behind and in front of the HTTP listener, each with a reload while
it lasts: a server that accepts and never answers, one that hangs on a
kept-alive connection, one that trickles its response head (504 at
response_timeout), one reset before its head (502, the request reached it
once) or in the middle of its body (the exchange cut, the bytes before the
reset relayed); a client that stops reading a 200 MB response (RSS bounded,
then closed at idle_timeout). After each, the process serves a good request.
(test_http_timeouts.py has a late answer, a connect timeout and a server
silent mid-body; test_http_retries.py a reset before any response byte.)"""
import socket
import time
import unittest

from fixtures import IntegrationTest, RssSampler, http_backend_table, http_config, server, wait_for
from fixtures.fault_servers import FaultForwarder, ReloadDuringFault
from fixtures.http_client import Connection, build_request, get
from servers.tcp_backend import pattern_stream

SLACK = 1.5          # seconds, for timing upper bounds on a loaded 2-core machine
RESPONSE_TIMEOUT = 1.0
IDLE_TIMEOUT = 1.0
# A client that reads nothing of a 200 MB response may cost the proxy its
# high-water mark per direction and a few read chunks; 32 MiB is a sixth of
# the response, so buffering it instead of pushing back fails the test.
RSS_GROWTH_LIMIT_KB = 32 * 1024
BIG = 200 * 1024 * 1024


class HttpServerFaultTest(ReloadDuringFault, IntegrationTest):
    def setUp(self):
        super().setUp()
        self.origin = self.start_http_backend("app1")
        self.good = self.start_http_backend("good1")
        self.faulty = self._own(FaultForwarder(self.origin.address))
        config = http_config(
            [server("faulty", self.faulty.address)], retries=0, connect_timeout="500ms",
            backend_http={"response_timeout": f"{int(RESPONSE_TIMEOUT * 1000)}ms",
                          "idle_timeout": f"{int(IDLE_TIMEOUT * 1000)}ms", "retry_idempotent": False},
            routes=[{"name": "good", "path_prefix": "/good/", "backend": "good"}],
            extra_backends=[http_backend_table("good", [self.good])])
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port()

    def assert_still_serves(self):
        self.assertTrue(self.sy.running())
        response = get(self.port, "/good/after")
        self.assertEqual((response.status, response.header("X-Server")), (200, "good1"))
        self.assertEqual(response.json()["target"], "/good/after")
        self.faulty.heal()
        response = get(self.port, "/status/201")
        self.assertEqual((response.status, response.header("X-Server")), (201, "app1"))

    def timed_request(self, connection, method="GET", target="/", body=b""):
        started = time.monotonic()
        response = connection.request(method, target, body=body)
        return response, time.monotonic() - started

    def test_a_server_that_accepts_and_never_answers_gives_504_at_response_timeout(self):
        self.faulty.arm("stall")
        with Connection(self.port) as connection:
            connection.send(build_request("GET", "/status/200"))
            wait_for(lambda: self.faulty.unanswered == 1, 3, "the request to reach the hung server")
            self.reload_during_fault("ctl")
            started = time.monotonic()
            response = connection.read_response()
            took = time.monotonic() - started
        self.assertEqual(response.status, 504)
        self.assertLess(took, RESPONSE_TIMEOUT + SLACK)
        self.assertIn("no response head within response_timeout", self.sy.wait_for_log(r"status=504", 3))
        wait_for(lambda: self.faulty.open_links() == 0, 3, "the proxy to close its connection to the hung server")
        self.assertEqual(self.origin.request_count(), 0)
        self.assert_still_serves()

    def test_a_kept_alive_server_connection_that_hangs_gives_504_at_response_timeout(self):
        with Connection(self.port) as connection:
            self.assertEqual(connection.request("GET", "/status/200").status, 200)  # the server connection is kept
            self.faulty.arm("stall")
            connection.send(build_request("GET", "/status/202"))
            self.reload_during_fault("sighup")
            response = connection.read_response()
        self.assertEqual(response.status, 504)
        self.assertEqual(self.faulty.unanswered, 0, "the request went on a new server connection, not the kept one")
        self.assert_still_serves()

    def test_a_server_that_trickles_its_head_gives_504_at_response_timeout(self):
        # A slow-loris server: a byte every 0.3 s keeps the connection busy, but
        # response_timeout runs from the request sent to the whole head.
        self.faulty.arm("trickle", interval=0.3)
        with Connection(self.port, timeout=30) as connection:
            connection.send(build_request("GET", "/status/200"))
            self.reload_during_fault("ctl")
            started = time.monotonic()
            response = connection.read_response()
            took = time.monotonic() - started
        self.assertEqual(response.status, 504)
        self.assertLess(took, RESPONSE_TIMEOUT + SLACK, "a trickling server held the client past response_timeout")
        self.assert_still_serves()

    def test_a_reset_before_the_head_gives_502_and_the_post_reached_the_server_once(self):
        self.faulty.arm("reset", after=8)
        body = b"charge the card once"
        with Connection(self.port) as connection:
            self.reload_during_fault("sighup")
            response, took = self.timed_request(connection, "POST", "/upload", body)
        self.assertEqual(response.status, 502)
        self.assertLess(took, SLACK)
        uploads = [r for r in self.origin.requests if r["target"] == "/upload"]
        self.assertEqual(len(uploads), 1, "a POST whose answer was reset was sent again (or not at all)")
        self.assertEqual(uploads[0]["body_length"], len(body))
        self.assertEqual(self.faulty.resets, 1)
        self.assert_still_serves()

    def test_a_reset_in_the_middle_of_the_body_cuts_the_exchange_after_the_bytes_before_it(self):
        size = 1_000_000
        self.faulty.arm("reset", after=40_000)
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
            sock.sendall(build_request("GET", f"/size/{size}"))
            received = bytearray()
            started = time.monotonic()
            try:
                while True:
                    piece = sock.recv(1 << 20)
                    if not piece:
                        break
                    received += piece
            except ConnectionResetError:
                pass
            took = time.monotonic() - started
        self.reload_during_fault("ctl")
        head, _, body = bytes(received).partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), head[:100])
        self.assertIn(f"Content-Length: {size}".encode(), head)
        self.assertGreater(len(body), 30_000, "the body bytes the server sent before the reset were not relayed")
        self.assertLess(len(body), 40_000)
        self.assertEqual(body, b"".join(pattern_stream(len(body))), "the relayed part of the body is not the server's")
        self.assertLess(took, SLACK, "the client was not told (closed) soon after the server reset")
        self.assert_still_serves()

    def test_a_client_that_stops_reading_keeps_proxy_memory_bounded_and_is_closed_at_idle_timeout(self):
        start_kb = self.sy.rss_kb()
        with socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
            sock.settimeout(10)
            sock.connect(("127.0.0.1", self.port))
            with RssSampler(self.sy.rss_kb, interval=0.01) as rss:
                sock.sendall(build_request("GET", f"/size/{BIG}"))
                wait_for(lambda: self.sy.server("app", "faulty")["bytes_in"] > 1 << 20, 5,
                         "the response to start flowing")
                stuck_at = self.sy.server("app", "faulty")["bytes_in"]
                self.reload_during_fault("sighup")
                # nothing read: the proxy stops reading the server, and past idle_timeout cuts the exchange
                line = self.sy.wait_for_log(r"target=/size/", IDLE_TIMEOUT + SLACK + 2)
            self.assertLess(self.sy.server("app", "faulty")["bytes_in"], 64 << 20,
                            "the proxy kept reading the server for a client that reads nothing")
            self.assertLess(stuck_at, BIG)
            growth = rss.peak_kb - start_kb
            self.assertGreaterEqual(len(rss.samples), 3)
            self.assertLess(growth, RSS_GROWTH_LIMIT_KB, f"proxy RSS grew by {growth} KiB for a client that reads nothing")
            self.assertIn("idle_timeout", line)
            # what was buffered for it is still delivered, then the close
            sock.settimeout(10)
            drained = 0
            try:
                while True:
                    piece = sock.recv(1 << 20)
                    if not piece:
                        break
                    drained += len(piece)
            except ConnectionResetError:
                pass
            self.assertLess(drained, 64 << 20)
        wait_for(lambda: self.faulty.open_links() == 0, 3, "the server connection to be closed")
        self.assert_still_serves()


if __name__ == "__main__":
    unittest.main()
