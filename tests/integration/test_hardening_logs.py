"""Log injection: client-supplied strings with newlines or other control
bytes (a PostgreSQL user, database and application_name; an HTTP header
value, method or target) never start a log line of their own, in text and
in JSON format. Refusals a client can cause by the thousand (an HTTP/0.9
line, an over-long method, a second SSLRequest) write at most 10 lines a
second per worker, the next line counting the rest."""
import json
import re
import socket
import struct
import time
import unittest

from fixtures import IntegrationTest, http_config
from fixtures.http_client import Connection
from fixtures.pg_proxy import PostgresProxyTest
from fixtures.pg_wire import SSL_REQUEST_CODE, ServerError, WireClient

FORGED = "2026-01-01T00:00:00Z error FORGED"
FLOOD = 60  # refusals sent as fast as one client can, well inside 2 s of the 10/s limit


def forged_lines(log_text):
    return [line for line in log_text.splitlines() if line.startswith(FORGED) or "FORGED" in line.split(" ", 1)[0]]


def accounted_refusals(lines):
    """Lines written plus the drops they report: every refusal, once."""
    return len(lines) + sum(int(m.group(1)) for line in lines if (m := re.search(r"\((\d+) more not logged\)$", line)))


def raw_control_bytes(log_text):
    return [c for c in log_text if (ord(c) < 0x20 and c not in "\n\t") or ord(c) == 0x7f]


class PostgresStartupInjectionTest(PostgresProxyTest):
    def refused(self, user, database, **parameters):
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError):
                client.login(user, "wrong", database, **parameters)

    def test_user_database_and_application_name_with_newlines_forge_no_line(self):
        self.start_proxy()
        self.refused("app\n" + FORGED + " user", "app\r\n" + FORGED + " db",
                     application_name="x\n" + FORGED + " app")
        self.refused("nosuchuser\n" + FORGED, "app")
        self.refused("app", "nosuchdb\n" + FORGED)
        text = self.sy.log_text()
        self.assertIn("FORGED", text, "the refusals were not logged at all: the test proves nothing")
        self.assertEqual(forged_lines(text), [])
        self.assertEqual(raw_control_bytes(text), [])
        self.assertIn("\\n" + FORGED, text)

    def test_a_flood_of_second_ssl_requests_writes_rate_limited_lines(self):
        self.start_proxy(workers=1)  # the limit is per worker
        twice = struct.pack("!ii", 8, SSL_REQUEST_CODE) * 2
        started = time.monotonic()
        for _ in range(FLOOD):
            with WireClient(self.port) as client:
                client.send(twice)
                self.assertEqual(client.read_byte(), b"N")
                self.assertEqual(client.read_message()[0], "E")
        seconds = time.monotonic() - started
        time.sleep(1.2)  # a new window: this line reports what the last one dropped, if anything is left
        with WireClient(self.port) as client:
            client.send(twice)
            client.read_byte()
            client.read_message()
        lines = [line for line in self.sy.log_text().splitlines() if "a second SSLRequest" in line]
        self.assertGreater(len(lines), 1)
        self.assertLessEqual(len(lines), 10 * (int(seconds) + 2), f"{FLOOD} refusals in {seconds:.1f}s")
        self.assertLess(len(lines), FLOOD)
        # Drops are counted on the next line written, which may be in the
        # flood itself or the one after the pause.
        self.assertTrue(any(re.search(r"\(\d+ more not logged\)$", line) for line in lines), lines)
        self.assertEqual(accounted_refusals(lines), FLOOD + 1)


class HttpInjectionTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")

    def send_raw(self, port, request):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(request)
            s.settimeout(3)
            try:
                while s.recv(4096):
                    pass
            except OSError:
                pass

    def requests(self, port):
        self.send_raw(port, b"GET /a%0a" + FORGED.replace(" ", "%20").encode() + b" HTTP/1.1\r\nHost: t\r\n"
                      b"Connection: close\r\n\r\n")
        self.send_raw(port, b"GET / HTTP/1.1\r\nHost: t\x0b\r\n" + FORGED.encode() + b"\r\nX-A: b\x01\x7f\r\n"
                      b"Connection: close\r\n\r\n")
        self.send_raw(port, b"GET / HTTP/1.1\r\nHost: t\rX-Forged: " + FORGED.encode() + b"\r\n\r\n")
        self.send_raw(port, b"G\x01T\n" + FORGED.encode() + b" / HTTP/1.1\r\nHost: t\r\n\r\n")

    def test_text_log_has_no_forged_line_and_no_raw_control_byte(self):
        sy = self.start_switchyard(http_config([self.app]))
        self.requests(sy.port())
        text = sy.log_text()
        self.assertEqual(forged_lines(text), [])
        self.assertEqual(raw_control_bytes(text), [])
        with Connection(sy.port()) as c:
            self.assertEqual(c.request("GET", "/fine").status, 200)

    def test_json_log_lines_each_parse_and_hold_no_raw_control_byte(self):
        sy = self.start_switchyard(http_config([self.app], global_settings={"log_format": "json"}))
        self.requests(sy.port())
        text = sy.log_text()
        self.assertEqual(raw_control_bytes(text), [])
        for line in text.splitlines():
            record = json.loads(line)  # a forged fragment would not parse
            self.assertIn("ts", record)

    def test_a_flood_of_refused_request_lines_writes_rate_limited_lines(self):
        # Without an access log only failures get a line, and those a client
        # can cause are capped (with the access log on, every request has its line).
        sy = self.start_switchyard(http_config([self.app], listener_http={"access_log": False}))
        started = time.monotonic()
        for i in range(FLOOD):
            self.send_raw(sy.port(), b"GET /old\r\n" if i % 2 else b"M" * 65 + b" / HTTP/1.1\r\nHost: t\r\n\r\n")
        seconds = time.monotonic() - started
        time.sleep(1.2)
        self.send_raw(sy.port(), b"GET /old\r\n")
        lines = [line for line in sy.log_text().splitlines() if " -> 400 " in line or " -> 501 " in line]
        self.assertGreater(len(lines), 1)
        self.assertLessEqual(len(lines), 10 * (int(seconds) + 2), f"{FLOOD} refusals in {seconds:.1f}s")
        self.assertLess(len(lines), FLOOD)
        self.assertIn("HTTP/0.9 request line (no HTTP version)", lines[-1])
        # Drops are counted on the next line written, which may be in the
        # flood itself or the one after the pause.
        self.assertTrue(any(re.search(r"\(\d+ more not logged\)$", line) for line in lines), lines)
        self.assertEqual(accounted_refusals(lines), FLOOD + 1)
        self.assertTrue(any("request method longer than 64 bytes" in line for line in lines), lines)
        self.assertEqual(self.app.accepted, 0)


if __name__ == "__main__":
    unittest.main()
