"""Log injection: client-supplied strings with newlines or other control
bytes (a PostgreSQL user, database and application_name; an HTTP header
value, method or target) never start a log line of their own, in text and
in JSON format."""
import json
import socket
import unittest

from fixtures import IntegrationTest, http_config
from fixtures.http_client import Connection
from fixtures.pg_proxy import PostgresProxyTest
from fixtures.pg_wire import ServerError, WireClient

FORGED = "2026-01-01T00:00:00Z error FORGED"


def forged_lines(log_text):
    return [line for line in log_text.splitlines() if line.startswith(FORGED) or "FORGED" in line.split(" ", 1)[0]]


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


if __name__ == "__main__":
    unittest.main()
