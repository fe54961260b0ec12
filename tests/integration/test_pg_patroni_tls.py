"""Patroni checks over HTTPS: a real Patroni node (with etcd) whose REST API
serves HTTPS (restapi.certfile/keyfile) and whose PostgreSQL has ssl = on,
one certificate for 127.0.0.1 from a CA the test makes. With the backend's
[backend.tls] naming that CA, `type = "patroni"` checks verify the REST API
and follow the roles as over HTTP (the primary is found, writes reach it
over TLS); with another CA the node stays down, and the log says why once."""
import os
import time
import unittest

import psycopg

from fixtures.case import IntegrationTest
from fixtures.patroni import PatroniCluster
from fixtures.pg_ha import dsn, ha_database
from fixtures.pg_proxy import APP_DB, APP_PASSWORD, APP_USER
from fixtures.pki import Pki
from fixtures.postgres import SUPERUSER, SUPERUSER_PASSWORD
from fixtures.waiting import wait_for

CHECK = {"type": "patroni", "interval": "500ms", "timeout": "500ms", "rise": 1, "fall": 2}


class PatroniHttpsTest(IntegrationTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cluster = PatroniCluster(nodes=1, tls=True)
        try:
            cls.cluster.start()  # one node bootstraps in ~8 s here: real Patroni is quick enough for CI
            node = cls.cluster.nodes[0]
            with psycopg.connect(host=node.host, port=node.port, user=SUPERUSER, password=SUPERUSER_PASSWORD,
                                 dbname="postgres", autocommit=True, connect_timeout=10, sslmode="require") as conn:
                conn.execute(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{APP_PASSWORD}'")
                conn.execute(f"CREATE DATABASE {APP_DB} OWNER {APP_USER}")
        except BaseException:
            cls.cluster.close()
            raise
        cls.addClassCleanup(cls.cluster.close)

    def start(self, ca):
        self.addCleanup(lambda: self._reports.append(self.cluster.report()))
        self.sy = self.start_switchyard({
            "global": {"workers": 1, "shutdown_timeout": "10s", "log_level": "info"},
            "listener": [{"name": "pg", "bind": "127.0.0.1:0", "protocol": "postgres"}],
            "backend": [{"name": "main", "connect_timeout": "2s", "health_check": CHECK,
                         "tls": {"ca": str(ca)},
                         "server": [{"name": n.name, "address": f"{n.host}:{n.port}", "check_port": n.rest_port}
                                    for n in self.cluster.nodes]}],
            "database": [ha_database("app", "primary", failover_timeout="5s")],
            "user": [{"name": APP_USER, "password": APP_PASSWORD}],
        })
        return self.sy.port("pg")

    def roles(self):
        return {row["server"]: row["role"] for row in self.sy.ctl_json("show", "clusters")}

    def test_with_the_right_ca_the_primary_is_found_over_https(self):
        port = self.start(self.cluster.pki.ca_cert)
        wait_for(lambda: self.roles() == {"node1": "primary"}, 15,
                 f"show clusters to report node1 as primary (last: {self.roles()})")
        row = self.sy.server("main", "node1")
        self.assertEqual(row["health"], "up", row)
        self.assertIn("Patroni role master", row["last_check"], row)
        # Writes go to the primary, over TLS to PostgreSQL too.
        with psycopg.connect(dsn(port, "app"), autocommit=True) as conn:
            in_recovery, ssl = conn.execute(
                "SELECT pg_is_in_recovery(), ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").fetchone()
        self.assertEqual((in_recovery, ssl), (False, True))

    def test_with_another_ca_the_node_is_down_and_the_log_says_why(self):
        other = Pki(os.path.join(self.workdir, "other"))
        self.start(other.ca_cert)
        wait_for(lambda: self.sy.server("main", "node1")["health"] == "down", 10,
                 f"node1 down; show servers: {self.sy.servers('main')}")
        line = self.sy.wait_for_log(r"server main/node1 DOWN: TLS: ", timeout=2)
        self.assertIn("certificate verify failed", line)
        row = self.sy.server("main", "node1")
        self.assertTrue(row["last_check"].startswith("failed: TLS: "), row)
        self.assertNotEqual(self.roles().get("node1"), "primary", "no role learned from an unverified REST API")
        time.sleep(1)  # ~3 more probes: still one line
        self.assertEqual(self.sy.log_text().count("server main/node1 DOWN: "), 1, self.sy.log_tail())


if __name__ == "__main__":
    unittest.main()
