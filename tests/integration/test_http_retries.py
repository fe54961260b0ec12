"""Retries: a dead server costs GETs nothing (connect failures move on to the
next server), an idempotent request whose server fails after receiving it is
retried once elsewhere, and a POST that reached a server is never sent twice."""
import threading
import unittest

from fixtures import IntegrationTest, http_config, server, wait_for
from fixtures.http_client import Connection, get


class RetryTest(IntegrationTest):
    def test_dead_server_costs_no_failed_gets(self):
        alive = self.start_http_backend("alive")
        dead = self.start_http_backend("dead")
        dead_address = dead.address
        dead.kill()
        # No health checks: only retries stand between the clients and the dead server.
        sy = self.start_switchyard(http_config([alive, server("dead", dead_address)], workers=2,
                                               backend={"retries": 1}))
        port = sy.port()
        statuses = []

        def client():
            with Connection(port) as connection:
                for _ in range(25):
                    statuses.append(connection.request("GET", "/").status)

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        for _ in range(20):  # and on new connections
            statuses.append(get(port, "/").status)
        self.assertEqual(statuses, [200] * 120)
        alive.wait_requests(120)
        self.assertGreater(sy.server("app", "dead")["connect_failures"], 0)

    def test_get_whose_server_fails_after_receiving_it_is_retried_on_another(self):
        app1 = self.start_http_backend("app1")
        app2 = self.start_http_backend("app2")
        sy = self.start_switchyard(http_config([app1, app2]))
        port = sy.port()
        for _ in range(4):  # round robin: each server gets some of the first tries
            response = get(port, "/reset")
            self.assertEqual(response.status, 502, "a server resetting every request leaves nothing to retry on")
        wait_for(lambda: app1.request_count() + app2.request_count() >= 8, 5, "8 requests at the servers")
        self.assertEqual(app1.request_count() + app2.request_count(), 8, "each GET was tried exactly twice")
        mark = sy.log_mark()
        app1.reset_counts()
        app2.reset_counts()
        # app1 drops the request, app2 answers it. Round robin sends one of the
        # two GETs to app1 first: that one is retried on app2.
        for i in range(2):
            self.assertEqual(get(port, "/fail-on/app1", headers=[("X-Request-Id", f"retry-{i}")]).status, 200)
        lines = [sy.wait_for_log(f"request_id=retry-{i}", timeout=3, after=mark) for i in range(2)]
        self.assertEqual(sorted("retries=1" in line for line in lines), [False, True])
        self.assertTrue(all("server=app2" in line for line in lines))
        wait_for(lambda: app1.request_count() + app2.request_count() >= 3, 5, "3 requests at the servers")
        self.assertEqual((app1.request_count(), app2.request_count()), (1, 2))

    def test_post_that_reached_a_server_is_not_retried(self):
        app1 = self.start_http_backend("app1")
        app2 = self.start_http_backend("app2")
        sy = self.start_switchyard(http_config([app1, app2]))
        with Connection(sy.port()) as connection:
            response = connection.request("POST", "/drop", body=b"charge the card once")
            self.assertEqual(response.status, 502)
        wait_for(lambda: app1.request_count() + app2.request_count() >= 1, 5, "the POST at a server")
        self.assertEqual(app1.request_count() + app2.request_count(), 1, "the POST was sent to a server twice")
        line = sy.wait_for_log(r"method=POST target=/drop status=502", timeout=3)
        self.assertIn("retries=0", line)

    def test_idempotent_put_with_a_body_is_retried_with_the_same_body(self):
        app1 = self.start_http_backend("app1")
        app2 = self.start_http_backend("app2")
        sy = self.start_switchyard(http_config([app1, app2]))
        body = b"x" * 5000
        with Connection(sy.port()) as connection:
            response = connection.request("PUT", "/drop", body=body)
            self.assertEqual(response.status, 502)
        wait_for(lambda: app1.request_count() + app2.request_count() >= 2, 5, "the PUT at both servers")
        requests = app1.requests + app2.requests
        self.assertEqual([(r["method"], r["body_length"]) for r in requests], [("PUT", 5000)] * 2)
        self.assertEqual(len({r["server"] for r in requests}), 2, "the retry went to the same server")

    def test_retry_idempotent_off_sends_once(self):
        app1 = self.start_http_backend("app1")
        app2 = self.start_http_backend("app2")
        sy = self.start_switchyard(http_config([app1, app2], backend_http={"retry_idempotent": False}))
        self.assertEqual(get(sy.port(), "/drop").status, 502)
        wait_for(lambda: app1.request_count() + app2.request_count() >= 1, 5, "the GET at a server")
        self.assertEqual(app1.request_count() + app2.request_count(), 1)


if __name__ == "__main__":
    unittest.main()
