"""Balancing HTTP requests: a proxy-set cookie keeps a client on its server
(and moves it when that server goes), hashing a header or the path keeps a
key on one server, and least_conn counts requests in flight, not
connections."""
import collections
import threading
import time
import unittest

from fixtures import IntegrationTest, http_config, wait_for
from fixtures.http_client import Connection, get


class StickyCookieTest(IntegrationTest):
    def test_cookie_keeps_a_client_on_its_server_and_moves_it_when_the_server_goes(self):
        servers = [self.start_http_backend(f"app{i}") for i in range(1, 4)]
        sy = self.start_switchyard(http_config(servers, backend_http={"sticky_cookie": "SRV"}))
        port = sy.port()
        first = get(port, "/")
        cookie = first.header("Set-Cookie")
        self.assertRegex(cookie, r"^SRV=[0-9a-f]{16}; Path=/; HttpOnly$")
        token = cookie.split(";")[0]
        home = first.header("X-Server")
        for _ in range(12):  # new connections, round robin underneath: the cookie wins
            response = get(port, "/", headers=[("Cookie", f"theme=dark; {token}")])
            self.assertEqual(response.header("X-Server"), home)
            self.assertIsNone(response.header("Set-Cookie"), "a client with the right cookie got a new one")
        # Without the cookie, round robin spreads requests again.
        spread = collections.Counter(get(port, "/").header("X-Server") for _ in range(6))
        self.assertEqual(len(spread), 3)
        # The server goes away: the cookie now leads elsewhere, and a new cookie says where.
        sy.ctl_ok("maint", f"app/{home}")
        moved = get(port, "/", headers=[("Cookie", token)])
        self.assertNotEqual(moved.header("X-Server"), home)
        self.assertNotEqual(moved.header("Set-Cookie").split(";")[0], token)


class HashTest(IntegrationTest):
    def test_hash_on_a_header_keeps_each_key_on_one_server(self):
        servers = [self.start_http_backend(f"app{i}") for i in range(1, 4)]
        sy = self.start_switchyard(http_config(servers, balance="hash",
                                               backend={"hash_on": "header", "hash_name": "X-User"}))
        port = sy.port()
        homes = {}
        for round_ in range(3):
            for user in range(12):
                server = get(port, "/", headers=[("X-User", f"user-{user}")]).header("X-Server")
                self.assertEqual(homes.setdefault(user, server), server, f"user-{user} moved in round {round_}")
        self.assertGreater(len(set(homes.values())), 1, "every key landed on one server")

    def test_hash_on_the_path_ignores_the_query(self):
        servers = [self.start_http_backend(f"app{i}") for i in range(1, 4)]
        sy = self.start_switchyard(http_config(servers, balance="hash", backend={"hash_on": "path"}))
        port = sy.port()
        for path in ("/a", "/b/c", "/d"):
            seen = {get(port, f"{path}?v={i}").header("X-Server") for i in range(5)}
            self.assertEqual(len(seen), 1, f"{path} went to {seen}")


class LeastConnTest(IntegrationTest):
    def test_least_conn_counts_requests_in_flight(self):
        app1 = self.start_http_backend("app1")
        app2 = self.start_http_backend("app2")
        sy = self.start_switchyard(http_config([app1, app2], balance="least_conn"))
        port = sy.port()
        # Three slow requests in flight, spread 2:1 or 1:2.
        slow = [Connection(port) for _ in range(3)]
        for connection in slow:
            self.addCleanup(connection.close)
            connection.send(b"GET /sleep/1500 HTTP/1.1\r\nHost: t\r\n\r\n")
        wait_for(lambda: app1.request_count() + app2.request_count() == 3, 5, "3 slow requests at the servers")
        busy = collections.Counter(r["server"] for r in app1.requests + app2.requests)
        idle_one = min(("app1", "app2"), key=lambda name: busy[name])
        # Kept-alive client connections that are idle count for nothing: the
        # next quick requests go to the server with fewer requests in flight.
        for _ in range(3):
            self.assertEqual(get(port, "/").header("X-Server"), idle_one)
        rows = {row["server"]: row["active"] for row in sy.servers("app")}
        self.assertEqual(sorted(rows.values()), sorted([busy["app1"], busy["app2"]]))
        for connection in slow:
            self.assertEqual(connection.read_response().status, 200)
        wait_for(lambda: all(row["active"] == 0 for row in sy.servers("app")), 5, "in-flight counts to return to 0")


if __name__ == "__main__":
    unittest.main()
