"""Faults between the PostgreSQL front and a real server (behind a fault
forwarder), each with a reload while it lasts: a server that accepts and
never answers the login (08006 at connect_timeout), one that hangs in the
middle of a query (57014 at query_timeout, even though the cancel never
arrives), one reset in the middle of a result (08006, the connection usable),
one that trickles its result (every byte arrives); a client that stops
reading a 200 MB result (proxy RSS bounded, the query ended at query_timeout).
What was committed before a fault is there after it, and the process serves
a good query right after. (test_pg_resilience.py has server restarts and
kills, test_pg_limits.py query_wait_timeout and query_timeout on a live server.)"""
import socket
import struct
import time
import unittest

from fixtures import RssSampler, wait_for
from fixtures.fault_servers import FaultForwarder, ReloadDuringFault
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, pg_config
from fixtures.pg_wire import ServerError, WireClient

SLACK = 1.5
CONNECT_TIMEOUT = 0.5
QUERY_TIMEOUT = 0.5
CANCEL_GRACE = 2.0  # switchyard waits this long after a cancel before it closes the server connection itself
RSS_GROWTH_LIMIT_KB = 32 * 1024  # a sixth of the 200 MB result; see test_faults_http.py


class PostgresServerFaultTest(ReloadDuringFault, PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE TABLE acknowledged (n int)", dbname="app")
        pg.sql("ALTER TABLE acknowledged OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.pg.sql("TRUNCATE acknowledged", dbname="app")
        self.faulty = self._own(FaultForwarder(f"{self.pg.host}:{self.pg.port}"))
        databases = [
            # through the faulty server, with the timeouts under test
            database(pool_mode="transaction", pool_size=2, query_timeout=f"{int(QUERY_TIMEOUT * 1000)}ms",
                     query_wait_timeout="3s"),
            # through the faulty server, without query_timeout (for the trickle)
            database(name="patient", dbname="app", pool_mode="transaction", pool_size=2, query_wait_timeout="3s"),
            # straight to the server: the process still serves while the fault lasts
            database(name="direct", dbname="app", backend="direct", pool_mode="transaction", pool_size=2),
        ]
        config = pg_config([("faulty", self.faulty.address)], databases, health={"type": "none"},
                           backend={"connect_timeout": f"{int(CONNECT_TIMEOUT * 1000)}ms"})
        config["backend"].append({"name": "direct", "health_check": {"type": "none"},
                                  "server": [{"name": "d1", "address": f"{self.pg.host}:{self.pg.port}"}]})
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("pg")

    def client(self, dbname="app"):
        client = WireClient(self.port, timeout=15)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, dbname)
        return client

    def commit_one(self, client, n):
        """An autocommit INSERT the server acknowledged."""
        client.query(f"INSERT INTO acknowledged VALUES ({n})")

    def assert_still_serves(self, client, committed):
        """`client` (whose connection went through the fault) and a direct one work; what was committed is there."""
        self.assertTrue(self.sy.running())
        with WireClient(self.port) as direct:
            direct.login(APP_USER, APP_PASSWORD, "direct")
            self.assertEqual(direct.query("SELECT 'direct ok'"), [("direct ok",)])
        self.faulty.heal()
        self.assertEqual(client.query("SELECT n FROM acknowledged ORDER BY n"), [(str(n),) for n in committed])

    def query_with_error(self, client, sql):
        """Sends `sql`; returns (error fields, transaction status, seconds taken)."""
        started = time.monotonic()
        client.send_query(sql)
        _, error, status, _ = client.read_until_ready()
        return error or {}, status, time.monotonic() - started

    def test_a_server_that_never_answers_the_login_gives_08006_at_connect_timeout(self):
        # The pool's first client waits for a server login (for the server's
        # parameters): with the server hung, that login times out.
        self.faulty.arm("stall")
        client = WireClient(self.port, timeout=15)
        self.addCleanup(client.close)
        started = time.monotonic()
        with self.assertRaises(ServerError) as refused:
            client.login(APP_USER, APP_PASSWORD, "patient")
        took = time.monotonic() - started
        self.assertEqual(refused.exception.sqlstate, "08006", refused.exception.fields)
        self.assertIn("timeout", refused.exception.message)
        # (seen: ~2 s, the pool trying the login again before it gives the client up)
        self.assertLess(took, 3 * CONNECT_TIMEOUT + SLACK)
        self.assertGreaterEqual(self.faulty.unanswered, 1)
        self.reload_during_fault("ctl")
        wait_for(lambda: self.faulty.stalled_links() == 0, 3, "the proxy to close its connection to the hung server")
        self.faulty.heal()
        self.assert_still_serves(self.client("patient"), [])

    def test_a_server_that_hangs_mid_query_gives_57014_at_query_timeout_and_loses_nothing(self):
        client = self.client()
        self.commit_one(client, 1)
        self.commit_one(client, 2)
        self.faulty.arm("stall")
        client.send_query("SELECT 'stuck'")
        started = time.monotonic()
        self.reload_during_fault("sighup")
        _, error, status, _ = client.read_until_ready()
        took = time.monotonic() - started
        self.assertEqual(((error or {}).get("C"), status), ("57014", "I"), error)
        self.assertLess(took, QUERY_TIMEOUT + CANCEL_GRACE + SLACK)
        self.assertGreater(took, QUERY_TIMEOUT - 0.1)
        wait_for(lambda: self.faulty.stalled_links() == 0, 3, "the proxy to close its connections to the hung server")
        self.assert_still_serves(client, [1, 2])

    def test_a_reset_between_messages_gives_08006_and_the_connection_stays_usable(self):
        client = self.client()
        self.commit_one(client, 1)
        client.query("BEGIN")
        client.query("INSERT INTO acknowledged VALUES (99)")  # never committed: must not appear
        self.faulty.arm("reset", after=20)  # inside the RowDescription: nothing of the result passed on yet
        error, status, took = self.query_with_error(client, "SELECT repeat('x', 100) FROM generate_series(1, 5000)")
        self.assertEqual((error.get("C"), status), ("08006", "I"), error)
        self.assertIn("server connection lost", error.get("M", ""))
        self.assertLess(took, SLACK)
        self.assertEqual(self.faulty.resets, 1)
        self.reload_during_fault("ctl")
        self.assert_still_serves(client, [1])

    def test_a_reset_in_the_middle_of_a_row_closes_the_client_instead_of_corrupting_its_stream(self):
        client = self.client()
        self.commit_one(client, 1)
        self.faulty.arm("reset", after=1000)  # 1000 bytes: the RowDescription and 8 rows and a part of the 9th
        client.send_query("SELECT repeat('x', 100) FROM generate_series(1, 5000)")
        started = time.monotonic()
        kinds = []
        with self.assertRaises(ConnectionError, msg="an ErrorResponse after part of a DataRow is read as its rest"):
            while True:
                kind, _ = client.read_message()
                kinds.append(kind)
        self.assertLess(time.monotonic() - started, SLACK, "the cut client was not closed at once")
        self.assertEqual(kinds, ["T"] + ["D"] * 8, "only whole rows may reach the client before the close")
        self.reload_during_fault("sighup")
        self.assert_still_serves(self.client(), [1])

    def test_a_trickling_server_delivers_the_whole_result(self):
        client = self.client("patient")
        self.commit_one(client, 7)
        self.faulty.arm("trickle", interval=0.01)
        started = time.monotonic()
        client.send_query("SELECT n, 'slow but whole' FROM acknowledged")
        self.reload_during_fault("sighup")
        rows, error, status, _ = client.read_until_ready()
        took = time.monotonic() - started
        self.assertEqual((rows, error, status), ([("7", "slow but whole")], None, "I"))
        self.assertGreater(took, 0.5, "the result was not trickled (the test proves nothing)")
        self.assert_still_serves(client, [7])

    def unread_query_running(self):
        return any("unread" in (b["query"] or "") and b["state"] == "active" for b in self.pg.backends(user=APP_USER))

    def test_a_client_that_stops_reading_keeps_proxy_memory_bounded_and_its_query_ends_at_query_timeout(self):
        reader = self.client()
        self.commit_one(reader, 3)
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        slow = WireClient.__new__(WireClient)  # the same wire client on the small-buffer socket
        slow.sock, slow.buffer, slow.parameters, slow.backend_key = sock, bytearray(), {}, None
        slow.login(APP_USER, APP_PASSWORD, "app")
        start_kb = self.sy.rss_kb()
        with RssSampler(self.sy.rss_kb, interval=0.01) as rss:
            slow.send_query("SELECT repeat('x', 1000) /* unread */ FROM generate_series(1, 200000)")  # 200 MB
            wait_for(lambda: self.unread_query_running(), 5,
                     "the query to run")
            self.reload_during_fault("ctl")
            # query_timeout cancels it; the server blocked on a full socket may not see the
            # cancel, and then switchyard closes that server connection itself
            wait_for(lambda: not self.unread_query_running(),
                     QUERY_TIMEOUT + CANCEL_GRACE + SLACK + 2, "the unread query to end on the server")
        growth = rss.peak_kb - start_kb
        self.assertGreaterEqual(len(rss.samples), 3)
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB, f"proxy RSS grew by {growth} KiB for a client that reads nothing")
        self.assert_still_serves(reader, [3])


if __name__ == "__main__":
    unittest.main()
