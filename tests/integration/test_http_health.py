"""HTTP health checks (type = "http") against real nginx and a scriptable
test server: a server whose check answers the wrong status, lacks the
expected body text or does not answer in time goes DOWN after `fall` probes,
with the reason in the log and in `show servers`, and comes back UP after
`rise` good ones; the probe sends the configured method, path and Host.
Traffic goes through a tcp listener: the checks are the backend's, whatever
the front."""
import unittest

from fixtures import IntegrationTest, hello_names, server, tcp_config, wait_for
from fixtures.http_servers import HttpTestServer, Nginx, http_get

INTERVAL = "200ms"
FALL = 2
RISE = 2
# A state change needs FALL (or RISE) probes 200ms apart: well under 2s even
# on a loaded machine; the waits allow more.
CHANGE_TIMEOUT = 8


def http_check(**settings):
    return {"type": "http", "interval": INTERVAL, "timeout": "150ms", "rise": RISE, "fall": FALL,
            "passive_fall": 0, **settings}


class HttpHealthTest(IntegrationTest):
    def start_proxy(self, servers, **check):
        self.sy = self.start_switchyard(tcp_config(servers, health=http_check(**check)))
        return self.sy

    def wait_state(self, name, health, reason_part, timeout=CHANGE_TIMEOUT):
        """Waits for the server's health and returns its show-servers row, whose
        health_reason must name `reason_part` and the probe count."""
        wait_for(lambda: self.sy.server("app", name)["health"] == health, timeout,
                 f"app/{name} to be {health}; show servers: {self.sy.servers('app')}")
        row = self.sy.server("app", name)
        needed = FALL if health == "down" else RISE
        self.assertIn(reason_part, row["health_reason"], f"health_reason of app/{name}: {row}")
        self.assertTrue(row["health_reason"].endswith(f"({needed}/{needed})"), row["health_reason"])
        word = "DOWN" if health == "down" else "UP"
        line = self.sy.wait_for_log(rf"server app/{name} {word}: ", timeout=2)
        self.assertIn(reason_part, line)
        return row


class NginxStatusTest(HttpHealthTest):
    def test_wrong_status_from_nginx_takes_the_server_down_and_the_right_one_brings_it_back(self):
        nginx = self._own(Nginx(self.workdir)).start()
        nginx.write_file("health", "ok\n")
        self.start_proxy([server("web1", nginx.address)], path="/health", expect_status="200")
        wait_for(lambda: self.sy.server("app", "web1")["last_check"].startswith("ok: HTTP 200 in "), CHANGE_TIMEOUT,
                 "a passed HTTP check of web1")

        nginx.remove_file("health")  # nginx answers 404 from now on
        mark = self.sy.log_mark()
        row = self.wait_state("web1", "down", "HTTP 404")
        self.assertEqual(row["last_check"], "failed: HTTP 404")
        self.assertIsNotNone(self.sy.find_log(r"server app/web1 DOWN: HTTP 404 \(2/2\)", mark))

        nginx.write_file("health", "ok\n")
        row = self.wait_state("web1", "up", "HTTP 200")
        self.assertTrue(row["last_check"].startswith("ok: HTTP 200 in "), row)
        # The relay uses the server again: nginx answers through the tcp listener.
        self.assertEqual(http_get(self.sy.port(), "/health")[0], 200)

    def test_body_without_the_expected_text_takes_the_server_down(self):
        nginx = self._own(Nginx(self.workdir)).start()
        nginx.write_file("status", "database: ok\n")
        self.start_proxy([server("web1", nginx.address)], path="/status", expect_body="database: ok")
        wait_for(lambda: self.sy.server("app", "web1")["last_check"].startswith("ok: HTTP 200"), CHANGE_TIMEOUT,
                 "a passed HTTP check of web1")

        nginx.write_file("status", "database: unreachable\n")  # still 200
        row = self.wait_state("web1", "down", 'body does not contain "database: ok"')
        self.assertEqual(row["last_check"], 'failed: body does not contain "database: ok"')

        nginx.write_file("status", "database: ok\n")
        self.wait_state("web1", "up", "HTTP 200")


class TestServerCheckTest(HttpHealthTest):
    def start_servers(self, *names):
        return [self._own(HttpTestServer(self.workdir, name)).start() for name in names]

    def test_the_check_sends_the_configured_method_path_and_host(self):
        (app,) = self.start_servers("app1")
        self.start_proxy([server("app1", app.address)], method="HEAD", path="/healthz?deep=1",
                         host="app.internal")
        wait_for(lambda: app.last_request()["count"] >= 2, CHANGE_TIMEOUT, "two checks to reach app1")
        self.assertEqual(app.last_request() | {"count": 0},
                         {"method": "HEAD", "path": "/healthz?deep=1", "host": "app.internal", "count": 0})

    def test_host_defaults_to_the_servers_host_and_port(self):
        (app,) = self.start_servers("app1")
        self.start_proxy([server("app1", app.address)])
        wait_for(lambda: app.last_request()["count"] >= 1, CHANGE_TIMEOUT, "a check to reach app1")
        self.assertEqual(app.last_request()["host"], f"127.0.0.1:{app.port}")
        self.assertEqual(app.last_request()["path"], "/")

    def test_503_takes_one_server_down_while_the_other_stays_up(self):
        a1, a2 = self.start_servers("a1", "a2")
        self.start_proxy([server("a1", a1.address), server("a2", a2.address)], expect_status="200-299")
        for name in ("a1", "a2"):
            wait_for(lambda: self.sy.server("app", name)["last_check"].startswith("ok: HTTP 200"), CHANGE_TIMEOUT,
                     f"a passed check of {name}")
        a1.set(status=503, body="maintenance")
        self.wait_state("a1", "down", "HTTP 503")
        self.assertEqual(self.sy.server("app", "a2")["health"], "up")
        # New connections all go to a2 now.
        relayed_to_a1 = self.sy.server("app", "a1")["total"]
        statuses = [http_get(self.sy.port(), "/page")[0] for _ in range(10)]
        self.assertEqual(statuses, [200] * 10, "every request through the listener went to the healthy a2")
        self.assertEqual(self.sy.server("app", "a1")["total"], relayed_to_a1, "no connection was relayed to a1")

        a1.set(status=200, body="ok")
        self.wait_state("a1", "up", "HTTP 200")

    def test_custom_status_list_accepts_what_it_names(self):
        (app,) = self.start_servers("app1")
        app.set(status=418, body="teapot")
        self.start_proxy([server("app1", app.address)], expect_status="200,418")
        wait_for(lambda: self.sy.server("app", "app1")["last_check"].startswith("ok: HTTP 418"), CHANGE_TIMEOUT,
                 "a passed check answered 418")
        app.set(status=200)
        wait_for(lambda: self.sy.server("app", "app1")["last_check"].startswith("ok: HTTP 200"), CHANGE_TIMEOUT,
                 "a passed check answered 200")
        app.set(status=204)
        self.wait_state("app1", "down", "HTTP 204")

    def test_a_server_that_answers_too_late_goes_down_by_timeouts_and_returns(self):
        (app,) = self.start_servers("app1")
        self.start_proxy([server("app1", app.address)])
        wait_for(lambda: self.sy.server("app", "app1")["last_check"].startswith("ok: HTTP 200"), CHANGE_TIMEOUT,
                 "a passed check of app1")
        app.set(delay=1.0)
        row = self.wait_state("app1", "down", "timeout after 150ms")
        self.assertEqual(row["last_check"], "failed: timeout after 150ms")
        app.set(delay=0)
        self.wait_state("app1", "up", "HTTP 200")

    def test_a_dead_server_fails_with_the_connect_error(self):
        (app,) = self.start_servers("app1")
        self.start_proxy([server("app1", app.address)])
        wait_for(lambda: self.sy.server("app", "app1")["last_check"].startswith("ok: HTTP 200"), CHANGE_TIMEOUT,
                 "a passed check of app1")
        app.close()
        self.wait_state("app1", "down", "connection refused")


if __name__ == "__main__":
    unittest.main()
