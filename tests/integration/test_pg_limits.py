"""Limits and timeouts of the PostgreSQL front, each ending in the error
the client is promised: query_wait_timeout (08006, disconnected),
max_client_conn over all databases and per database (53300), statement
mode refusing a transaction block (0A000), idle_transaction_timeout
(25P03, disconnected) and query_timeout (57014, connection goes on, also
when the server ignores the cancel)."""
import os
import signal
import time
import unittest

from fixtures import wait_for
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database
from fixtures.pg_wire import ServerError, WireClient

SLACK = 2.5  # seconds allowed past a timeout on a loaded 2-core machine


class LimitTest(PostgresProxyTest):
    def client(self, dbname="app", timeout=10):
        """A logged-in WireClient (closed in cleanup)."""
        client = WireClient(self.port, timeout=timeout)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, dbname)
        return client

    def refused_login(self, dbname="app"):
        """The ServerError of a login that must fail; checks the connection is closed after it."""
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError, msg=f"a login to {dbname} was not refused") as caught:
                client.login(APP_USER, APP_PASSWORD, dbname)
            self.assertTrue(client.at_eof(), "the connection stayed open after the refusal")
        return caught.exception


class QueryWaitTimeoutTest(LimitTest):
    def test_a_client_waiting_past_query_wait_timeout_gets_08006_and_is_disconnected(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, query_wait_timeout="1s")])
        # Both log in first: a login may itself need the pool's server (see
        # test_clients_log_in_while_every_server_is_busy).
        holder, waiter = self.client(), self.client()
        holder.query("BEGIN")
        holder.query("SELECT 1")  # the one server connection is now held
        started = time.monotonic()
        waiter.send_query("SELECT 'never'")
        rows, error, status, _ = waiter.read_until_ready(eof_ok=True)
        waited = time.monotonic() - started
        self.assertEqual(rows, [], "the waiting client got a server")
        self.assertEqual((error or {}).get("C"), "08006", error)
        self.assertIn("query_wait_timeout", error["M"])
        self.assertGreaterEqual(waited, 0.9)
        self.assertLess(waited, 1 + SLACK)
        self.assertTrue(status is None or waiter.at_eof(), "the timed-out client was not disconnected")
        # the holder is untouched, and once it commits the pool serves others again
        self.assertEqual(holder.query("SELECT 'holder'"), [("holder",)])
        holder.query("COMMIT")
        self.assertEqual(self.client().query("SELECT 'next'"), [("next",)])

    def test_clients_log_in_while_every_server_is_busy(self):
        # Logging in needs no server of its own: the pool's server parameters are
        # known from the first login, on whichever worker the new client lands.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, query_wait_timeout="20s")],
                         workers=2)
        holder = self.client()
        holder.query("BEGIN")
        for index in range(12):  # connections spread over both workers
            started = time.monotonic()
            with WireClient(self.port, timeout=1 + SLACK) as client:
                try:
                    client.login(APP_USER, APP_PASSWORD, "app")
                except TimeoutError:
                    self.fail(f"login {index} did not finish within {1 + SLACK}s while the pool's only "
                              f"server was busy in another client's transaction")
            self.assertLess(time.monotonic() - started, 1 + SLACK)
        holder.query("COMMIT")

    def test_clients_waiting_less_than_query_wait_timeout_get_the_server_in_turn(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, query_wait_timeout="20s")],
                         workers=1)
        holder = self.client()
        waiters = [self.client() for _ in range(3)]
        holder.query("BEGIN")
        for index, waiter in enumerate(waiters):
            waiter.send_query(f"SELECT {index}")
        for waiter in waiters:  # nothing arrives while the holder keeps the server
            waiter.sock.settimeout(0.5)
            with self.assertRaises(TimeoutError, msg="a waiting client got an answer before the server was free"):
                waiter.read_message()
            waiter.sock.settimeout(30)
        holder.query("COMMIT")
        for index, waiter in enumerate(waiters):
            rows, error, status, _ = waiter.read_until_ready()
            self.assertEqual((rows, error, status), ([(str(index),)], None, "I"))


class MaxClientConnTest(LimitTest):
    def test_global_max_client_conn_refuses_with_53300(self):
        self.start_proxy(postgres={"max_client_conn": 3}, workers=2,
                         databases=[database(pool_mode="transaction", pool_size=2),
                                    database("other", dbname="app", pool_mode="transaction", pool_size=2)])
        held = [self.client("app"), self.client("other"), self.client("app")]
        error = self.refused_login("other")
        self.assertEqual(error.sqlstate, "53300")
        self.assertEqual(error.message, "no more connections allowed (max_client_conn)")
        # a client that leaves frees its place
        held.pop().terminate()
        wait_for(lambda: self.client("other").query("SELECT 1") == [("1",)], 10, "a free client slot")

    def test_database_max_client_conn_refuses_only_that_database(self):
        self.start_proxy(workers=2, databases=[
            database(pool_mode="transaction", pool_size=2, max_client_conn=2),
            database("other", dbname="app", pool_mode="transaction", pool_size=2)])
        first, second = self.client("app"), self.client("app")
        error = self.refused_login("app")
        self.assertEqual(error.sqlstate, "53300")
        self.assertIn('"app"', error.message)
        self.assertEqual(self.client("other").query("SELECT 'other'"), [("other",)])
        self.assertEqual(first.query("SELECT 'first'"), [("first",)])
        second.terminate()
        wait_for(lambda: self.client("app").query("SELECT 1") == [("1",)], 10, "a free client slot in app")

    def test_refused_logins_do_not_use_up_places(self):
        self.start_proxy(postgres={"max_client_conn": 2}, workers=2)
        held = [self.client(), self.client()]
        for _ in range(20):
            self.assertEqual(self.refused_login().sqlstate, "53300")
        for client in held:
            client.terminate()
        wait_for(lambda: len([self.client(), self.client()]) == 2, 10, "both places free again")


class StatementModeTest(LimitTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="statement", pool_size=1)])

    def test_single_statements_work(self):
        client = self.client()
        for i in range(5):
            self.assertEqual(client.query(f"SELECT {i}"), [(str(i),)])
        # one Query message holding a whole transaction ends idle: allowed
        self.assertEqual(client.query("BEGIN; SELECT 'in one message'; COMMIT"), [("in one message",)])

    def test_a_transaction_block_is_refused_and_the_server_is_not_left_in_it(self):
        client = self.client()
        client.send_query("BEGIN")
        errors = []
        try:  # the refusal may come with BEGIN's answer or right after it
            for _ in range(2):
                rows, error, status, _ = client.read_until_ready(eof_ok=True)
                if error:
                    errors.append(error)
                if status is None:
                    break
        except ConnectionError:
            pass
        except TimeoutError:
            self.fail("BEGIN in statement mode was not refused: the client stays in its transaction")
        self.assertEqual([e.get("C") for e in errors], ["0A000"], errors)
        self.assertIn("statement pooling mode", errors[0]["M"])
        self.assertTrue(client.at_eof(), "the client stayed connected")
        # The next client gets the (only) server outside any transaction.
        other = self.client()
        other.send_query("SELECT 'clean'")
        rows, error, status, _ = other.read_until_ready()
        self.assertEqual((rows, error, status), ([("clean",)], None, "I"))


class IdleTransactionTimeoutTest(LimitTest):
    def test_a_client_idle_in_a_transaction_is_disconnected_with_25P03(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, idle_transaction_timeout="1s")])
        idler = self.client()
        idler.query("BEGIN")
        idler.query("INSERT INTO limits_t VALUES (1)")
        started = time.monotonic()
        idler.sock.settimeout(1 + SLACK)
        try:
            kind, payload = idler.read_message()  # the proxy speaks first
        except TimeoutError:
            self.fail(f"a client idle in a transaction was still connected after {1 + SLACK}s "
                      f"(idle_transaction_timeout 1s)")
        self.assertEqual(kind, "E", f"expected an ErrorResponse, got {kind!r} {payload!r}")
        fields = {chr(p[0]): p[1:].decode() for p in payload.split(b"\0") if p}
        self.assertEqual(fields.get("C"), "25P03", fields)
        self.assertLess(time.monotonic() - started, 1 + SLACK)
        self.assertTrue(idler.at_eof(), "the idle client was not disconnected")
        # the transaction was rolled back and the server is free for others
        other = self.client()
        self.assertEqual(other.query("SELECT count(*) FROM limits_t"), [("0",)])

    def test_a_client_idle_outside_a_transaction_is_left_alone(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1, idle_transaction_timeout="1s")])
        client = self.client()
        client.query("SELECT 1")
        self.assertFalse(client.at_eof(timeout=2.0), "an idle client outside a transaction was disconnected")
        self.assertEqual(client.query("SELECT 'alive'"), [("alive",)])

    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE limits_t (v int)", dbname="app")
        pg.sql("ALTER TABLE limits_t OWNER TO app", dbname="app")


class QueryTimeoutTest(LimitTest):
    def test_a_query_running_past_query_timeout_is_cancelled_with_57014(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2, query_timeout="1s")])
        client = self.client()
        started = time.monotonic()
        with self.assertRaises(ServerError) as caught:
            client.query("SELECT pg_sleep(6)")
        self.assertEqual(caught.exception.sqlstate, "57014", caught.exception.message)
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        self.assertLess(time.monotonic() - started, 1 + SLACK)
        self.assertEqual(client.query("SELECT 'usable'"), [("usable",)])
        # quick queries are not touched
        self.assertEqual(client.query("SELECT pg_sleep(0.3), 'quick'"), [("", "quick")])

    def test_a_server_that_ignores_the_cancel_is_given_up_and_the_client_gets_57014(self):
        # A backend that is stopped (SIGSTOP) cannot act on the cancel: the proxy
        # gives up on that connection 2 s after cancelling, and the client,
        # told 57014, goes on with another server connection.
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2, query_timeout="1s")])
        client = self.client()
        client.send_query("SELECT pg_sleep(30) /* frozen */")
        backend = wait_for(lambda: next((b for b in self.pg.backends(user=APP_USER)
                                         if "frozen" in (b["query"] or "") and b["state"] == "active"), None),
                           10, "the query to run")
        os.kill(backend["pid"], signal.SIGSTOP)
        self.addCleanup(self.resume_and_end, backend["pid"])
        started = time.monotonic()
        rows, error, status, _ = client.read_until_ready()
        self.assertEqual((error or {}).get("C"), "57014", error)
        self.assertIn("query_timeout", error["M"])
        self.assertEqual(status, "I")
        self.assertLess(time.monotonic() - started, 1 + 2 + SLACK)
        self.assertEqual(client.query("SELECT 'usable'"), [("usable",)])

    @staticmethod
    def resume_and_end(pid):
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


if __name__ == "__main__":
    unittest.main()
