"""Bodies streamed both ways: chunked with trailers, 100 MB up and down with
checksums while the proxy's memory stays bounded, Expect: 100-continue
(accepted and refused), a body delimited by the server's close (chunked for
HTTP/1.1 clients), and a body over max_body_size (413 before anything is
forwarded)."""
import hashlib
import os
import unittest

from fixtures import IntegrationTest, RssSampler, http_config
from fixtures.http_client import Connection, build_request, chunked
from servers.tcp_backend import pattern_sha256, pattern_stream

HUNDRED_MB = 100 * 1024 * 1024
# A streaming proxy holds a few hundred KiB per direction; 32 MiB is far below
# the 100 MB that pass through, so one that buffers a body fails this.
RSS_GROWTH_LIMIT_KB = 32 * 1024


class ChunkedTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.sy = self.start_switchyard(http_config([self.app]))

    def test_chunked_request_with_trailers_arrives_intact(self):
        pieces = [os.urandom(n) for n in (1, 4095, 70000, 3, 200000)]
        with Connection(self.sy.port()) as connection:
            connection.send(build_request("POST", "/upload", [("Transfer-Encoding", "chunked"), ("Trailer", "X-Sum")])
                            + chunked(pieces, [("X-Sum", "abc")]))
            result = connection.read_response().json()
            body = b"".join(pieces)
            self.assertEqual((result["length"], result["sha256"]), (len(body), hashlib.sha256(body).hexdigest()))
            self.assertEqual(connection.request("GET", "/").status, 200)  # the connection goes on

    def test_chunked_response_with_trailers_arrives_intact(self):
        with Connection(self.sy.port()) as connection:
            response = connection.request("GET", "/chunked/1000000")
            self.assertEqual(response.header("Transfer-Encoding"), "chunked")
            self.assertEqual(len(response.body), 1000000)
            digest = hashlib.sha256(response.body).hexdigest()
            self.assertEqual(digest, pattern_sha256(1000000))
            self.assertEqual(response.trailers, [("X-Checksum", digest)])
            self.assertEqual(connection.request("GET", "/").status, 200)

    def test_streamed_echo_comes_back_while_the_request_is_still_being_sent(self):
        with Connection(self.sy.port()) as connection:
            connection.send(build_request("POST", "/echo", [("Transfer-Encoding", "chunked")]))
            connection.send(chunked([b"first piece"])[:-5])  # the chunk, not the end
            # The server echoes the first chunk before the request is complete.
            while b"first piece" not in connection.buffer:
                connection._fill()
            connection.send(b"0\r\n\r\n")
            response = connection.read_response()
            self.assertEqual(response.body, b"first piece")

    def test_body_delimited_by_the_server_close_is_chunked_for_http11_and_raw_for_http10(self):
        with Connection(self.sy.port()) as connection:
            response = connection.request("GET", "/until-close/300000")
            self.assertEqual(response.header("Transfer-Encoding"), "chunked")
            self.assertEqual(hashlib.sha256(response.body).hexdigest(), pattern_sha256(300000))
            self.assertEqual(connection.request("GET", "/").status, 200)  # still open
        with Connection(self.sy.port()) as connection:
            connection.send(b"GET /until-close/300000 HTTP/1.0\r\n\r\n")
            response = connection.read_response()
            self.assertIsNone(response.header("Transfer-Encoding"))
            self.assertEqual(hashlib.sha256(response.body).hexdigest(), pattern_sha256(300000))


class ExpectContinueTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.sy = self.start_switchyard(http_config([self.app]))

    def test_100_continue_comes_from_the_server_before_the_body_is_sent(self):
        body = os.urandom(50000)
        with Connection(self.sy.port()) as connection:
            connection.send(build_request("POST", "/upload", [("Expect", "100-continue"),
                                                              ("Content-Length", str(len(body)))]))
            interim = connection.read_response(interim=True)
            self.assertEqual(interim.status, 100)
            connection.send(body)
            result = connection.read_response().json()
            self.assertEqual((result["length"], result["sha256"]), (len(body), hashlib.sha256(body).hexdigest()))

    def test_a_refused_expectation_ends_the_exchange_without_the_body(self):
        with Connection(self.sy.port()) as connection:
            connection.send(build_request("POST", "/reject-expect", [("Expect", "100-continue"),
                                                                     ("Content-Length", "1000000")]))
            response = connection.read_response()
            self.assertEqual(response.status, 417)
            # The body never came, so the connection cannot go on.
            self.assertEqual(response.header("Connection"), "close")
            self.assertTrue(connection.closed_by_peer())

    def test_interim_103_is_passed_on(self):
        with Connection(self.sy.port()) as connection:
            connection.send(build_request("GET", "/hints"))
            hints = connection.read_response(interim=True)
            self.assertEqual((hints.status, hints.header("Link")), (103, "</style.css>; rel=preload"))
            self.assertEqual(connection.read_response().status, 200)


class LargeBodiesTest(IntegrationTest):
    def test_100_mb_upload_arrives_intact_and_proxy_memory_stays_bounded(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], workers=2))
        start_kb = sy.rss_kb()
        with RssSampler(sy.rss_kb, interval=0.01) as rss, Connection(sy.port(), timeout=120) as connection:
            connection.send(build_request("POST", "/upload", [("Content-Length", str(HUNDRED_MB))]))
            for piece in pattern_stream(HUNDRED_MB):
                connection.send(piece)
            result = connection.read_response().json()
        self.assertEqual((result["length"], result["sha256"]), (HUNDRED_MB, pattern_sha256(HUNDRED_MB)))
        self.assertLess(rss.peak_kb - start_kb, RSS_GROWTH_LIMIT_KB, "proxy RSS grew while the body went through")

    def test_100_mb_chunked_download_arrives_intact_and_proxy_memory_stays_bounded(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], workers=2))
        start_kb = sy.rss_kb()
        digest = hashlib.sha256()
        length = 0

        def sink(piece):
            nonlocal length
            digest.update(piece)
            length += len(piece)

        with RssSampler(sy.rss_kb, interval=0.01) as rss, Connection(sy.port(), timeout=120) as connection:
            connection.send(build_request("GET", f"/chunked/{HUNDRED_MB}"))
            response = connection.read_response(sink=sink)
        self.assertEqual(response.status, 200)
        self.assertEqual((length, digest.hexdigest()), (HUNDRED_MB, pattern_sha256(HUNDRED_MB)))
        self.assertEqual(response.trailers, [("X-Checksum", digest.hexdigest())])
        self.assertLess(rss.peak_kb - start_kb, RSS_GROWTH_LIMIT_KB, "proxy RSS grew while the body went through")


class BodyLimitTest(IntegrationTest):
    def test_body_over_max_body_size_gets_413_and_nothing_is_forwarded(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener_http={"max_body_size": 1000}))
        with Connection(sy.port()) as connection:
            connection.send(build_request("POST", "/upload", [("Content-Length", "1001")]) + b"x" * 1001)
            response = connection.read_response()
            self.assertEqual((response.status, response.header("Connection")), (413, "close"))
        with Connection(sy.port()) as connection:
            self.assertEqual(connection.request("POST", "/upload", body=b"y" * 1000).status, 200)
        app.wait_requests(1)
        self.assertEqual(app.request_count(), 1)


if __name__ == "__main__":
    unittest.main()
