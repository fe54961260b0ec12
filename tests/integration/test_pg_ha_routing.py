"""Routing by role over real streaming replication: each [[database]] target
(primary, replica, prefer_replica, any) reaches the servers of its role;
reads through a `replica` database are balanced over both replicas; with
split_reads, each read-only form real drivers send — by the simple query
protocol (psql, psycopg2) and by the extended protocol (psycopg 3
parameters and prepared statements, its BEGIN READ ONLY, asyncpg) — goes to
a replica, and everything else (locking reads, data-modifying CTEs,
nextval(), unknown functions, plain BEGIN, multi-statement strings, writes
by either protocol) stays on the primary; read_your_writes keeps a writer's
reads on the primary for its window. Where a query ran is read from the
server itself: pg_is_in_recovery() and inet_server_port()."""
import asyncio
import re
import time
import unittest

import asyncpg
import psycopg

from fixtures.pg_ha import WHO_AM_I, HaClusterTest, ha_database
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, psql

DATABASES = [
    ha_database("app", "primary"),
    ha_database("app_ro", "replica"),
    ha_database("app_pref", "prefer_replica"),
    ha_database("app_any", "any"),
    ha_database("app_split", "primary", split_reads=True),
    ha_database("app_ryw", "primary", split_reads=True, read_your_writes="2s"),
]


class RoutingTest(HaClusterTest):
    cluster_name = "rt"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        primary = cls.servers[0]
        primary.sql("CREATE TABLE items (id int PRIMARY KEY)", dbname="app")
        primary.sql("INSERT INTO items VALUES (1)", dbname="app")
        primary.sql("CREATE SEQUENCE items_seq", dbname="app")
        # A function switchyard cannot know is harmless: it must not go to a replica.
        primary.sql("CREATE FUNCTION ha_marker() RETURNS text LANGUAGE sql STABLE AS $$ SELECT 'marker' $$",
                    dbname="app")
        primary.sql("GRANT ALL ON items, items_seq TO app", dbname="app")
        cls.cluster.wait_caught_up()

    def setUp(self):
        super().setUp()
        self.primary, self.replica1, self.replica2 = self.servers
        self.replica_names = {self.replica1.name, self.replica2.name}
        self.start_proxy(DATABASES)
        self.wait_roles({self.primary.name: "primary", self.replica1.name: "replica",
                         self.replica2.name: "replica"})

    # --- helpers -------------------------------------------------------

    def psql_where(self, commands, dbname="app_split"):
        """Runs the commands in one psql session (simple protocol); returns
        (in_recovery, server name) from the one WHO_AM_I row it printed."""
        result = psql(self.port, commands, dbname=dbname, args=("-q",))
        self.assertEqual(result.returncode, 0, f"psql {commands!r}: {result.stderr.strip()}")
        rows = [line for line in result.stdout.splitlines() if re.fullmatch(r"[tf]\|\d+(\|.*)?", line)]
        self.assertTrue(rows, f"psql {commands!r} printed no WHO_AM_I row: {result.stdout!r}")
        in_recovery, port = rows[-1].split("|")[:2]
        return in_recovery == "t", self.name_on(int(port))

    def pool_transactions(self, dbname):
        """Transactions the pools of a database have run (all targets)."""
        return sum(row["transactions"] for row in self.sy.ctl_json("show", "pools") if row["database"] == dbname)

    def assert_on_primary(self, where, what):
        self.assertEqual(where, (False, self.primary.name), f"{what} did not run on the primary")

    def assert_on_replica(self, where, what):
        self.assertTrue(where[0] and where[1] in self.replica_names,
                        f"{what} ran on {where[1]} (in recovery: {where[0]}), not on a replica")

    # --- targets -------------------------------------------------------

    def test_each_target_reaches_the_servers_of_its_role(self):
        for in_recovery, name in self.who_answers("app", 3):
            self.assertEqual((in_recovery, name), (False, self.primary.name), "target = primary")
        for dbname in ("app_ro", "app_pref"):
            for in_recovery, name in self.who_answers(dbname, 3):
                self.assertTrue(in_recovery and name in self.replica_names,
                                f"target of {dbname}: answered by {name}, in recovery {in_recovery}")
        # any: every server of the cluster is fair game
        seen = self.who_answers_concurrently("app_any", 6)
        self.assertEqual(set(seen), {self.primary.name} | self.replica_names,
                         f"6 concurrent transactions through target = any went to {seen}")

    def test_writes_through_the_primary_target_land_on_the_primary_and_reach_the_replicas(self):
        conn = self.connect3("app")
        conn.execute("INSERT INTO ledger (id, writer, port) VALUES (1, 0, inet_server_port())")
        self.assertEqual(self.primary.value("SELECT port FROM ledger WHERE id = 1", dbname="app"), self.primary.port)
        self.cluster.wait_caught_up()
        reader = self.connect3("app_ro")
        self.assertEqual(reader.execute("SELECT count(*) FROM ledger WHERE id = 1").fetchone()[0], 1)
        # a write through a replica target is refused by the replica itself
        with self.assertRaises(psycopg.errors.ReadOnlySqlTransaction):
            reader.execute("INSERT INTO ledger (id) VALUES (2)")
        self.assertEqual(reader.execute("SELECT 'still usable'").fetchone()[0], "still usable")

    def test_replica_reads_are_balanced_across_both_replicas(self):
        seen = self.who_answers_concurrently("app_ro", 8)
        counts = {name: seen.count(name) for name in self.replica_names}
        self.assertEqual(sum(counts.values()), 8, f"reads of target = replica went to {seen}")
        self.assertTrue(all(count >= 2 for count in counts.values()),
                        f"8 concurrent read transactions were not balanced over both replicas: {counts}")

    # --- split_reads ---------------------------------------------------

    def test_split_reads_send_read_only_transactions_to_a_replica(self):
        cases = {
            "BEGIN READ ONLY": ["BEGIN READ ONLY", WHO_AM_I, "COMMIT"],
            "START TRANSACTION READ ONLY": ["START TRANSACTION READ ONLY", WHO_AM_I, "COMMIT"],
            "BEGIN + SET TRANSACTION READ ONLY": ["BEGIN", "SET TRANSACTION READ ONLY", WHO_AM_I, "COMMIT"],
            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY":
                ["START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", WHO_AM_I, "COMMIT"],
            "autocommit SELECT": [WHO_AM_I],
            "autocommit SELECT with allowed functions": [
                "SELECT pg_is_in_recovery(), inet_server_port(), count(*), now(), upper('x') FROM items"],
            "autocommit SELECT with a comment and semicolon": [f"/* report */ {WHO_AM_I};"],
        }
        for what, commands in cases.items():
            with self.subTest(what):
                self.assert_on_replica(self.psql_where(commands), f"psql: {what}")

        with self.subTest("psycopg2 autocommit SELECT"):
            cursor = self.connect2("app_split").cursor()
            cursor.execute(WHO_AM_I)
            in_recovery, port = cursor.fetchone()
            self.assert_on_replica((in_recovery, self.name_on(port)), "psycopg2 autocommit SELECT")
        with self.subTest("psycopg2 set_session(readonly=True)"):
            conn = self.connect2("app_split", autocommit=False)
            conn.set_session(readonly=True)
            cursor = conn.cursor()
            cursor.execute(WHO_AM_I)
            in_recovery, port = cursor.fetchone()
            conn.commit()
            self.assert_on_replica((in_recovery, self.name_on(port)), "psycopg2 read-only transaction")
        with self.subTest("extended protocol: a prepared SELECT"):
            conn = self.connect3("app_split")
            for _ in range(3):
                in_recovery, port = conn.execute(WHO_AM_I, prepare=True).fetchone()
                self.assert_on_replica((in_recovery, self.name_on(port)), "a prepared SELECT (Parse/Bind)")
        with self.subTest("extended protocol: a SELECT with parameters"):
            conn = self.connect3("app_split")
            in_recovery, port, seven = conn.execute("SELECT pg_is_in_recovery(), inet_server_port(), %s::int",
                                                    (7,)).fetchone()
            self.assertEqual(seven, 7)
            self.assert_on_replica((in_recovery, self.name_on(port)), "a SELECT with parameters (Parse/Bind)")
        with self.subTest("psycopg 3 read_only = True (BEGIN READ ONLY by the extended protocol)"):
            conn = self.connect3("app_split", autocommit=False)
            conn.read_only = True
            in_recovery, port = conn.execute(WHO_AM_I).fetchone()
            conn.commit()
            self.assert_on_replica((in_recovery, self.name_on(port)), "psycopg 3 read-only transaction")
        with self.subTest("asyncpg prepared statements"):
            answers = asyncio.run(self.asyncpg_where(4))
            for answer in answers:
                self.assert_on_replica(answer, "an asyncpg prepared SELECT")
        with self.subTest("an empty BEGIN/COMMIT touches no server"):
            before = self.pool_transactions("app_split")
            result = psql(self.port, ["BEGIN", "COMMIT", "BEGIN", "ROLLBACK"], dbname="app_split")
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertEqual(self.pool_transactions("app_split"), before,
                             "an empty transaction was sent to a server")

    def test_split_reads_keep_everything_else_on_the_primary(self):
        cases = {
            "SELECT ... FOR UPDATE": [f"{WHO_AM_I} FROM items WHERE id = 1 FOR UPDATE"],
            "SELECT ... FOR SHARE": [f"{WHO_AM_I} FROM items WHERE id = 1 FOR SHARE"],
            "a data-modifying CTE": ["WITH w AS (INSERT INTO items SELECT max(id) + 1 FROM items RETURNING id) "
                                     "SELECT pg_is_in_recovery(), inet_server_port() FROM w"],
            "nextval()": ["SELECT pg_is_in_recovery(), inet_server_port(), nextval('items_seq')"],
            "an unknown function": ["SELECT pg_is_in_recovery(), inet_server_port(), ha_marker()"],
            "a plain BEGIN ... COMMIT": ["BEGIN", WHO_AM_I, "COMMIT"],
            "BEGIN READ WRITE": ["BEGIN READ WRITE", WHO_AM_I, "COMMIT"],
            "a multi-statement query string": [f"SELECT 1; {WHO_AM_I}"],
        }
        for what, commands in cases.items():
            with self.subTest(what):
                self.assert_on_primary(self.psql_where(commands), f"psql: {what}")

        with self.subTest("SELECT ... INTO"):  # creates a table: a replica would refuse it
            self.primary.sql("DROP TABLE IF EXISTS where_was_i", dbname="app")
            result = psql(self.port, "SELECT pg_is_in_recovery() AS r, inet_server_port() AS p INTO where_was_i",
                          dbname="app_split")
            self.assertEqual(result.returncode, 0, f"SELECT INTO did not run on the primary: {result.stderr}")
            self.assertEqual(self.primary.sql("SELECT r, p FROM where_was_i", dbname="app"),
                             [(False, self.primary.port)])

        with self.subTest("extended protocol: a prepared SELECT ... FOR UPDATE"):
            conn = self.connect3("app_split")
            for _ in range(2):
                in_recovery, port = conn.execute(f"{WHO_AM_I} FROM items WHERE id = 1 FOR UPDATE",
                                                 prepare=True).fetchone()
                self.assert_on_primary((in_recovery, self.name_on(port)), "a prepared locking SELECT")
        with self.subTest("extended protocol: INSERT ... RETURNING with parameters"):
            conn = self.connect3("app_split")
            in_recovery, port = conn.execute("INSERT INTO items VALUES (%s) RETURNING pg_is_in_recovery(), "
                                             "inet_server_port()", (500,)).fetchone()
            self.assert_on_primary((in_recovery, self.name_on(port)), "an INSERT by the extended protocol")
        with self.subTest("psycopg 3 default transaction (plain BEGIN)"):
            conn = self.connect3("app_split", autocommit=False)
            in_recovery, port = conn.execute(WHO_AM_I).fetchone()
            conn.commit()
            self.assert_on_primary((in_recovery, self.name_on(port)), "a SELECT in psycopg's own BEGIN")

    async def asyncpg_where(self, count):
        """`count` runs of one asyncpg prepared statement (named, Parse once
        then Bind/Execute) on one connection: (in_recovery, server name) each."""
        conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                     database="app_split", statement_cache_size=0)
        try:
            statement = await conn.prepare(WHO_AM_I)
            rows = [await statement.fetchrow() for _ in range(count)]
        finally:
            await conn.close()
        return [(row[0], self.name_on(row[1])) for row in rows]

    def test_read_your_writes_keeps_a_writers_reads_on_the_primary_for_the_window(self):
        writer = self.connect2("app_ryw").cursor()
        bystander = self.connect2("app_ryw").cursor()

        def where(cursor):
            cursor.execute(WHO_AM_I)
            in_recovery, port = cursor.fetchone()
            return in_recovery, self.name_on(port)

        self.assert_on_replica(where(writer), "a read before any write")
        writer.execute("INSERT INTO items VALUES (1000)")
        self.assert_on_primary(where(writer), "the writer's read right after its write")
        writer.execute("SELECT count(*) FROM items WHERE id = 1000")
        self.assertEqual(writer.fetchone()[0], 1, "the writer does not see its own write")
        last_on_primary = time.monotonic()
        # the window is the writer's own: another client's reads still go to the replicas
        self.assert_on_replica(where(bystander), "another client's read")
        time.sleep(max(0.0, last_on_primary + 2.3 - time.monotonic()))  # read_your_writes = "2s"
        self.assert_on_replica(where(writer), "the writer's read after the 2s window")


if __name__ == "__main__":
    unittest.main()
