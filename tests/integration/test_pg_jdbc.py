"""PgJDBC (Debian's libpostgresql-jdbc-java) through a small transaction
pool: several threads, one connection each, executing PreparedStatements
past prepareThreshold (server-prepared: named statements S_1, S_2... that
the proxy re-prepares on whichever server a transaction gets), batches and
transactions, with no "prepared statement does not exist / already
exists" errors and right results. The Java program is compiled at test
time into the test's temp dir."""
import re
import subprocess
import tempfile
import unittest
from pathlib import Path

from fixtures.drivers import jdbc_jar
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database

THREADS = 8
ROUNDS = 100
SOURCE = Path(__file__).parent / "clients" / "JdbcPrepared.java"


class JdbcTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)", dbname="app")
        pg.sql("INSERT INTO items SELECT i, 'item' || i, i * 1.5 FROM generate_series(1, 1000) i", dbname="app")
        pg.sql("CREATE TABLE counters (client int PRIMARY KEY, n int NOT NULL)", dbname="app")
        pg.sql("CREATE TABLE batch_rows (client int, k int)", dbname="app")
        pg.sql("ALTER TABLE items OWNER TO app; ALTER TABLE counters OWNER TO app; "
               "ALTER TABLE batch_rows OWNER TO app", dbname="app")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.classes = tempfile.TemporaryDirectory(prefix="sy-jdbc-")
        result = subprocess.run(["javac", "-cp", jdbc_jar(), "-d", cls.classes.name, str(SOURCE)],
                                capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            cls.classes.cleanup()
            raise AssertionError(f"javac failed: {result.stderr}")

    @classmethod
    def tearDownClass(cls):
        cls.classes.cleanup()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.pg.sql(f"TRUNCATE counters, batch_rows; "
                    f"INSERT INTO counters SELECT i, 0 FROM generate_series(0, {THREADS - 1}) i", dbname="app")

    def run_threads(self, prepare_threshold):
        argv = ["java", "-Xshare:auto", "-cp", f"{self.classes.name}:{jdbc_jar()}", "JdbcPrepared", "127.0.0.1",
                str(self.port), APP_USER, APP_PASSWORD, "app", str(THREADS), str(ROUNDS), str(prepare_threshold)]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
        match = re.search(r"done=(\d+) wrong=(\d+) server_prepared=(\d+) errors=(\d+)", result.stdout)
        self.assertIsNotNone(match, f"no report from java (exit {result.returncode}): "
                                    f"{result.stdout[-2000:]}{result.stderr[-2000:]}")
        done, wrong, server_prepared, errors = map(int, match.groups())
        return done, wrong, server_prepared, errors, result.stdout

    def check(self, prepare_threshold, pool_size):
        done, wrong, server_prepared, errors, output = self.run_threads(prepare_threshold)
        self.assertEqual(errors, 0, output)
        self.assertEqual(wrong, 0, "wrong results")
        self.assertEqual(done, THREADS * ROUNDS)
        self.assertEqual(server_prepared, THREADS, "every thread's statements should be server-prepared by now")
        transactions = (ROUNDS + 9) // 10
        counts = self.pg.sql("SELECT n FROM counters ORDER BY client", dbname="app")
        self.assertEqual([n for (n,) in counts], [transactions] * THREADS)
        self.assertEqual(self.pg.sql("SELECT count(*) FROM batch_rows", dbname="app"), [(THREADS * transactions * 5,)])
        backends = self.pg.backends(user=APP_USER)
        self.assertLessEqual(len(backends), pool_size, f"server connections of {APP_USER}: {backends}")

    def test_server_prepared_statements_from_8_threads_over_2_servers(self):
        # The driver's default prepareThreshold (5): unnamed statements first, then S_n.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2, max_prepared_statements=50)],
                         workers=2)
        self.check(prepare_threshold=5, pool_size=2)

    def test_prepare_threshold_1_over_5_servers(self):
        # Named from the first execution on.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=5, max_prepared_statements=50)],
                         workers=2)
        self.check(prepare_threshold=1, pool_size=5)


if __name__ == "__main__":
    unittest.main()
