"""Server connection pooling: pool_size holds over all workers, server
connections are reused rather than reopened, clients on every worker keep
getting one, min_pool_size keeps servers
open, server_idle_timeout and server_lifetime close them, reserve_pool
and max_db_connections; a transaction-mode server goes back only outside
a transaction and clean (failed transactions, vanished clients), and
session mode's server_reset_query cleans a server before the next client."""
import asyncio
import select
import time
import unittest

import asyncpg

from fixtures import wait_for
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, user
from fixtures.pg_wire import WireClient

SLACK = 2.5


class PoolTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.create_role("app2", "secret2")

    def client(self, name=APP_USER, password=APP_PASSWORD, dbname="app"):
        client = WireClient(self.port, timeout=15)
        self.addCleanup(client.close)
        client.login(name, password, dbname)
        return client

    def backend_count(self, name=APP_USER):
        return len(self.pg.backends(user=name))

    def logins_since(self, mark, name=APP_USER):
        return self.pg.log_text()[mark:].count(f"connection authorized: user={name} ")

    def holders(self, count, **kw):
        """`count` clients that each send BEGIN + a query; returns them (answers unread)."""
        clients = [self.client(**kw) for _ in range(count)]
        for client in clients:
            client.send_query("BEGIN; SELECT pg_backend_pid()")
        return clients

    def answered(self, clients, wait, expect=None):
        """The clients that got their answer within `wait` seconds (answers consumed),
        as (client, server pid) pairs. With `expect`, returns once that many have
        answered and no other answer follows within a short grace period."""
        done, pending = [], list(clients)
        deadline = time.monotonic() + wait
        while pending:
            remaining = deadline - time.monotonic()
            if expect is not None and len(done) >= expect:
                remaining = min(remaining, 0.3)
            if remaining <= 0:
                break
            readable, _, _ = select.select([c.sock for c in pending], [], [], remaining)
            if not readable:
                break
            for client in [c for c in pending if c.sock in readable]:
                rows, error, status, _ = client.read_until_ready()
                self.assertIsNone(error)
                done.append((client, int(rows[0][0])))
                pending.remove(client)
        return done


class PoolSizeTest(PoolTest):
    def test_pool_size_holds_over_all_workers(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3)], workers=2)
        clients = self.holders(10)
        wait_for(lambda: self.backend_count() == 3, 10, "3 server connections")
        first = self.answered(clients, 10.0, expect=3)
        self.assertEqual(len(first), 3, "clients that got a server while 3 held transactions")
        self.assertEqual(self.backend_count(), 3)
        pids = {pid for _, pid in first}
        waiting = [c for c in clients if c not in [c2 for c2, _ in first]]
        for client, _ in first:
            client.query("COMMIT")
        # the waiters get the freed servers, three at a time, never a fourth server
        while waiting:
            got = self.answered(waiting, 10.0, expect=min(3, len(waiting)))
            self.assertTrue(got, f"{len(waiting)} clients waited with servers free")
            self.assertLessEqual(len(got), 3)
            for client, pid in got:
                pids.add(pid)
                client.query("COMMIT")
                waiting.remove(client)
            self.assertLessEqual(self.backend_count(), 3)
        self.assertLessEqual(len(pids), 6, f"server pids seen: {pids}")

    def test_server_connections_are_reused_not_reopened(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3)], workers=2)
        mark = self.pg.log_mark()

        async def client(index):
            conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                         database="app", ssl=False)
            try:
                for i in range(100):
                    assert await conn.fetchval("SELECT $1::int + 1", i) == i + 1
                    await asyncio.sleep(0.001 * (index % 3))
            finally:
                await conn.close()

        async def main():
            await asyncio.gather(*(client(i) for i in range(20)))

        asyncio.run(main())
        logins = self.logins_since(mark)
        # 2000 transactions over a pool of 3: a pool that keeps its server
        # connections logs in about 3 times; allow a few replacements.
        self.assertLessEqual(logins, 12, f"{logins} server logins for 2000 transactions over pool_size 3")


    def test_clients_on_every_worker_keep_getting_servers(self):
        # 12 clients busy with short transactions over 2 server connections and
        # 2 workers: wherever a client landed, it keeps getting a server (the
        # servers move between workers when one is worse off), never a third.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2)], workers=2)
        clients = [self.client() for _ in range(12)]
        workers = {row["worker"] for row in self.sy.ctl_json("show", "clients")}
        self.assertEqual(len(workers), 2, "the clients all landed on one worker")
        mark = self.pg.log_mark()
        done = [0] * len(clients)
        longest_gap = [0.0] * len(clients)
        deadline = time.monotonic() + 4
        last = [time.monotonic()] * len(clients)
        for client in clients:
            client.send_query("SELECT pg_sleep(0.005)")
        pending = list(range(len(clients)))
        while pending:
            readable, _, _ = select.select([clients[i].sock for i in pending], [], [], 10)
            self.assertTrue(readable, "no client got an answer for 10 s")
            for i in [i for i in pending if clients[i].sock in readable]:
                rows, error, status, _ = clients[i].read_until_ready()
                self.assertIsNone(error)
                now = time.monotonic()
                done[i] += 1
                longest_gap[i] = max(longest_gap[i], now - last[i])
                last[i] = now
                if now < deadline:
                    clients[i].send_query("SELECT pg_sleep(0.005)")
                else:
                    pending.remove(i)
            self.assertLessEqual(self.backend_count(), 2)
        self.assertGreaterEqual(min(done), 5, f"transactions per client: {done}")
        self.assertLess(max(longest_gap), 2.0, f"longest wait per client: {longest_gap}")
        self.assertLessEqual(self.logins_since(mark), 2, "servers were closed and reopened instead of moved")

class PoolSizingTest(PoolTest):
    def test_min_pool_size_keeps_servers_open(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=5, min_pool_size=2,
                                             server_idle_timeout="1s")], workers=2)
        self.assertEqual(self.client().query("SELECT 1"), [("1",)])
        wait_for(lambda: self.backend_count() == 2, 10, "min_pool_size (2) server connections")
        time.sleep(2.0)  # past server_idle_timeout: they must stay
        self.assertEqual(self.backend_count(), 2)

    def test_server_idle_timeout_closes_idle_servers(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3, server_idle_timeout="1s")],
                         workers=1)
        clients = self.holders(3)
        self.assertEqual(len(self.answered(clients, 10.0, expect=3)), 3)
        for client in clients:
            client.query("COMMIT")
        self.assertEqual(self.backend_count(), 3)
        started = time.monotonic()
        wait_for(lambda: self.backend_count() == 0, 1 + SLACK + 2, "idle server connections to be closed")
        self.assertGreaterEqual(time.monotonic() - started, 0.5)
        self.assertEqual(clients[0].query("SELECT 'reopened'"), [("reopened",)])

    def test_server_lifetime_replaces_old_server_connections(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, server_lifetime="1s")])
        client = self.client()
        first_pid = int(client.query("SELECT pg_backend_pid()")[0][0])
        wait_for(lambda: all(b["pid"] != first_pid for b in self.pg.backends()), 1 + SLACK + 2,
                 "the old server connection to be closed")
        self.assertNotEqual(int(client.query("SELECT pg_backend_pid()")[0][0]), first_pid)

    def test_server_lifetime_waits_for_the_transaction(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, server_lifetime="1s")])
        client = self.client()
        client.query("BEGIN")
        pid = client.query("SELECT pg_backend_pid()")[0][0]
        time.sleep(2.0)  # past the lifetime, inside a transaction: the server stays
        self.assertEqual(client.query("SELECT pg_backend_pid()")[0][0], pid)
        client.query("COMMIT")

    def test_reserve_pool_opens_after_reserve_pool_timeout(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, reserve_pool=1,
                                             reserve_pool_timeout="500ms")], workers=1)
        holder = self.client()
        holder.query("BEGIN")
        waiter = self.client()
        started = time.monotonic()
        self.assertEqual(waiter.query("SELECT 'reserve'"), [("reserve",)])
        waited = time.monotonic() - started
        self.assertGreaterEqual(waited, 0.4)
        self.assertLess(waited, 0.5 + SLACK)
        self.assertEqual(self.backend_count(), 2)
        holder.query("COMMIT")

    def test_max_db_connections_caps_all_pools_of_a_database(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3, max_db_connections=2)],
                         users=[user(), user("app2", "secret2")], workers=1)
        # all log in first (a login may need a server of its own pool)
        clients = [self.client() for _ in range(2)] + [self.client("app2", "secret2") for _ in range(2)]
        for client in clients:
            client.send_query("BEGIN; SELECT pg_backend_pid()")
        first = self.answered(clients, 10.0, expect=2)
        self.assertEqual(len(first), 2, "clients served while max_db_connections is 2")
        self.assertEqual(self.backend_count(APP_USER) + self.backend_count("app2"), 2)
        for client, _ in first:
            client.query("COMMIT")
        rest = [c for c in clients if c not in [c2 for c2, _ in first]]
        second = self.answered(rest, 10.0, expect=2)
        self.assertEqual(len(second), 2, "the other user's clients got no server after the first ones finished")
        self.assertLessEqual(self.backend_count(APP_USER) + self.backend_count("app2"), 2)
        for client, _ in second:
            client.query("COMMIT")


class ReleaseTest(PoolTest):
    """When a transaction-mode server goes back to the pool, and in what state."""

    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE release_t (v text)", dbname="app")
        pg.sql("ALTER TABLE release_t OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, query_wait_timeout="30s")],
                         workers=1)

    def test_a_failed_transaction_keeps_its_server_until_rollback(self):
        failing, other = self.client(), self.client()
        failing.query("BEGIN")
        failing.send_query("SELECT 1/0")
        rows, error, status, _ = failing.read_until_ready()
        self.assertEqual((error["C"], status), ("22012", "E"))
        other.send_query("SELECT 'other'")
        other.sock.settimeout(0.5)
        with self.assertRaises(TimeoutError, msg="another client got the server of a failed, open transaction"):
            other.read_message()
        other.sock.settimeout(15)
        failing.query("ROLLBACK")
        self.assertEqual(other.read_until_ready()[:3], ([("other",)], None, "I"))

    def test_a_client_that_vanishes_inside_a_transaction_leaves_nothing_behind(self):
        vanishing = self.client()
        vanishing.query("BEGIN")
        vanishing.query("INSERT INTO release_t VALUES ('uncommitted')")
        vanishing.close()  # no Terminate, no ROLLBACK
        other = self.client()
        other.send_query("SELECT count(*) FROM release_t")
        rows, error, status, _ = other.read_until_ready()
        self.assertEqual((rows, error, status), ([("0",)], None, "I"))

    def test_a_client_that_vanishes_during_a_long_query_does_not_hold_the_server(self):
        vanishing = self.client()
        vanishing.send_query("SELECT pg_sleep(30) /* abandoned */")
        wait_for(lambda: any("abandoned" in (b["query"] or "") and b["state"] == "active"
                             for b in self.pg.backends(user=APP_USER)), 10, "the long query to run")
        vanishing.close()
        started = time.monotonic()
        other = self.client()
        self.assertEqual(other.query("SELECT 'next'"), [("next",)])
        self.assertLess(time.monotonic() - started, SLACK + 2,
                        "the next client waited for the abandoned query to finish")


class SessionResetTest(PoolTest):
    def test_the_next_session_gets_a_clean_server(self):
        self.start_proxy(databases=[database(pool_mode="session", pool_size=1)], workers=1)
        first = self.client()
        pid = first.query("SELECT pg_backend_pid()")[0][0]
        first.query("SET work_mem = '7MB'")
        first.query("CREATE TEMP TABLE leftover (v int)")
        first.query("PREPARE leftover_stmt AS SELECT 1")
        first.query("LISTEN leftover_channel")
        first.terminate()
        second = self.client()
        self.assertEqual(second.query("SELECT pg_backend_pid()")[0][0], pid, "the server connection was not reused")
        self.assertEqual(second.query("SHOW work_mem"), [("4MB",)])
        self.assertEqual(second.query("SELECT count(*) FROM pg_prepared_statements"), [("0",)])
        self.assertEqual(second.query("SELECT to_regclass('pg_temp.leftover') IS NULL"), [("t",)])
        self.assertEqual(second.query("SELECT count(*) FROM pg_listening_channels()"), [("0",)])


if __name__ == "__main__":
    unittest.main()
