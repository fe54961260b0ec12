"""What clients see when the server or the proxy goes away: idle clients in
transaction mode keep working across a server restart (fast or immediate)
and a killed backend; a query in flight on a server that dies fails with
08006 and its connection stays usable; a session client whose server is
lost is told and disconnected; a graceful SIGTERM lets a client in a
transaction finish it, and turns idle clients away with 57P01, while a
session client keeps its session until it leaves."""
import signal
import threading
import time
import unittest

import psycopg

from fixtures import wait_for
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, pg_connect
from fixtures.pg_wire import WireClient


class ServerRestartTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE events (client int, n int)", dbname="app")
        pg.sql("ALTER TABLE events OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3)], workers=2)

    def idle_clients(self, count):
        clients = [self.connect() for _ in range(count)]
        for index, conn in enumerate(clients):
            conn.execute("INSERT INTO events VALUES (%s, 0)", (index,))
        return clients

    def assert_clients_work_after(self, clients, round_number):
        for index, conn in enumerate(clients):
            try:
                conn.execute("INSERT INTO events VALUES (%s, %s)", (index, round_number))
                got = conn.execute("SELECT count(*) FROM events WHERE client = %s AND n = %s",
                                   (index, round_number)).fetchone()[0]
            except psycopg.Error as error:
                self.fail(f"client {index} failed on its first query after the restart: "
                          f"{type(error).__name__}: {error}")
            self.assertEqual(got, 1)

    def test_idle_clients_keep_working_after_a_fast_restart(self):
        clients = self.idle_clients(6)
        self.pg.restart("fast")
        self.assert_clients_work_after(clients, 1)

    def test_idle_clients_keep_working_after_an_immediate_restart(self):
        clients = self.idle_clients(6)
        self.pg.restart("immediate")
        self.assert_clients_work_after(clients, 2)

    def test_idle_clients_keep_working_after_kill_9(self):
        clients = self.idle_clients(6)
        self.pg.kill()
        self.pg.start()
        self.assert_clients_work_after(clients, 3)

    def test_an_idle_client_whose_backend_was_terminated_keeps_working(self):
        conn = self.connect()
        first_pid = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        self.pg.sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'app'")
        wait_for(lambda: not any(b["pid"] == first_pid for b in self.pg.backends()), 10, "the backend to exit")
        self.assertNotEqual(conn.execute("SELECT pg_backend_pid()").fetchone()[0], first_pid)

    def test_a_query_in_flight_on_a_dying_server_fails_and_the_connection_stays_usable(self):
        conn = self.connect()
        bystander = self.connect()
        self.assertEqual(bystander.execute("SELECT 1").fetchone()[0], 1)
        outcome = {}

        def run():
            try:
                conn.execute("SELECT pg_sleep(30) /* doomed */")
                outcome["result"] = "finished"
            except psycopg.Error as error:
                outcome["result"] = error

        thread = threading.Thread(target=run)
        thread.start()
        wait_for(lambda: any("doomed" in (b["query"] or "") and b["state"] == "active"
                             for b in self.pg.backends(user=APP_USER)), 15, "the query to run")
        self.pg.kill()
        thread.join(timeout=10)
        self.assertFalse(thread.is_alive(), "the query in flight did not fail when its server died")
        error = outcome["result"]
        self.assertIsInstance(error, psycopg.OperationalError)
        self.assertEqual(error.sqlstate, "08006", str(error))
        self.assertFalse(conn.closed, "the client connection was closed")
        self.pg.start()
        self.assertEqual(conn.execute("SELECT 'usable'").fetchone()[0], "usable")
        self.assertEqual(bystander.execute("SELECT 'bystander'").fetchone()[0], "bystander")

    def test_a_transaction_open_when_the_server_dies_fails_at_its_next_statement(self):
        client = WireClient(self.port)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, "app")
        client.query("BEGIN")
        client.query("INSERT INTO events VALUES (100, 100)")
        self.pg.kill()
        self.pg.start()
        client.send_query("INSERT INTO events VALUES (100, 101)")
        rows, error, status, _ = client.read_until_ready()
        self.assertEqual((error or {}).get("C"), "08006", error)
        self.assertEqual(status, "I", "the client is still told it is in a transaction")
        # nothing of the lost transaction was committed, and the client goes on
        self.assertEqual(client.query("SELECT count(*) FROM events WHERE client = 100"), [("0",)])


class SessionServerLossTest(PostgresProxyTest):
    def test_a_session_client_whose_server_is_lost_gets_08006_and_is_disconnected(self):
        self.start_proxy(databases=[database(pool_mode="session", pool_size=3)], workers=2)
        client = WireClient(self.port)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, "app")
        pid = int(client.query("SELECT pg_backend_pid()")[0][0])
        self.pg.sql("SELECT pg_terminate_backend(%s)", (pid,))
        # the session is gone with its server: the client is told, now or at its next query
        errors = []
        try:
            client.send_query("SELECT 1")
            rows, error, status, _ = client.read_until_ready(eof_ok=True)
            errors.append(error)
            self.assertIsNone(status, "the session client stayed connected after its server was lost")
        except ConnectionError:
            pass
        codes = [e.get("C") for e in errors if e]
        self.assertTrue(codes and codes[-1] in ("08006", "57P01"), f"errors seen: {errors}")
        # a new session works
        with WireClient(self.port) as again:
            again.login(APP_USER, APP_PASSWORD, "app")
            self.assertEqual(again.query("SELECT 'new session'"), [("new session",)])


class GracefulShutdownTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE shutdown_t (v text)", dbname="app")
        pg.sql("ALTER TABLE shutdown_t OWNER TO app", dbname="app")

    def test_sigterm_lets_a_transaction_finish_and_turns_idle_clients_away(self):
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=3)], workers=2)
        busy = WireClient(self.port)
        idle = WireClient(self.port)
        self.addCleanup(busy.close)
        self.addCleanup(idle.close)
        busy.login(APP_USER, APP_PASSWORD, "app")
        idle.login(APP_USER, APP_PASSWORD, "app")
        busy.query("BEGIN")
        busy.query("INSERT INTO shutdown_t VALUES ('in flight')")
        self.sy.send_signal(signal.SIGTERM)
        # the idle client is told at once
        kind, payload = idle.read_message()
        self.assertEqual(kind, "E")
        self.assertIn(b"C57P01\0", payload)
        self.assertTrue(idle.at_eof())
        # the client in a transaction finishes it
        self.assertEqual(busy.query("SELECT count(*) FROM shutdown_t"), [("1",)])
        busy.query("COMMIT")
        self.assertEqual(self.pg.value("SELECT count(*) FROM shutdown_t WHERE v = 'in flight'", dbname="app"), 1)
        # then it is let go, and the proxy exits cleanly
        rows, error, status, _ = busy.read_until_ready(eof_ok=True)
        self.assertEqual(((error or {}).get("C"), status), ("57P01", None), error)
        self.assertEqual(self.sy.wait_exit(15), 0)

    def test_sigterm_lets_a_session_client_finish_its_query(self):
        # Session clients may keep their session until shutdown_timeout; the query
        # running when SIGTERM comes completes either way.
        self.start_proxy(databases=[database(pool_mode="session", pool_size=3)], workers=2,
                         global_settings={"shutdown_timeout": "3s"})
        conn = self.connect()
        outcome = {}

        def run():
            try:
                outcome["result"] = conn.execute("SELECT pg_sleep(1), 'done' /* late */").fetchone()[1]
            except psycopg.Error as error:
                outcome["result"] = error

        thread = threading.Thread(target=run)
        thread.start()
        wait_for(lambda: any("late" in (b["query"] or "") and b["state"] == "active"
                             for b in self.pg.backends(user=APP_USER)), 15, "the query to run")
        started = time.monotonic()
        self.sy.send_signal(signal.SIGTERM)
        thread.join(timeout=15)
        self.assertEqual(outcome.get("result"), "done")
        self.assertEqual(self.sy.wait_exit(15), 0)
        self.assertLess(time.monotonic() - started, 3 + 2.5, "the shutdown outlasted shutdown_timeout")

    def test_after_sigterm_a_session_client_keeps_its_session_until_it_leaves(self):
        self.start_proxy(databases=[database(pool_mode="session", pool_size=3)], workers=2,
                         global_settings={"shutdown_timeout": "30s"})
        conn = self.connect(autocommit=False)
        conn.execute("SET application_name = 'kept'")  # session state that must survive
        conn.commit()
        self.sy.send_signal(signal.SIGTERM)
        wait_for(lambda: self.sy.find_log(r"SIGTERM") is not None, 10, "the proxy to take the signal")
        # New clients are turned away...
        with self.assertRaises(psycopg.OperationalError):
            pg_connect(self.port, connect_timeout=3).close()
        # ...while the session goes on, on its own server connection.
        for value in range(3):
            self.assertEqual(conn.execute("SELECT %s::int, current_setting('application_name')",
                                          (value,)).fetchone(), (value, "kept"))
            conn.commit()
        started = time.monotonic()
        conn.close()
        # Its leaving is what the proxy waited for: it exits well before shutdown_timeout.
        self.assertEqual(self.sy.wait_exit(15), 0)
        self.assertLess(time.monotonic() - started, 10)


if __name__ == "__main__":
    unittest.main()
