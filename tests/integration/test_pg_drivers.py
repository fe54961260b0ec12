"""Real drivers over a small transaction pool: asyncpg and psycopg 3 with
protocol-level prepared statements used heavily and concurrently (the
proxy re-prepares them, renamed, on whichever server connection a
transaction gets), psycopg 3 pipelines, and psycopg2's plain usage."""
import asyncio
import threading
import unittest

import asyncpg
import psycopg
import psycopg2

from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, conninfo, database

POOL_SIZE = 3


class DriverTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE items (id int PRIMARY KEY, name text, price numeric)", dbname="app")
        pg.sql("INSERT INTO items SELECT i, 'item' || i, i * 1.5 FROM generate_series(1, 1000) i", dbname="app")
        pg.sql("ALTER TABLE items OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=POOL_SIZE,
                                             max_prepared_statements=50)], workers=2)

    def assert_pool_respected(self):
        backends = self.pg.backends(user=APP_USER)
        self.assertLessEqual(len(backends), POOL_SIZE, f"server connections of {APP_USER}: {backends}")

    # --- asyncpg -------------------------------------------------------

    def run_asyncpg_clients(self, count, rounds, **connect_kw):
        async def client(index):
            conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                         database="app", ssl=False, **connect_kw)
            errors, wrong = [], 0
            try:
                mine = f"SELECT $1::int + {index} AS v"  # a statement only this client prepares
                lookup = await conn.prepare("SELECT name, price FROM items WHERE id = $1")
                for i in range(rounds):
                    try:
                        shared = await conn.fetchval("SELECT $1::int * 2", i)
                        own = await conn.fetchval(mine, i)
                        row = await lookup.fetchrow(i % 1000 + 1)
                        if (shared, own, row["name"]) != (i * 2, i + index, f"item{i % 1000 + 1}"):
                            wrong += 1
                        if i % 50 == 0:
                            async with conn.transaction():
                                total = await conn.fetchval("SELECT sum(price) FROM items WHERE id <= $1", 10)
                                if total != sum(k * 1.5 for k in range(1, 11)):
                                    wrong += 1
                    except asyncpg.PostgresError as error:
                        errors.append(f"client {index} round {i}: {type(error).__name__}: {error}")
            finally:
                await conn.close()
            return errors, wrong

        async def main():
            return await asyncio.gather(*(client(i) for i in range(count)))

        results = asyncio.run(main())
        errors = [e for errs, _ in results for e in errs]
        wrong = sum(w for _, w in results)
        return errors, wrong

    def test_asyncpg_30_clients_prepared_statements_over_3_servers(self):
        errors, wrong = self.run_asyncpg_clients(30, 200)
        self.assertEqual(errors[:5], [], f"{len(errors)} errors")
        self.assertEqual(wrong, 0, "wrong results")
        self.assert_pool_respected()

    def test_asyncpg_without_statement_cache_uses_unnamed_statements(self):
        # statement_cache_size=0 is what PgBouncer users are told to set: asyncpg
        # then prepares each query as the unnamed statement (Parse/Describe/Sync)
        # and executes it in a second exchange (Bind/Execute/Sync).
        errors, wrong = self.run_asyncpg_clients(10, 20, statement_cache_size=0)
        self.assertEqual(errors[:3], [], f"{len(errors)} errors")
        self.assertEqual(wrong, 0, "wrong results")

    # --- psycopg 3 -----------------------------------------------------

    def run_threads(self, count, work):
        errors = []
        lock = threading.Lock()

        def runner(index):
            try:
                work(index)
            except Exception as error:  # noqa: BLE001 - collected and asserted
                with lock:
                    errors.append(f"thread {index}: {type(error).__name__}: {error}")

        threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertFalse(any(t.is_alive() for t in threads), "a client thread hung")
        return errors

    def test_psycopg_prepare_threshold_0_concurrent(self):
        def work(index):
            with psycopg.connect(conninfo(self.port), autocommit=True, prepare_threshold=0) as conn:
                for i in range(60):
                    got = conn.execute("SELECT %s::int * 3, %s::text", (i, f"c{index}")).fetchone()
                    assert got == (i * 3, f"c{index}"), got
                    name = conn.execute("SELECT name FROM items WHERE id = %s", (i + 1,)).fetchone()[0]
                    assert name == f"item{i + 1}", name
                    if i % 25 == 0:
                        with conn.transaction():
                            conn.execute("SELECT %s::int", (i,), prepare=True)
                            count = conn.execute("SELECT count(*) FROM items WHERE id <= %s", (i + 1,)).fetchone()
                            assert count == (i + 1,), count

        errors = self.run_threads(10, work)
        self.assertEqual(errors, [])
        self.assert_pool_respected()

    def test_psycopg_explicit_prepare_and_pipeline(self):
        def work(index):
            with psycopg.connect(conninfo(self.port), autocommit=True) as conn:
                for i in range(30):
                    got = conn.execute("SELECT %s::int + %s::int", (i, index), prepare=True).fetchone()[0]
                    assert got == i + index, got
                with conn.pipeline():
                    cursors = [conn.execute("SELECT %s::int * %s::int", (k, index), prepare=True) for k in range(20)]
                    values = [c.fetchone()[0] for c in cursors]
                assert values == [k * index for k in range(20)], values
                with conn.cursor() as cur:
                    cur.executemany("SELECT %s::int", [(k,) for k in range(50)])

        errors = self.run_threads(8, work)
        self.assertEqual(errors, [])

    def test_psycopg_transaction_writes_are_atomic(self):
        with psycopg.connect(conninfo(self.port)) as conn:  # not autocommit: BEGIN implied
            conn.execute("INSERT INTO items VALUES (5001, 'tx', 1)")
            conn.execute("INSERT INTO items VALUES (5002, 'tx', 1)")
            conn.rollback()
            conn.execute("INSERT INTO items VALUES (5003, 'tx', 1)")
            conn.commit()
        self.assertEqual(self.pg.sql("SELECT id FROM items WHERE id > 5000 ORDER BY id", dbname="app"), [(5003,)])
        self.pg.sql("DELETE FROM items WHERE id > 5000", dbname="app")

    # --- psycopg2 ------------------------------------------------------

    def test_psycopg2_queries_transactions_and_server_side_cursors(self):
        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                dbname="app", sslmode="disable", connect_timeout=10)
        self.addCleanup(conn.close)
        cur = conn.cursor()
        cur.execute("SELECT %s || %s, %s::int + 1", ("ab", "cd", 41))
        self.assertEqual(cur.fetchone(), ("abcd", 42))
        cur.execute("SELECT id, name FROM items WHERE id IN %s ORDER BY id", ((3, 1, 2),))
        self.assertEqual(cur.fetchall(), [(1, "item1"), (2, "item2"), (3, "item3")])
        conn.commit()
        # a named (server-side) cursor lives inside one transaction, so on one server
        with conn.cursor(name="walk") as named:
            named.itersize = 100
            named.execute("SELECT id FROM items ORDER BY id")
            self.assertEqual(sum(row[0] for row in named), sum(range(1, 1001)))
        conn.commit()
        cur.execute("INSERT INTO items VALUES (6001, 'p2', 1)")
        conn.rollback()
        cur.execute("SELECT count(*) FROM items WHERE id = 6001")
        self.assertEqual(cur.fetchone(), (0,))
        conn.commit()


if __name__ == "__main__":
    unittest.main()
