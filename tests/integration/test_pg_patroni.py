"""Patroni-managed PostgreSQL: with `type = "patroni"` checks, switchyard
learns each node's role from Patroni's REST API (GET /patroni on the node's
check_port) instead of logging in, and routes by it exactly as with
PostgreSQL checks. Runs against real Patroni 3 with etcd, two nodes
bootstrapped by Patroni itself (fixtures/patroni.py); a switchover is done
by Patroni (patronictl), and routing follows it."""
import threading
import time
import unittest

import psycopg

from fixtures.case import IntegrationTest
from fixtures.patroni import PatroniCluster
from fixtures.pg_ha import WHO_AM_I, dsn, ha_database, start_load, wait_progress
from fixtures.pg_proxy import APP_DB, APP_PASSWORD, APP_USER
from fixtures.postgres import SUPERUSER, SUPERUSER_PASSWORD
from fixtures.waiting import wait_for

CHECK = {"type": "patroni", "interval": "300ms", "timeout": "300ms", "rise": 1, "fall": 2}


def superuser_sql(node, statements, dbname="postgres"):
    with psycopg.connect(host=node.host, port=node.port, user=SUPERUSER, password=SUPERUSER_PASSWORD,
                         dbname=dbname, autocommit=True, connect_timeout=10) as conn:
        for statement in statements:
            conn.execute(statement)


class PatroniRoleTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = PatroniCluster(nodes=2)
        try:
            cls.cluster.start()
            leader = cls.cluster.leader()
            superuser_sql(leader, [f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'",
                                   f"CREATE DATABASE {APP_DB} OWNER {APP_USER}"])
            superuser_sql(leader, ["CREATE TABLE ledger (id bigint PRIMARY KEY, writer int, port int)",
                                   f"ALTER TABLE ledger OWNER TO {APP_USER}"], dbname=APP_DB)
        except BaseException:
            cls.cluster.close()
            raise
        cls.addClassCleanup(cls.cluster.close)

    def setUp(self):
        super().setUp()
        self.addCleanup(lambda: self._reports.append(self.cluster.report()))
        nodes = self.cluster.nodes
        self.sy = self.start_switchyard({
            "global": {"workers": 2, "shutdown_timeout": "10s", "log_level": "info"},
            "listener": [{"name": "pg", "bind": "127.0.0.1:0", "protocol": "postgres"}],
            "backend": [{"name": "main", "connect_timeout": "2s", "health_check": CHECK,
                         "server": [{"name": n.name, "address": f"{n.host}:{n.port}", "check_port": n.rest_port}
                                    for n in nodes]}],
            "database": [ha_database("app", "primary", failover_timeout="30s"), ha_database("app_ro", "replica")],
            "user": [{"name": APP_USER, "password": APP_PASSWORD}],
        })
        self.port = self.sy.port("pg")

    def roles(self):
        return {row["server"]: row["role"] for row in self.sy.ctl_json("show", "clusters")}

    def wait_roles(self, expected, timeout=30):
        return wait_for(lambda: self.roles() == expected, timeout,
                        f"show clusters to report {expected} (last: {self.roles()})")

    def answer(self, dbname):
        """(in_recovery, port) of the server that answers WHO_AM_I through the proxy."""
        with psycopg.connect(dsn(self.port, dbname), autocommit=True) as conn:
            return conn.execute(WHO_AM_I).fetchone()

    def current_roles(self):
        leader = self.cluster.leader()
        self.assertIsNotNone(leader, f"Patroni has no leader: {self.cluster.members()}")
        replica = next(node for node in self.cluster.nodes if node is not leader)
        return leader, replica

    def test_roles_come_from_patroni_and_route_writes_to_the_leader(self):
        leader, replica = self.current_roles()
        self.wait_roles({leader.name: "primary", replica.name: "replica"})
        row = self.sy.server("main", leader.name)
        self.assertIn("Patroni role master", row["last_check"], row)
        self.assertEqual(self.sy.server("main", replica.name)["role"], "replica")
        # Checks go to Patroni's port; traffic to PostgreSQL's.
        self.assertEqual(self.answer("app"), (False, leader.port))
        self.assertEqual(self.answer("app_ro"), (True, replica.port))

    def test_patroni_switchover_inside_a_switchyard_pause_moves_writes_with_no_client_error(self):
        """The documented planned switchover: `ctl switchover` pauses the
        cluster's databases, Patroni moves the leadership, switchyard sees the
        new leader through its REST API and resumes."""
        old, new = self.current_roles()
        self.wait_roles({old.name: "primary", new.name: "replica"})
        writers = start_load(self, self.port, "app", clients=2, write=True, pause=0.02)
        wait_progress(writers, 5, 30, "writes before the switchover")

        mark = self.sy.log_mark()
        outcome = {}
        ctl = threading.Thread(target=lambda: outcome.update(
            result=self.sy.ctl("switchover", "main", new.name, timeout=90)), daemon=True)
        ctl.start()
        self.sy.wait_for_log(r"switchover of cluster main: paused", 10, after=mark)
        started = time.monotonic()
        self.cluster.switchover(old, new)
        self.sy.wait_for_log(rf"cluster main: {new.name} is the primary now \(timeline \d+", 60, after=mark)
        noticed = time.monotonic() - started
        ctl.join(timeout=90)
        result = outcome.get("result")
        self.assertIsNotNone(result, "ctl switchover did not answer")
        self.assertEqual(result.returncode, 0, f"ctl switchover failed: {result.stdout}{result.stderr}")

        # Writes resume on the new leader, and the old one comes back as a replica.
        try:
            wait_progress(writers, 10, 60, "writes after the switchover")
        except AssertionError as error:
            raise AssertionError(f"{error}; writers: {[(w.fatal, w.errors[-3:]) for w in writers]}") from None
        self.wait_roles({new.name: "primary", old.name: "replica"}, timeout=60)
        self.assertEqual(self.answer("app"), (False, new.port))
        wait_for(lambda: self.answer("app_ro") == (True, old.port), 30, "reads to reach the old leader, a replica now")

        for writer in writers:
            writer.stop()
        for writer in writers:
            writer.join(timeout=30)
            self.assertIsNone(writer.fatal, f"a writer's connection broke: {writer.fatal}")
        errors = [t for writer in writers for t in writer.errors]
        self.assertEqual(errors, [], "clients saw errors during a paused switchover")
        acknowledged = [t.key for writer in writers for t in writer.acknowledged]
        with psycopg.connect(host=new.host, port=new.port, user=SUPERUSER, password=SUPERUSER_PASSWORD,
                             dbname=APP_DB) as conn:
            stored = {row[0] for row in conn.execute("SELECT id FROM ledger WHERE id = ANY(%s)", (acknowledged,))}
        self.assertEqual(set(acknowledged) - stored, set(), "acknowledged writes missing on the new leader")
        # Patroni needs a few seconds (loop_wait 1s); the check sees the result within an interval.
        self.assertLess(noticed, 30, f"the new leader was seen {noticed:.1f}s after patronictl started")

if __name__ == "__main__":
    unittest.main()
