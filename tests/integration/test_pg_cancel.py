"""CancelRequest through the proxy: clients get the proxy's BackendKeyData,
a cancel with that key stops the query on the server running it (57014)
and the connection goes on, and a cancel with a wrong key, or another
client's key, cancels nothing else — not even a cancel that reaches the
server after the query it was meant for has ended, when the server
connection may already serve another client."""
import threading
import time
import unittest

import psycopg

from fixtures import wait_for
from fixtures.delayed_forwarder import DelayedForwarder
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, pg_config
from fixtures.pg_wire import WireClient, send_cancel

CANCEL_DEADLINE = 5.0  # seconds from the cancel to the error, on a loaded machine


class CancelTest(PostgresProxyTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=4)], workers=2)

    def wait_for_sleepers(self, count, tag):
        """Waits until `count` queries containing `tag` run on the server."""
        return wait_for(lambda: len([b for b in self.pg.backends(user=APP_USER)
                                     if b["state"] == "active" and tag in (b["query"] or "")]) >= count,
                        15, f"{count} running queries tagged {tag}")

    def login(self):
        client = WireClient(self.port, timeout=40)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, "app")
        self.assertIsNotNone(client.backend_key, "no BackendKeyData from the proxy")
        return client

    def test_psycopg_cancel_stops_pg_sleep_and_the_connection_goes_on(self):
        conn = self.connect()
        outcome = {}

        def run():
            started = time.monotonic()
            try:
                conn.execute("SELECT pg_sleep(30) /* cancel-me */")
                outcome["result"] = "finished"
            except psycopg.Error as error:
                outcome["result"] = error
            outcome["seconds"] = time.monotonic() - started

        thread = threading.Thread(target=run)
        thread.start()
        self.wait_for_sleepers(1, "cancel-me")
        cancelled_at = time.monotonic()
        conn.cancel()
        thread.join(timeout=CANCEL_DEADLINE)
        self.assertFalse(thread.is_alive(), f"the query was not cancelled within {CANCEL_DEADLINE}s")
        self.assertIsInstance(outcome["result"], psycopg.errors.QueryCanceled)
        self.assertEqual(outcome["result"].sqlstate, "57014")
        self.assertLess(time.monotonic() - cancelled_at, CANCEL_DEADLINE)
        self.assertEqual(conn.execute("SELECT 'usable'").fetchone()[0], "usable")

    def test_proxy_key_differs_from_the_servers(self):
        client = self.login()
        process_id, _ = client.backend_key
        server_pid = int(client.query("SELECT pg_backend_pid()")[0][0])
        # the client must not learn (or be able to use) a server's key
        self.assertNotEqual(process_id, server_pid)

    def test_cancel_with_a_wrong_key_cancels_nothing(self):
        client = self.login()
        process_id, secret = client.backend_key
        client.send_query("SELECT pg_sleep(1.5), 'slept' /* wrong-key */")
        self.wait_for_sleepers(1, "wrong-key")
        send_cancel(self.port, process_id, secret ^ 0x5A5A5A5A)
        send_cancel(self.port, process_id + 1, secret)
        rows, error, status, _ = client.read_until_ready()
        self.assertIsNone(error, f"a cancel with a wrong key cancelled the query: {error}")
        self.assertEqual(rows, [("", "slept")])

    def test_a_cancel_reaches_only_the_client_it_names(self):
        first, second = self.login(), self.login()
        first.send_query("SELECT pg_sleep(2), 'first' /* who-first */")
        second.send_query("SELECT pg_sleep(30), 'second' /* who-second */")
        self.wait_for_sleepers(1, "who-first")
        self.wait_for_sleepers(1, "who-second")
        started = time.monotonic()
        send_cancel(self.port, *second.backend_key)
        rows, error, status, _ = second.read_until_ready()
        self.assertEqual((error or {}).get("C"), "57014", f"second: rows {rows}, error {error}")
        self.assertLess(time.monotonic() - started, CANCEL_DEADLINE)
        rows, error, status, _ = first.read_until_ready()
        self.assertIsNone(error, f"the cancel for the second client hit the first: {error}")
        self.assertEqual(rows, [("", "first")])
        self.assertEqual(second.query("SELECT 'second again'"), [("second again",)])

    def test_a_cancel_while_idle_changes_nothing(self):
        client = self.login()
        send_cancel(self.port, *client.backend_key)
        self.assertEqual(client.query("SELECT 'fine'"), [("fine",)])
        # nor does it linger to cancel the next query
        self.assertEqual(client.query("SELECT pg_sleep(0.3), 'still fine'"), [("", "still fine")])


class LateCancelTest(PostgresProxyTest):
    def test_a_cancel_arriving_after_its_query_ended_does_not_stop_the_next_clients_query(self):
        # The proxy reaches the server through a forwarder that, once armed,
        # holds new connections for 1.5 s: the pooled server connection is
        # already open, the cancel's own connection is late.
        forwarder = DelayedForwarder(self.pg.host, self.pg.port)
        self.addCleanup(forwarder.close)
        self.sy = self.start_switchyard(pg_config([("pg1", f"127.0.0.1:{forwarder.port}")],
                                                  [database(pool_mode="transaction", pool_size=1)], workers=1))
        port = self.sy.port("pg")
        first, second = WireClient(port, timeout=30), WireClient(port, timeout=30)
        self.addCleanup(first.close)
        self.addCleanup(second.close)
        first.login(APP_USER, APP_PASSWORD, "app")
        second.login(APP_USER, APP_PASSWORD, "app")
        self.assertEqual(first.query("SELECT 1"), [("1",)])  # the one server connection is open
        forwarder.arm(1.5)
        first.send_query("SELECT pg_sleep(0.5), 'first' /* late-first */")
        wait_for(lambda: any("late-first" in (b["query"] or "") and b["state"] == "active"
                             for b in self.pg.backends(user=APP_USER)), 10, "the first query to run")
        send_cancel(port, *first.backend_key)
        # The first query ends on its own before its cancel gets through.
        rows, error, _, _ = first.read_until_ready()
        self.assertEqual((rows, error), ([("", "first")], None))
        # The next client needs the same server connection while that cancel
        # is still on its way; it must not be the one cancelled.
        second.send_query("SELECT pg_sleep(2), 'second' /* late-second */")
        rows, error, status, _ = second.read_until_ready()
        self.assertIsNone(error, f"the late cancel for the first client stopped the second's query: {error}")
        self.assertEqual((rows, status), ([("", "second")], "I"))


if __name__ == "__main__":
    unittest.main()
