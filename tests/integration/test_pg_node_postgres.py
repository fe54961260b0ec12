"""node-postgres (Debian's node-pg) through a small transaction pool: many
clients using named queries ({name, text, values}) at once — a name shared
by every client, a name each client gives a different text, transactions —
with no "prepared statement does not exist / already exists" errors and
right results, over both workers."""
import json
import subprocess
import unittest
from pathlib import Path

from fixtures.drivers import node_pg_path
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database

POOL_SIZE = 3
CLIENTS = 20
ROUNDS = 100
PROGRAM = Path(__file__).parent / "clients" / "node_pg_prepared.js"


class NodePostgresTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)", dbname="app")
        pg.sql("INSERT INTO items SELECT i, 'item' || i, i * 1.5 FROM generate_series(1, 1000) i", dbname="app")
        pg.sql("CREATE TABLE counters (client int PRIMARY KEY, n int NOT NULL)", dbname="app")
        pg.sql("ALTER TABLE items OWNER TO app; ALTER TABLE counters OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.pg.sql(f"TRUNCATE counters; INSERT INTO counters SELECT i, 0 FROM generate_series(0, {CLIENTS - 1}) i",
                    dbname="app")

    def run_clients(self, clients, rounds):
        result = subprocess.run(["node", str(PROGRAM), "127.0.0.1", str(self.port), APP_USER, APP_PASSWORD, "app",
                                 str(clients), str(rounds)],
                                capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL,
                                env={"NODE_PATH": node_pg_path(), "PATH": "/usr/bin:/bin"})
        lines = result.stdout.strip().splitlines()
        self.assertTrue(lines, f"no report from node (exit {result.returncode}): {result.stderr[-2000:]}")
        return json.loads(lines[-1])

    def check(self, report, clients, rounds):
        self.assertEqual(report["errors"][:5], [], f"{len(report['errors'])} errors")
        self.assertEqual(report["wrong"], 0, "wrong results")
        self.assertEqual(report["done"], clients * rounds)
        # Every committed transaction counted once per client.
        counts = self.pg.sql("SELECT n FROM counters ORDER BY client", dbname="app")
        self.assertEqual([n for (n,) in counts[:clients]], [(rounds + 9) // 10] * clients)
        backends = self.pg.backends(user=APP_USER)
        self.assertLessEqual(len(backends), POOL_SIZE, f"server connections of {APP_USER}: {backends}")

    def test_named_queries_from_20_clients_over_3_servers(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=POOL_SIZE,
                                             max_prepared_statements=50)], workers=2)
        self.check(self.run_clients(CLIENTS, ROUNDS), CLIENTS, ROUNDS)

    def test_named_queries_with_a_server_lru_smaller_than_the_statements_in_use(self):
        # 20 texts for the name "own" plus 4 shared ones, 8 slots per server:
        # statements are evicted (Close) and re-prepared all the time.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=POOL_SIZE,
                                             max_prepared_statements=8)], workers=2)
        self.check(self.run_clients(CLIENTS, 50), CLIENTS, 50)


if __name__ == "__main__":
    unittest.main()
