"""Operator commands on a running instance: drain, maint, ready and set weight
change where new connections go (and only that), and show servers reflects
each change."""
import collections
import time
import unittest

from fixtures import FAST_CHECKS, NO_CHECKS, IntegrationTest, hello_names, tcp_config, wait_for

SERVER_COLUMNS = ["backend", "server", "address", "admin", "health", "ejected_for_s", "role", "timeline", "weight",
                  "backup", "active", "total", "connect_failures", "bytes_in", "bytes_out", "health_since_s",
                  "health_reason", "last_check"]


class AdminTest(IntegrationTest):
    workers = 2
    health = FAST_CHECKS

    def setUp(self):
        super().setUp()
        self.a1, self.a2 = self.start_backends("a1", "a2")
        self.sy = self.start_switchyard(tcp_config([self.a1, self.a2], workers=self.workers, health=self.health))
        self.port = self.sy.port()

    def conversation_on(self, name, attempts=10):
        for _ in range(attempts):
            conversation = self.conversation(self.port)
            if conversation.name == name:
                return conversation
        self.fail(f"no connection reached {name} in {attempts} attempts")

    def state(self, name):
        row = self.sy.server("app", name)
        return row["admin"], row["health"], row["weight"]

    def probes_reaching(self, backend, window):
        """Connections `backend` accepts during `window` seconds of no client traffic (health probes)."""
        before = backend.accepted
        time.sleep(window)  # an observation window: counting what happens in it
        return backend.accepted - before


class DrainTest(AdminTest):
    def test_drain_keeps_the_established_connection_and_sends_new_ones_elsewhere(self):
        established = self.conversation_on("a1")
        result = self.sy.ctl("drain", "app/a1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "app/a1 is now drain\n")
        self.assertEqual(self.state("a1"), ("drain", "up", 100))

        for i in range(5):
            payload = f"round trip {i} after drain\n".encode()
            self.assertEqual(established.echo(payload), payload)
        self.assertEqual(hello_names(self.port, 20), collections.Counter({"a2": 20}))
        self.assertEqual(self.sy.server("app", "a1")["active"], 1)
        self.assertIn("drain", self.sy.log_text())

    def test_drained_server_is_still_checked(self):
        self.sy.ctl_ok("drain", "app/a1")
        self.assertGreaterEqual(self.probes_reaching(self.a1, 1.0), 2, "health checks stopped during drain")
        self.assertTrue(self.sy.server("app", "a1")["last_check"].startswith("ok"))

    def test_ready_after_drain_brings_new_connections_back(self):
        self.sy.ctl_ok("drain", "app/a1")
        self.assertEqual(hello_names(self.port, 10), collections.Counter({"a2": 10}))
        result = self.sy.ctl("ready", "app/a1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "app/a1 is now ready\n")
        self.assertEqual(self.state("a1"), ("ready", "up", 100))
        counts = hello_names(self.port, 20)
        self.assertGreaterEqual(counts["a1"], 8, counts)


class MaintTest(AdminTest):
    def test_maint_stops_new_connections_and_health_checks(self):
        self.assertGreaterEqual(self.probes_reaching(self.a1, 0.6), 1, "no health checks before maint")
        result = self.sy.ctl("maint", "app/a1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "app/a1 is now maint\n")
        self.assertEqual(self.state("a1")[0], "maint")
        self.assertIn("paused", self.sy.server("app", "a1")["last_check"])

        self.assertEqual(hello_names(self.port, 20), collections.Counter({"a2": 20}))
        time.sleep(0.3)  # a probe already connecting when maint came in may still land
        self.assertEqual(self.probes_reaching(self.a1, 1.0), 0, "a server in maint was still probed")
        self.assertGreaterEqual(self.probes_reaching(self.a2, 0.6), 1, "checks of the other server stopped too")

    def test_ready_after_maint_resumes_checks_and_traffic(self):
        self.sy.ctl_ok("maint", "app/a1")
        self.sy.ctl_ok("ready", "app/a1")
        wait_for(lambda: not self.sy.server("app", "a1")["last_check"].startswith("paused"), 3,
                 "a1's checks to resume")
        self.assertEqual(self.state("a1"), ("ready", "up", 100))
        self.assertGreaterEqual(self.probes_reaching(self.a1, 0.6), 1)
        counts = hello_names(self.port, 20)
        self.assertGreaterEqual(counts["a1"], 8, counts)


class WeightTest(AdminTest):
    workers = 1  # exact shares
    health = NO_CHECKS

    def test_weight_zero_stops_new_connections_but_not_established_ones(self):
        established = self.conversation_on("a1")
        result = self.sy.ctl("set", "weight", "app/a1", "0")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "app/a1 weight is now 0\n")
        self.assertEqual(self.state("a1"), ("ready", "up", 0))
        self.assertEqual(hello_names(self.port, 20), collections.Counter({"a2": 20}))
        self.assertEqual(established.echo(b"weight 0 is not a kill\n"), b"weight 0 is not a kill\n")

    def test_set_weight_changes_the_share_and_restores_it(self):
        self.sy.ctl_ok("set", "weight", "app/a1", "0")
        self.sy.ctl_ok("set", "weight", "app/a1", "300")
        self.assertEqual(self.state("a1"), ("ready", "up", 300))
        self.assertEqual(hello_names(self.port, 40), collections.Counter({"a1": 30, "a2": 10}))
        self.sy.ctl_ok("set", "weight", "app/a1", "100")
        self.assertEqual(self.state("a1"), ("ready", "up", 100))
        self.assertEqual(hello_names(self.port, 40), collections.Counter({"a1": 20, "a2": 20}))

    def test_invalid_weights_are_refused_and_change_nothing(self):
        for weight in ("1001", "-1", "ten", "5x"):
            with self.subTest(weight=weight):
                result = self.sy.ctl("set", "weight", "app/a1", weight)
                self.assertEqual(result.returncode, 1, result.stdout)
                self.assertRegex(result.stderr, r"weight must be (between 0 and 1000|a number from 0 to 1000)")
                self.assertEqual(self.state("a1")[2], 100)


class ShowServersTest(AdminTest):
    workers = 1  # exact per-server counts
    def test_show_servers_json_has_every_column_with_typed_values(self):
        self.assertEqual(hello_names(self.port, 4).total(), 4)
        rows = self.sy.servers()
        self.assertEqual([(r["backend"], r["server"]) for r in rows], [("app", "a1"), ("app", "a2")])
        for row, backend in zip(rows, (self.a1, self.a2)):
            self.assertEqual(list(row), SERVER_COLUMNS)
            self.assertEqual(row["address"], backend.address)
            self.assertEqual((row["admin"], row["health"], row["weight"], row["backup"]), ("ready", "up", 100, "no"))
            # roles mean something only for backends with PostgreSQL role checks
            self.assertEqual((row["role"], row["timeline"]), ("-", 0))
            for column in ("weight", "active", "total", "connect_failures", "bytes_in", "bytes_out",
                           "health_since_s"):
                self.assertIsInstance(row[column], int, column)
            self.assertEqual(row["total"], 2)
            # Each hello server sent its name and a newline to each of its two clients.
            self.assertEqual(row["bytes_in"], 2 * (len(backend.name) + 1))
            self.assertEqual(row["bytes_out"], 0)
        self.assertEqual([r["server"] for r in self.sy.servers("app")], ["a1", "a2"])

    def test_show_servers_text_is_a_table_with_a_header(self):
        text = self.sy.ctl_ok("show", "servers")
        header, *lines = text.splitlines()
        self.assertEqual(header.split(), SERVER_COLUMNS)
        self.assertEqual([line.split()[:2] for line in lines], [["app", "a1"], ["app", "a2"]])


if __name__ == "__main__":
    unittest.main()
