"""Reloading a PostgreSQL front: changed pool settings apply to the running
pools at once — a bigger pool_size serves clients that were waiting, a
smaller one closes the extra server connections as they are released —
and no client connection is dropped, not even one inside a transaction."""
import threading
import unittest

import psycopg

from fixtures import wait_for
from fixtures.pg_proxy import APP_USER, PostgresProxyTest, database, pg_config


class PoolReloadTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE reload_t (v int)", dbname="app")
        pg.sql("ALTER TABLE reload_t OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.pg.sql("TRUNCATE reload_t", dbname="app")

    def start_with(self, pool_size, **settings):
        self.settings = dict(pool_mode="transaction", pool_size=pool_size, query_wait_timeout="30s", **settings)
        self.start_proxy(databases=[database(**self.settings)], workers=2)

    def reload_with(self, **changes):
        self.settings.update(changes)
        self.sy.rewrite_config(pg_config([self.pg], [database(**self.settings)], workers=2))
        result = self.sy.reload()
        self.assertEqual(result.returncode, 0, result.stderr)

    def server_count(self):
        return len(self.pg.backends(user=APP_USER))

    def open_transaction(self, value):
        conn = self.connect()
        conn.execute("BEGIN")
        conn.execute("INSERT INTO reload_t VALUES (%s)", (value,))
        return conn

    def test_a_bigger_pool_size_serves_waiting_clients_and_open_transactions_go_on(self):
        self.start_with(pool_size=2)
        holders = [self.open_transaction(v) for v in (1, 2)]
        self.assertEqual(self.server_count(), 2)
        waiter = self.connect()
        outcome = {}
        thread = threading.Thread(target=lambda: outcome.update(v=waiter.execute("SELECT 42").fetchone()[0]))
        thread.start()
        wait_for(lambda: self.sy.ctl_json("show", "pools")[0]["clients_waiting"] == 1, 10, "the third client to wait")
        self.reload_with(pool_size=3)
        thread.join(timeout=10)
        self.assertEqual(outcome.get("v"), 42, "the waiting client got no server after the reload")
        # The transactions that were open across the reload commit.
        for conn in holders:
            conn.execute("COMMIT")
        self.assertEqual(self.pg.value("SELECT count(*) FROM reload_t", dbname="app"), 2)
        self.assertLessEqual(self.server_count(), 3)

    def test_a_smaller_pool_size_closes_servers_as_they_are_released(self):
        self.start_with(pool_size=4)
        holders = [self.open_transaction(v) for v in range(4)]
        self.assertEqual(self.server_count(), 4)
        self.reload_with(pool_size=1)
        # Nothing is cut: the open transactions finish on their servers...
        for conn in holders:
            conn.execute("INSERT INTO reload_t VALUES (100)")
            conn.execute("COMMIT")
        self.assertEqual(self.pg.value("SELECT count(*) FROM reload_t", dbname="app"), 8)
        # ...which then go, down to the new size.
        wait_for(lambda: self.server_count() == 1, 10, "the pool to shrink to 1 server")
        for conn in holders:
            self.assertEqual(conn.execute("SELECT 7").fetchone(), (7,))
        self.assertEqual(self.server_count(), 1)

    def test_other_pool_settings_apply_to_connected_clients(self):
        self.start_with(pool_size=2, idle_transaction_timeout="0s")
        conn = self.connect()
        self.assertEqual(conn.execute("SELECT 1").fetchone(), (1,))
        self.reload_with(idle_transaction_timeout="1s")
        mark = self.sy.log_mark()
        conn.execute("BEGIN")
        conn.execute("SELECT 1")
        # The client connected before the reload is held to the new limit.
        self.sy.wait_for_log(r"idle_transaction_timeout", timeout=10, after=mark)
        with self.assertRaises(psycopg.OperationalError) as caught:
            conn.execute("SELECT 1")
        self.assertIn("idle_transaction_timeout", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
