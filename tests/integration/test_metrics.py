"""The Prometheus endpoint ([global] metrics_bind): GET /metrics in the text
exposition format, with the numbers the proxy keeps — connections per
listener and server, server health and operator state, reloads, and for the
PostgreSQL front the pools' server connections and transactions. Values are
compared with what the test itself did."""
import re
import unittest
import urllib.request

from fixtures import FAST_CHECKS, IntegrationTest, hello_names, http_config, tcp_config, wait_for
from fixtures.http_client import get
from fixtures.pg_proxy import PostgresProxyTest, database, psql
from fixtures.switchyard import run_binary

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')


def parse_metrics(text):
    """{(name, frozenset of (label, value))): float} from the text format."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        if not match:
            raise AssertionError(f"not a sample line: {line!r}")
        name, labels, value = match.groups()
        pairs = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', labels or ""))
        samples[(name, pairs)] = float(value)
    return samples


class MetricsClient:
    def __init__(self, sy):
        line = sy.wait_for_log(r"metrics on http://127\.0\.0\.1:\d+/metrics", 10)
        self.url = re.search(r"(http://\S+/metrics)", line).group(1)

    def scrape(self):
        with urllib.request.urlopen(self.url, timeout=10) as response:
            self.content_type = response.headers.get("Content-Type", "")
            return parse_metrics(response.read().decode())

    def value(self, name, **labels):
        return self.scrape().get((name, frozenset(labels.items())))


class TcpMetricsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.a1, self.a2 = self.start_backends("a1", "a2")
        self.sy = self.start_switchyard(tcp_config([self.a1, self.a2], workers=2, health=FAST_CHECKS,
                                                   global_settings={"metrics_bind": "127.0.0.1:0"}))
        self.metrics = MetricsClient(self.sy)

    def test_connection_counters_match_the_traffic(self):
        seen = hello_names(self.sy.port(), 10)
        samples = self.metrics.scrape()
        self.assertIn("text/plain", self.metrics.content_type)
        self.assertEqual(samples[("switchyard_listener_accepted_total",
                                  frozenset({("listener", "web"), ("protocol", "tcp")}))], 10)
        for name in ("a1", "a2"):
            labels = frozenset({("backend", "app"), ("server", name)})
            self.assertEqual(samples[("switchyard_server_connections_total", labels)], seen[name],
                             f"connections handed to {name}")
            self.assertEqual(samples[("switchyard_server_weight", labels)], 100)
        self.assertEqual(samples[("switchyard_workers", frozenset())], 2)
        version = run_binary("--version").stdout.split()[1]
        self.assertEqual([key for key in samples if key[0] == "switchyard_build_info"][0][1],
                         frozenset({("version", version)}))

    def test_server_state_follows_drain_and_health(self):
        self.sy.ctl_ok("drain", "app/a1")
        labels = {"backend": "app", "server": "a1"}
        self.assertEqual(self.metrics.value("switchyard_server_admin_state", state="drain", **labels), 1)
        self.assertEqual(self.metrics.value("switchyard_server_admin_state", state="ready", **labels), 0)
        self.assertEqual(self.metrics.value("switchyard_server_up", **labels), 1)
        self.a2.stop()
        wait_for(lambda: self.metrics.value("switchyard_server_up", backend="app", server="a2") == 0, 10,
                 "switchyard_server_up of a2 to drop to 0")

    def test_reloads_are_counted_by_outcome(self):
        self.sy.ctl_ok("reload")
        with open(self.sy.config_path, "a") as config:
            config.write("\n[nonsense]\n")
        self.assertNotEqual(self.sy.ctl("reload").returncode, 0)
        self.assertEqual(self.metrics.value("switchyard_config_reloads_total", result="ok"), 1)
        self.assertEqual(self.metrics.value("switchyard_config_reloads_total", result="rejected"), 1)


class HttpMetricsTest(IntegrationTest):
    def test_responses_are_counted_by_status_class_and_retries_are_counted(self):
        good = self.start_http_backend("good")
        bad = self.start_http_backend("bad")
        sy = self.start_switchyard(http_config([good, bad], global_settings={"metrics_bind": "127.0.0.1:0"}))
        metrics = MetricsClient(sy)
        statuses = [get(sy.port(), path).status for path in ["/status/200"] * 4 + ["/status/404"] * 2 + ["/status/503"]]
        self.assertEqual(statuses, [200] * 4 + [404] * 2 + [503])
        # "bad" drops every /fail-on/bad GET it gets; each is retried on "good"
        bad.reset_counts()
        self.assertEqual([get(sy.port(), "/fail-on/bad").status for _ in range(4)], [200] * 4)
        dropped = bad.request_count()
        self.assertGreaterEqual(dropped, 1, "round robin sent no request to bad")
        samples = metrics.scrape()
        listener = {("listener", "web"), ("protocol", "http")}
        self.assertEqual(samples[("switchyard_http_responses_total", frozenset(listener | {("code", "2xx")}))], 8)
        self.assertEqual(samples[("switchyard_http_responses_total", frozenset(listener | {("code", "4xx")}))], 2)
        self.assertEqual(samples[("switchyard_http_responses_total", frozenset(listener | {("code", "5xx")}))], 1)
        self.assertEqual(samples[("switchyard_http_retries_total", frozenset(listener))], dropped)
        by_server = {name: samples.get(("switchyard_server_http_responses_total",
                                        frozenset({("backend", "app"), ("server", name), ("code", "2xx")})), 0)
                     for name in ("good", "bad")}
        self.assertEqual(sum(by_server.values()), 8, f"2xx answered by the servers: {by_server}")
        self.assertEqual(samples[("switchyard_server_ejected", frozenset({("backend", "app"), ("server", "bad")}))], 0)


class PostgresMetricsTest(PostgresProxyTest):
    def test_pool_metrics_count_transactions_and_server_connections(self):
        self.start_proxy([database(pool_mode="transaction", pool_size=2)],
                         global_settings={"metrics_bind": "127.0.0.1:0"})
        metrics = MetricsClient(self.sy)
        result = psql(self.port, ["SELECT 1", "SELECT 2", "BEGIN", "SELECT 3", "COMMIT"])
        self.assertEqual(result.returncode, 0, result.stderr)
        labels = {"database": "app", "user": "app", "target": "primary"}
        samples = metrics.scrape()
        self.assertEqual(samples[("switchyard_pg_pool_transactions_total", frozenset(labels.items()))], 3)
        self.assertEqual(samples[("switchyard_pg_pool_queries_total", frozenset(labels.items()))], 5)
        self.assertGreaterEqual(samples[("switchyard_pg_pool_server_connections", frozenset(labels.items()))], 1)
        self.assertEqual(samples[("switchyard_pg_pool_clients_waiting", frozenset(labels.items()))], 0)
        self.assertEqual(samples[("switchyard_pg_database_paused", frozenset({("database", "app")}))], 0)


if __name__ == "__main__":
    unittest.main()
