"""Split brain: never write to two primaries. An old primary that comes
back after a failover as a primary on its old timeline (started without
rewind or standby.signal) is fenced — `show clusters` says so and it gets no
client session at all while writes go on to the new primary. Two servers
that both claim to be primary on the same timeline (two replicas promoted
independently after the primary stopped: each picks timeline 2) leave the
cluster without a primary: writes wait failover_timeout and fail with 08006
(an ErrorResponse: the session goes on), until the operator stops one of
them."""
import time
import unittest

import psycopg

from fixtures.pg_ha import HaClusterTest, ha_database, start_load, wait_progress
from fixtures.pg_proxy import psql

HEALTH_CHECK_APP = "switchyard health check"


class OldPrimaryBackTest(HaClusterTest):
    cluster_name = "sb"
    replicas = 1

    def test_an_old_primary_back_on_its_old_timeline_is_fenced_and_gets_no_traffic(self):
        old, new = self.servers
        self.start_proxy([ha_database("app", "primary"), ha_database("app_any", "any"),
                          ha_database("app_pref", "prefer_replica")])
        self.wait_roles({old.name: "primary", new.name: "replica"})
        writers = start_load(self, self.port, "app", 2, write=True)
        wait_progress(writers, 5, 60, "writes before the failover")

        self.cluster.stop_primary("immediate")
        self.cluster.promote(new)
        self.wait_primary(new)
        wait_progress(writers, 5, 30, "writes after the failover")

        mark = self.sy.log_mark()
        self.cluster.start_as_primary(old)
        self.assertEqual((old.in_recovery(), old.timeline(), new.timeline()), (False, 1, 2))
        rows_on_old = old.value("SELECT count(*) FROM ledger", dbname="app")
        self.wait_roles({old.name: "fenced", new.name: "primary"})
        fenced_at = time.monotonic()
        fenced = self.sy.find_log(rf"cluster main: {old.name} claims to be primary on timeline 1", after=mark)
        self.assertIsNotNone(fenced, "no log line says the old primary was fenced")
        self.assertIn(f"loses to {new.name}", fenced)
        self.assertEqual((self.clusters()[old.name]["timeline"], self.clusters()[new.name]["timeline"]), (1, 2))

        # traffic of every kind while the old primary is up and fenced
        wait_progress(writers, 20, 30, "writes while the old primary is fenced")
        any_answers = self.who_answers_concurrently("app_any", 6)
        pref_answers = self.who_answers_concurrently("app_pref", 3)
        self.assertNotIn(old.name, any_answers, "target = any sent a transaction to the fenced server")
        self.assertEqual(set(pref_answers), {new.name},
                         "prefer_replica (no replica left) should fall back to the new primary only")
        for writer in writers:
            writer.stop()

        sessions = [b for b in old.backends() if b["application_name"] != HEALTH_CHECK_APP]
        self.assertEqual(sessions, [], "the fenced old primary has client sessions from the proxy")
        self.assertEqual(old.value("SELECT count(*) FROM ledger", dbname="app"), rows_on_old,
                         "rows were written to the fenced old primary")
        for writer in writers:
            writer.join(timeout=30)
            # the transaction in flight when the old primary died may have failed; nothing after
            during = [t for t in writer.errors if t.started >= fenced_at]
            self.assertEqual(during, [], f"writer {writer.client} failed while the old primary was fenced")
            self.assertLessEqual(len(writer.errors), 1, f"writer {writer.client}: {writer.errors}")
            self.assertIsNone(writer.fatal, f"writer {writer.client}: {writer.fatal}")
        keys = [t.key for w in writers for t in w.acknowledged if t.started > fenced_at]
        rows = new.sql("SELECT port, count(*) FROM ledger WHERE id = ANY(%s) GROUP BY port", (keys,), dbname="app")
        self.assertEqual(rows, [(new.port, len(keys))], "writes while the old primary was fenced")


class SameTimelineTest(HaClusterTest):
    cluster_name = "sc"

    def test_two_primaries_on_the_same_timeline_leave_no_primary(self):
        old, first, second = self.servers
        self.start_proxy([ha_database("app", "primary", failover_timeout="2s")])
        self.wait_roles({old.name: "primary", first.name: "replica", second.name: "replica"})
        client = self.connect3("app")
        client.execute("INSERT INTO ledger (id, writer, port) VALUES (1, 0, inet_server_port())")

        mark = self.sy.log_mark()
        self.cluster.stop_primary("fast")  # both replicas get everything, then each is promoted on its own
        self.cluster.promote(first)
        second.promote()
        self.assertEqual((first.timeline(), second.timeline()), (2, 2))
        self.wait_roles({first.name: "fenced", second.name: "fenced"})
        self.assertNotIn("primary", self.roles().values())
        self.assertIsNotNone(self.sy.find_log(r"cluster main: no primary \(several servers claim it on the same "
                                              r"timeline", after=mark), "the contested election was not logged")

        started = time.monotonic()
        with self.assertRaises(psycopg.OperationalError) as caught:
            client.execute("INSERT INTO ledger (id, writer, port) VALUES (2, 0, inet_server_port())")
        waited = time.monotonic() - started
        self.assertEqual(caught.exception.sqlstate, "08006", str(caught.exception))
        self.assertIn("failover_timeout", str(caught.exception))
        self.assertTrue(1.8 <= waited <= 4.0, f"the write failed after {waited:.2f}s, failover_timeout is 2s")
        result = psql(self.port, "INSERT INTO ledger (id, writer, port) VALUES (3, 0, inet_server_port())")
        self.assertNotEqual(result.returncode, 0, "a write went through with two primaries on one timeline")
        self.assertIn("failover_timeout", result.stderr)
        for server in (first, second):
            self.assertEqual(server.value("SELECT count(*) FROM ledger WHERE id > 1", dbname="app"), 0,
                             f"a write reached {server.name}")

        # the operator settles it: one of them goes, the other is the primary
        second.stop("fast")
        self.wait_primary(first)
        # the client whose write timed out is still connected, and writes now
        self.assertFalse(client.closed, "the failover_timeout error closed the client's connection")
        client.execute("INSERT INTO ledger (id, writer, port) VALUES (4, 0, inet_server_port())")
        self.assertEqual(first.value("SELECT port FROM ledger WHERE id = 4", dbname="app"), first.port)


if __name__ == "__main__":
    unittest.main()
