"""Planned switchover from the admin socket, over real streaming replication.
`pause DATABASE` answers once the transactions in flight have finished and
holds new ones (they wait, they do not fail) until `resume DATABASE`.
`switchover CLUSTER TARGET` pauses every database of the cluster, waits for
the transactions in flight, lets the operator promote TARGET (here: the old
primary is stopped cleanly, the replica promoted, the others re-pointed)
and resumes once the role checks see TARGET as primary: writers and readers
running all along see zero errors, and every acknowledged commit is on the
new primary."""
import subprocess
import threading
import time
import unittest

from fixtures import wait_for
from fixtures.pg_ha import HaClusterTest, ha_database, start_load, wait_progress

DATABASES = [ha_database("app", "primary"), ha_database("app_ro", "replica")]


class PauseResumeTest(HaClusterTest):
    cluster_name = "pr"
    replicas = 1

    def setUp(self):
        super().setUp()
        self.primary = self.servers[0]
        self.start_proxy(DATABASES)
        self.wait_roles({self.primary.name: "primary", self.servers[1].name: "replica"})

    def ctl_in_background(self, *args):
        process = subprocess.Popen([self.sy.binary, "ctl", "--socket", self.sy.admin_socket, *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.addCleanup(lambda: process.poll() is None and process.kill())
        return process

    def test_pause_waits_for_the_transaction_in_flight_and_holds_new_ones_until_resume(self):
        in_flight = self.connect3("app", autocommit=False)
        in_flight.execute("INSERT INTO ledger (id, writer, port) VALUES (1, 1, inet_server_port())")

        pause = self.ctl_in_background("pause", "app")
        time.sleep(0.5)
        self.assertIsNone(pause.poll(), "pause answered while a transaction was still in flight")
        in_flight.commit()  # the transaction in flight may finish
        out, err = pause.communicate(timeout=10)
        self.assertEqual(pause.returncode, 0, err)
        self.assertIn("database app paused; no transaction in flight", out)

        # a new transaction waits (it does not fail) while the database is paused
        waiter = self.connect3("app")
        outcome = {}

        def write():
            try:
                waiter.execute("INSERT INTO ledger (id, writer, port) VALUES (2, 2, inet_server_port())")
                outcome["done_at"] = time.monotonic()
            except Exception as error:  # noqa: BLE001 - the assertion below reports it
                outcome["error"] = error
        thread = threading.Thread(target=write, daemon=True)
        thread.start()
        wait_for(lambda: any(row["database"] == "app" and row["clients_waiting"] >= 1
                             for row in self.sy.ctl_json("show", "pools")), 10, "show pools: a client waiting on app")
        time.sleep(1.0)
        self.assertEqual(outcome, {}, "a transaction ran (or failed) while the database was paused")

        resumed_at = time.monotonic()
        self.assertIn("database app resumed", self.sy.ctl_ok("resume", "app"))
        thread.join(timeout=10)
        self.assertNotIn("error", outcome, f"the held transaction failed: {outcome.get('error')}")
        self.assertIn("done_at", outcome, "the held transaction did not finish after resume")
        self.assertLess(outcome["done_at"] - resumed_at, 2.0, "the held transaction took long after resume")
        self.assertEqual(self.primary.value("SELECT count(*) FROM ledger WHERE id IN (1, 2)", dbname="app"), 2)

    def test_pause_of_an_unknown_database_is_an_error(self):
        result = self.sy.ctl("pause", "nope")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('no database "nope"', result.stderr + result.stdout)


class SwitchoverTest(HaClusterTest):
    cluster_name = "sw"
    synchronous = True

    def test_switchover_under_load_has_no_client_errors(self):
        old, target, other = self.servers
        self.start_proxy(DATABASES)
        self.wait_roles({old.name: "primary", target.name: "replica", other.name: "replica"})
        writers = start_load(self, self.port, "app", 3, write=True)
        readers = start_load(self, self.port, "app_ro", 2, write=False, first_client=10)
        wait_progress(writers + readers, 10, 60, "load before the switchover")

        mark = self.sy.log_mark()
        switchover = subprocess.Popen([self.sy.binary, "ctl", "--socket", self.sy.admin_socket, "switchover",
                                       "main", target.name], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True)
        self.addCleanup(lambda: switchover.poll() is None and switchover.kill())
        self.sy.wait_for_log(r"switchover of cluster main: no transaction in flight after \d+ms; promote now", 15,
                             after=mark)
        # what an operator (or Patroni) does now: a clean stop of the primary, so
        # the replicas have every commit, then the promotion
        paused_at = time.monotonic()
        old.stop("fast")
        self.cluster.promote(target)
        out, err = switchover.communicate(timeout=30)
        resumed_at = time.monotonic()
        self.assertEqual(switchover.returncode, 0, f"switchover failed: {out} {err}")
        self.assertRegex(out, rf"switchover of main done in \d+ms: primary {old.name} -> {target.name}")

        self.cluster.repoint(other, target)
        self.cluster.start_as_replica(old, target)
        self.wait_roles({target.name: "primary", other.name: "replica", old.name: "replica"}, timeout=30)
        wait_progress(writers + readers, 10, 60, "load after the switchover")
        for thread in writers + readers:
            thread.stop()
        for thread in writers + readers:
            thread.join(timeout=30)

        for thread in writers + readers:
            self.assertIsNone(thread.fatal, f"{thread.name}: {thread.fatal}")
            self.assertEqual(thread.errors, [], f"{thread.name} saw errors during a planned switchover")
        rows = dict(target.sql("SELECT id, port FROM ledger", dbname="app"))
        acknowledged = {t.key for w in writers for t in w.acknowledged}
        self.assertEqual(sorted(acknowledged - rows.keys()), [], "acknowledged commits missing on the new primary")
        after = {t.key for w in writers for t in w.acknowledged if t.started > resumed_at}
        self.assertTrue(after, "no write after the switchover")
        self.assertEqual({rows[key] for key in after}, {target.port}, "writes after the switchover went elsewhere")
        # the writers were held, not failed: the longest pause they saw covers the promotion
        longest = max(t.ended - t.started for w in writers for t in w.acknowledged if t.ended > paused_at)
        self.assertGreater(longest, 0.05, "no writer waited during the switchover")


if __name__ == "__main__":
    unittest.main()
