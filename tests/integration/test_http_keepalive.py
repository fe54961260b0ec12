"""Keep-alive on both sides: requests from many clients share a few kept-alive
connections to nginx; idle server connections are closed after the
backend's keepalive_timeout and idle clients after the listener's;
pipelined requests are answered in order, each after the one before."""
import hashlib
import os
import threading
import time
import unittest

from fixtures import IntegrationTest, http_config, wait_for
from fixtures.http_client import Connection, build_request

FILES = {"small.txt": b"hello\n", "one-k.bin": os.urandom(1024)}


class ServerReuseTest(IntegrationTest):
    def test_many_requests_from_many_clients_use_few_server_connections(self):
        nginx = self.start_nginx(FILES)
        sy = self.start_switchyard(http_config([{"name": "nginx", "address": nginx.address}]))
        port = sy.port()
        clients, per_client = 8, 25
        failures = []

        def client():
            try:
                with Connection(port) as connection:
                    for _ in range(per_client):
                        response = connection.request("GET", "/one-k.bin")
                        if response.status != 200 or response.body != FILES["one-k.bin"]:
                            failures.append(response)
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        self.assertEqual(failures, [])
        connections, requests = wait_for(lambda: (lambda c: c if c[1] == clients * per_client else None)(
            nginx.connections_used()), 5, "nginx to log every request")
        # At most one server connection per concurrent client, and far fewer than requests.
        self.assertLessEqual(connections, clients, f"{requests} requests took {connections} nginx connections")

    def test_sequential_clients_reuse_one_server_connection(self):
        nginx = self.start_nginx(FILES)
        sy = self.start_switchyard(http_config([{"name": "nginx", "address": nginx.address}]))
        for _ in range(20):
            with Connection(sy.port()) as connection:  # a new client connection each time
                self.assertEqual(connection.request("GET", "/small.txt").body, b"hello\n")
        connections, requests = wait_for(lambda: (lambda c: c if c[1] == 20 else None)(nginx.connections_used()),
                                         5, "nginx to log every request")
        self.assertEqual(connections, 1, f"{requests} requests from 20 sequential clients")


class IdleTimeoutsTest(IntegrationTest):
    def test_idle_server_connection_is_closed_after_the_backend_keepalive_timeout(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], backend_http={"keepalive_timeout": "500ms"}))
        with Connection(sy.port()) as connection:
            self.assertEqual(connection.request("GET", "/").status, 200)
            wait_for(lambda: app.open_connections() == 1, 5, "the origin to count one open server connection")
            started = time.monotonic()
            wait_for(lambda: app.closed == 1, 5, "the idle server connection to be closed")
            self.assertLess(time.monotonic() - started, 2.5)
            # The client connection is still there and gets a new server connection.
            self.assertEqual(connection.request("GET", "/").status, 200)
        # the origin reports its accepts through its output, read by a thread: wait for it
        wait_for(lambda: app.accepted == 2, 5, "the origin to count a second server connection")

    def test_idle_client_is_closed_silently_after_keepalive_timeout(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener_http={"keepalive_timeout": "700ms"}))
        with Connection(sy.port()) as connection:
            self.assertEqual(connection.request("GET", "/").status, 200)
            started = time.monotonic()
            self.assertTrue(connection.closed_by_peer(timeout=5))
            took = time.monotonic() - started
            self.assertEqual(connection.buffer, b"", "something was sent before the close")
            self.assertGreater(took, 0.5)
            self.assertLess(took, 2.5)

    def test_client_that_never_sends_a_byte_is_closed_without_a_response(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app], listener_http={"keepalive_timeout": "500ms"}))
        with Connection(sy.port()) as connection:
            self.assertTrue(connection.closed_by_peer(timeout=5))
            self.assertEqual(connection.buffer, b"")
        self.assertEqual(app.accepted, 0)


class PipeliningTest(IntegrationTest):
    def test_pipelined_requests_are_answered_in_order(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        # The first answers slowest: responses must still come back in request order.
        targets = ["/sleep/300?n=0", "/size/3000?n=1", "/sleep/100?n=2", "/status/404?n=3", "/chunked/5000?n=4",
                   "/?n=5"]
        with Connection(sy.port()) as connection:
            connection.send(b"".join(build_request("GET", target) for target in targets))
            responses = [connection.read_response() for _ in targets]
        self.assertEqual([r.status for r in responses], [200, 200, 200, 404, 200, 200])
        self.assertEqual(responses[0].json()["target"], targets[0])
        self.assertEqual(len(responses[1].body), 3000)
        self.assertEqual(responses[2].json()["target"], targets[2])
        self.assertEqual(len(responses[4].body), 5000)
        self.assertEqual(responses[5].json()["target"], targets[5])
        app.wait_requests(len(targets))
        self.assertEqual([r["target"] for r in app.requests], targets)

    def test_pipelined_requests_with_bodies_arrive_whole_and_in_order(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        bodies = [os.urandom(size) for size in (10, 70000, 0, 3)]
        with Connection(sy.port()) as connection:
            connection.send(b"".join(build_request("POST", f"/upload?i={i}", body=b) for i, b in enumerate(bodies)))
            results = [connection.read_response().json() for _ in bodies]
        self.assertEqual([(r["length"], r["sha256"]) for r in results],
                         [(len(b), hashlib.sha256(b).hexdigest()) for b in bodies])


if __name__ == "__main__":
    unittest.main()
