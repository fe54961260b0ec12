"""Framing safety: each request smuggling vector and malformed head is answered
400 (431/413 for the limits) by the proxy, the connection is closed, and the
server sees nothing at all — not a connection, not a byte. Request lines at
the edges: an HTTP/0.9 line (no version) gets 400 at once, a method llhttp
does not know (any token, BREW) is forwarded as written, one that is no token
gets 400 and one longer than 64 bytes 501."""
import time
import unittest

from fixtures import IntegrationTest, http_config, wait_for
from fixtures.http_client import Connection

HOST = b"Host: t\r\n"

VECTORS = {
    "content-length and transfer-encoding": b"POST / HTTP/1.1\r\n" + HOST +
        b"Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG",
    "transfer-encoding and content-length": b"POST / HTTP/1.1\r\n" + HOST +
        b"Transfer-Encoding: chunked\r\nContent-Length: 6\r\n\r\n0\r\n\r\nG",
    "differing duplicate content-length": b"POST / HTTP/1.1\r\n" + HOST +
        b"Content-Length: 6\r\nContent-Length: 5\r\n\r\nabcdef",
    "content-length list": b"POST / HTTP/1.1\r\n" + HOST + b"Content-Length: 5, 6\r\n\r\nabcdef",
    "transfer-encoding not ending in chunked": b"POST / HTTP/1.1\r\n" + HOST +
        b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "transfer-encoding gzip only": b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: gzip\r\n\r\nabc",
    "obfuscated transfer-encoding": b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n",
    "transfer-encoding with space before colon": b"POST / HTTP/1.1\r\n" + HOST +
        b"Transfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    "obs-fold": b"GET / HTTP/1.1\r\n" + HOST + b"X-Folded: a\r\n b\r\n\r\n",
    "obs-fold hiding transfer-encoding": b"POST / HTTP/1.1\r\n" + HOST +
        b"X-A: x\r\n Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\nabc",
    "invalid header name": b"GET / HTTP/1.1\r\n" + HOST + b"Bad Header: x\r\n\r\n",
    "control character in a value": b"GET / HTTP/1.1\r\n" + HOST + b"X-A: a\x01b\r\n\r\n",
    "bare LF line ends": b"GET / HTTP/1.1\nHost: t\n\n",
    "two Host headers": b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "no Host": b"GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
    "transfer-encoding in HTTP/1.0": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
}


class SmugglingTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.sy = self.start_switchyard(http_config([self.app], listener_http={"max_header_size": 2048,
                                                                               "max_headers": 20}))

    def assert_rejected(self, request, status, name):
        with Connection(self.sy.port()) as connection:
            connection.send(request)
            response = connection.read_response()
            self.assertEqual(response.status, status, name)
            self.assertEqual(response.header("Connection"), "close", name)
            self.assertTrue(connection.closed_by_peer(), f"{name}: the connection stayed open")

    def test_each_smuggling_vector_is_rejected_and_never_forwarded(self):
        for name, request in VECTORS.items():
            with self.subTest(name):
                self.assert_rejected(request, 400, name)
        self.assertEqual((self.app.accepted, self.app.request_count()), (0, 0), "something reached the server")
        self.assertEqual(len(self.sy.log_text().split("status=400")) - 1, len(VECTORS))

    def test_a_valid_request_before_a_bad_one_is_served_and_the_bad_one_is_not(self):
        with Connection(self.sy.port()) as connection:
            connection.send(b"GET /first HTTP/1.1\r\n" + HOST + b"\r\n" + VECTORS["content-length and transfer-encoding"])
            self.assertEqual(connection.read_response().status, 200)
            self.assertEqual(connection.read_response().status, 400)
        self.app.wait_requests(1)
        self.assertEqual([r["target"] for r in self.app.requests], ["/first"])

    def test_a_bad_chunk_after_a_valid_head_gets_400_and_the_server_gets_no_complete_request(self):
        # The head was valid and went on (bodies stream); the bad chunk does
        # not, and the server connection that saw the head is closed.
        self.assert_rejected(b"POST / HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n"
                             b"5\r\nabcde\r\nzz\r\nabc\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n" + HOST + b"\r\n",
                             400, "invalid chunk size")
        wait_for(lambda: self.app.closed == self.app.accepted, 5, "the server connection to be closed")
        self.assertEqual(self.app.request_count(), 0)

    def test_oversized_heads_get_431(self):
        self.assert_rejected(b"GET / HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 3000 + b"\r\n\r\n", 431, "big header")
        many = b"".join(b"X-H%d: v\r\n" % i for i in range(25))
        self.assert_rejected(b"GET / HTTP/1.1\r\n" + HOST + many + b"\r\n", 431, "too many headers")
        self.assert_rejected(b"GET /" + b"a" * 3000 + b" HTTP/1.1\r\n" + HOST + b"\r\n", 414, "long target")
        self.assertEqual(self.app.accepted, 0)


class RequestLineTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        # A request timeout far beyond the test's patience: an answer within
        # it is the proxy's verdict at the line end, not a timeout.
        self.sy = self.start_switchyard(http_config([self.app], listener_http={"request_timeout": "60s"}))

    def refused(self, request, status):
        with Connection(self.sy.port(), timeout=5) as connection:
            started = time.monotonic()
            connection.send(request)
            response = connection.read_response()
            elapsed = time.monotonic() - started
            self.assertEqual(response.status, status)
            self.assertEqual(response.header("Connection"), "close")
            self.assertTrue(connection.closed_by_peer(), "the connection stayed open")
            return response, elapsed

    def test_an_http09_request_line_gets_400_at_its_line_end(self):
        for line in (b"GET /\r\n", b"GET /index.html\n", b"POST /form\r\n\r\n", b"BREW /pot\r\n"):
            with self.subTest(line):
                response, elapsed = self.refused(line, 400)
                self.assertEqual(response.reason, "Bad Request")
                self.assertLess(elapsed, 2.0, "the answer waited for a timeout")
        self.assertEqual((self.app.accepted, self.app.request_count()), (0, 0), "something reached the server")
        self.assertEqual(self.sy.log_text().count("HTTP/0.9 request line (no HTTP version)"), 4)

    def test_an_http09_line_cut_in_pieces_still_gets_400_without_a_timeout(self):
        with Connection(self.sy.port(), timeout=5) as connection:
            for piece in (b"GE", b"T /ind", b"ex.html", b"\r\n"):
                connection.send(piece)
                time.sleep(0.05)
            self.assertEqual(connection.read_response().status, 400)
        self.assertEqual(self.app.accepted, 0)

    def test_an_unknown_method_reaches_the_server_as_written_with_its_body(self):
        with Connection(self.sy.port()) as connection:
            connection.send(b"BREW /pot?milk=no HTTP/1.1\r\n" + HOST + b"Content-Length: 3\r\n\r\ntea"
                            b"GET /after HTTP/1.1\r\n" + HOST + b"\r\n")
            first = connection.read_response()
            second = connection.read_response()
        self.assertEqual(first.status, 200)
        self.assertEqual(first.header("X-Server"), "app1")
        brew = first.json()
        # The origin splits the request line it got on spaces: these three
        # are the line, byte for byte.
        self.assertEqual((brew["method"], brew["target"], brew["version"]), ("BREW", "/pot?milk=no", "HTTP/1.1"))
        self.assertEqual(brew["body_length"], 3)
        self.assertEqual(second.status, 200)
        self.assertEqual((second.json()["method"], second.json()["target"]), ("GET", "/after"))
        # The origin records a request after answering it: wait for its books.
        wait_for(lambda: len(self.app.requests) == 2, 5, "the origin to record both requests")
        self.assertEqual([(r["method"], r["target"]) for r in self.app.requests],
                         [("BREW", "/pot?milk=no"), ("GET", "/after")])
        self.assertIsNotNone(self.sy.find_log(r"method=BREW target=\"/pot\?milk=no\" status=200"), self.sy.log_tail())

    def test_an_unknown_method_with_a_chunked_body_is_framed_by_its_chunks(self):
        with Connection(self.sy.port()) as connection:
            connection.send(b"X-STEEP /upload HTTP/1.1\r\n" + HOST + b"Transfer-Encoding: chunked\r\n\r\n"
                            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
                            b"GET /after-chunks HTTP/1.1\r\n" + HOST + b"\r\n")
            upload = connection.read_response()
            after = connection.read_response()
        self.assertEqual((upload.status, upload.json()["length"]), (200, 11))
        self.assertEqual(after.status, 200)
        wait_for(lambda: len(self.app.requests) == 2, 5, "the origin to record both requests")
        self.assertEqual([(r["method"], r["target"], r["body_length"]) for r in self.app.requests],
                         [("X-STEEP", "/upload", 11), ("GET", "/after-chunks", 0)])

    def test_a_method_token_of_64_bytes_is_forwarded_and_one_of_65_gets_501(self):
        long_method = "X-" + "M" * 62
        with Connection(self.sy.port()) as connection:
            response = connection.request(long_method, "/long")
            self.assertEqual(response.status, 200)
            self.assertEqual(response.json()["method"], long_method)
        response, _ = self.refused(long_method.encode() + b"M /longer HTTP/1.1\r\n" + HOST + b"\r\n", 501)
        self.assertEqual(response.reason, "Not Implemented")
        wait_for(lambda: len(self.app.requests) >= 1, 5, "the origin to record the request")
        self.assertEqual([r["method"] for r in self.app.requests], [long_method])
        self.assertIn("request method longer than 64 bytes", self.sy.log_text())

    def test_a_method_that_is_no_token_gets_400_and_is_not_forwarded(self):
        for request in (b"BR(W / HTTP/1.1\r\n" + HOST + b"\r\n", b"BR@W / HTTP/1.1\r\n" + HOST + b"\r\n",
                        b"BR\x7fW / HTTP/1.1\r\n" + HOST + b"\r\n"):
            with self.subTest(request):
                self.refused(request, 400)
        self.assertEqual((self.app.accepted, self.app.request_count()), (0, 0))


if __name__ == "__main__":
    unittest.main()
