"""The HTTP front's everyday behaviour: a request reaches the server with the
forwarding headers and a request id, hop-by-hop headers stay on their hop,
HEAD/204/304 carry no body, switchyard's own answers (404, health endpoint,
503 over max_connections) are small and correct, and each request gets one
access log line."""
import json
import re
import signal
import socket
import unittest

from fixtures import IntegrationTest, header_values, http_config, wait_for
from fixtures.http_client import Connection, get


class ForwardingTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.sy = self.start_switchyard(http_config([self.app]))
        self.port = self.sy.port()

    def test_request_reaches_the_server_with_forwarding_headers_and_a_request_id(self):
        response = get(self.port, "/hello?x=1", headers=[("Accept", "*/*")], host="shop.example:8080")
        self.assertEqual(response.status, 200)
        seen = response.json()
        self.assertEqual((seen["method"], seen["target"], seen["version"]), ("GET", "/hello?x=1", "HTTP/1.1"))
        self.assertEqual(header_values(seen, "Host"), ["shop.example:8080"])
        self.assertEqual(header_values(seen, "X-Forwarded-For"), ["127.0.0.1"])
        self.assertEqual(header_values(seen, "X-Forwarded-Proto"), ["http"])
        self.assertEqual(header_values(seen, "X-Forwarded-Host"), ["shop.example:8080"])
        [request_id] = header_values(seen, "X-Request-Id")
        self.assertRegex(request_id, r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        # The server's own headers come back; its Keep-Alive (hop-by-hop) does not.
        self.assertEqual(response.header("X-Server"), "app1")
        self.assertIsNone(response.header("Keep-Alive"))

    def test_client_request_id_is_kept_and_spoofed_forwarding_headers_are_replaced(self):
        response = get(self.port, "/", headers=[("X-Request-Id", "abc-123"), ("X-Forwarded-For", "6.6.6.6"),
                                                ("X-Forwarded-Proto", "https")])
        seen = response.json()
        self.assertEqual(header_values(seen, "X-Request-Id"), ["abc-123"])
        self.assertEqual(header_values(seen, "X-Forwarded-For"), ["127.0.0.1"])
        self.assertEqual(header_values(seen, "X-Forwarded-Proto"), ["http"])

    def test_trusted_forwarding_headers_are_kept_and_extended(self):
        trusting = self.start_switchyard(http_config([self.app], listener_http={"trust_forwarded": True}),
                                         name="trusting")
        seen = get(trusting.port(), "/", headers=[("X-Forwarded-For", "203.0.113.9"),
                                                  ("X-Forwarded-Proto", "https")]).json()
        self.assertEqual(header_values(seen, "X-Forwarded-For"), ["203.0.113.9, 127.0.0.1"])
        self.assertEqual(header_values(seen, "X-Forwarded-Proto"), ["https"])

    def test_hop_by_hop_headers_and_those_named_in_connection_are_dropped(self):
        response = get(self.port, "/", headers=[("Connection", "keep-alive, X-Private"), ("X-Private", "secret"),
                                                ("Keep-Alive", "timeout=5"), ("TE", "trailers"),
                                                ("Proxy-Connection", "keep-alive"), ("X-Public", "yes")])
        names = [name.lower() for name, _ in response.json()["headers"]]
        for hop in ("connection", "x-private", "keep-alive", "te", "proxy-connection"):
            self.assertNotIn(hop, names)
        self.assertIn("x-public", names)

    def test_head_204_and_304_carry_no_body_and_the_connection_goes_on(self):
        with Connection(self.port) as connection:
            head = connection.request("HEAD", "/size/5000")
            self.assertEqual((head.status, head.header("Content-Length"), head.body), (200, "5000", b""))
            no_content = connection.request("GET", "/status/204")
            self.assertEqual((no_content.status, no_content.body), (204, b""))
            not_modified = connection.request("GET", "/status/304")
            self.assertEqual((not_modified.status, not_modified.body), (304, b""))
            after = connection.request("GET", "/size/10")
            self.assertEqual((after.status, len(after.body)), (200, 10))
        self.app.wait_requests(4)
        self.assertEqual(self.app.request_count(), 4)

    def test_http10_client_gets_its_answer_and_a_close(self):
        with Connection(self.port) as connection:
            connection.send(b"GET /size/100 HTTP/1.0\r\n\r\n")
            response = connection.read_response()
            self.assertEqual((response.status, len(response.body)), (200, 100))
            self.assertEqual(response.header("Connection"), "close")
            self.assertTrue(connection.closed_by_peer())

    def test_http10_keep_alive_client_keeps_its_connection(self):
        with Connection(self.port) as connection:
            for _ in range(3):
                connection.send(b"GET /size/10 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                response = connection.read_response()
                self.assertEqual((response.status, response.header("Connection")), (200, "keep-alive"))
        self.app.wait_requests(3)
        self.assertEqual(self.app.request_count(), 3)


class LocalAnswersTest(IntegrationTest):
    def test_no_route_and_no_default_backend_is_a_404_from_the_proxy(self):
        app = self.start_http_backend("app1")
        config = http_config([app], listener={"backend": None},
                             routes=[{"hosts": ["api.example"], "backend": "app"}])
        sy = self.start_switchyard(config)
        with Connection(sy.port()) as connection:
            response = connection.request("GET", "/x", host="other.example")
            self.assertEqual(response.status, 404)
            self.assertEqual(response.header("Content-Type"), "text/plain; charset=utf-8")
            self.assertEqual(int(response.header("Content-Length")), len(response.body))
            self.assertIsNotNone(response.header("X-Request-Id"))
            # The connection goes on: the request had no body.
            self.assertEqual(connection.request("GET", "/x", host="api.example").status, 200)
        app.wait_requests(1)
        self.assertEqual(app.request_count(), 1)

    def test_health_endpoint_is_answered_by_the_proxy(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener_http={"health_path": "/healthz"}))
        with Connection(sy.port()) as connection:
            response = connection.request("GET", "/healthz")
            self.assertEqual((response.status, response.body, response.header("Connection")), (200, b"ok\n", None))
            head = connection.request("HEAD", "/healthz")
            self.assertEqual((head.status, head.body, head.header("Content-Length")), (200, b"", "3"))
            self.assertEqual(connection.request("GET", "/healthz/deeper").status, 200)  # goes to the server
        app.wait_requests(1)
        self.assertEqual([r["target"] for r in app.requests], ["/healthz/deeper"])

    def test_shutdown_finishes_the_request_in_flight_and_closes_the_connection(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], global_settings={"shutdown_timeout": "10s"}))
        with Connection(sy.port()) as busy:
            busy.send(b"GET /sleep/800 HTTP/1.1\r\nHost: t\r\n\r\n")
            app.wait_requests(1)
            sy.send_signal(signal.SIGTERM)
            sy.wait_for_log("shutting down", timeout=5)
            slow = busy.read_response()
            self.assertEqual((slow.status, slow.header("Connection")), (200, "close"))
            self.assertTrue(busy.closed_by_peer())
        self.assertEqual(sy.wait_exit(10), 0)

    def test_connection_beyond_max_connections_gets_a_503(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener={"max_connections": 2}))
        held = [Connection(sy.port()) for _ in range(2)]
        for connection in held:
            self.addCleanup(connection.close)
            self.assertEqual(connection.request("GET", "/").status, 200)
        with Connection(sy.port()) as extra:
            response = extra.read_response()
            self.assertEqual(response.status, 503)
            self.assertEqual(response.header("Connection"), "close")
            self.assertTrue(extra.closed_by_peer())
        self.assertEqual(sy.listener("web")["rejected"], 1)
        app.wait_requests(2)
        self.assertEqual(app.request_count(), 2)

    def test_connect_method_is_refused(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        with Connection(sy.port()) as connection:
            connection.send(b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n")
            self.assertEqual(connection.read_response().status, 405)
        self.assertEqual(app.accepted, 0)

    def test_unknown_expectation_gets_417(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        with Connection(sy.port()) as connection:
            self.assertEqual(connection.request("GET", "/", headers=[("Expect", "something")]).status, 417)
        self.assertEqual(app.request_count(), 0)


class AccessLogTest(IntegrationTest):
    def test_each_request_gets_one_access_log_line_with_its_facts(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], global_settings={"log_format": "json"}))
        mark = sy.log_mark()
        get(sy.port(), "/status/503", headers=[("X-Request-Id", "req-42")])
        line = sy.wait_for_log(r'"request_id":"req-42"', timeout=5, after=mark)
        record = json.loads(line)
        self.assertEqual(record["msg"], "http")
        for key, value in {"listener": "web", "backend": "app", "server": "app1", "client": "127.0.0.1",
                           "method": "GET", "target": "/status/503", "status": 503, "bytes_in": 0,
                           "retries": 0, "route": "", "reason": ""}.items():
            self.assertEqual(record[key], value, key)
        for key in ("queue_ms", "connect_ms", "response_ms", "total_ms", "bytes_out"):
            self.assertIsInstance(record[key], int, key)
            self.assertGreaterEqual(record[key], 0, key)
        self.assertEqual(len(re.findall(r'"request_id":"req-42"', sy.log_text())), 1)

    def test_text_access_log_and_access_log_off(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        mark = sy.log_mark()
        get(sy.port(), "/x", headers=[("X-Request-Id", "text-1")])
        line = sy.wait_for_log(r"request_id=text-1", timeout=5, after=mark)
        self.assertRegex(line, r" info http listener=web route=- backend=app server=app1 client=127\.0\.0\.1 "
                               r"method=GET target=/x status=200 ")
        off = self.start_switchyard(http_config([app], listener_http={"access_log": False}), name="quiet")
        get(off.port(), "/x", headers=[("X-Request-Id", "text-2")])
        get(off.port(), "/drop", headers=[("X-Request-Id", "text-3")])
        off.wait_for_log(r"/drop -> 502", timeout=5)
        self.assertIsNone(off.find_log("text-2"))


if __name__ == "__main__":
    unittest.main()
