"""[postgres] max_client_prepared_statements: in transaction mode
switchyard keeps each client's named statements, so their number is
capped. The Parse past the cap gets ERROR 53400, the rest of its request is
skipped up to Sync as PostgreSQL does after an error (a transaction it was
in is aborted), and the connection goes on: earlier statements still run."""
import struct
import unittest

from fixtures.pg_proxy import APP_DB, APP_PASSWORD, APP_USER, PostgresProxyTest, database
from fixtures.pg_wire import WireClient, parse_fields

LIMIT = 5


def message(kind, payload=b""):
    return kind + struct.pack("!i", len(payload) + 4) + payload


def parse(name, sql):
    return message(b"P", name.encode() + b"\0" + sql.encode() + b"\0" + struct.pack("!h", 0))


def bind_execute(name):
    bind = message(b"B", b"\0" + name.encode() + b"\0" + struct.pack("!hhh", 0, 0, 0))
    return bind + message(b"E", b"\0" + struct.pack("!i", 0))


SYNC = message(b"S")


class StatementLimitTest(PostgresProxyTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2)],
                         postgres={"max_client_prepared_statements": LIMIT})
        self.client = WireClient(self.port)
        self.addCleanup(self.client.close)
        self.client.login(APP_USER, APP_PASSWORD, APP_DB)

    def until_ready(self):
        """The message types up to ReadyForQuery, the error fields (or None) and the status."""
        kinds, error = [], None
        while True:
            kind, payload = self.client.read_message()
            kinds.append(kind)
            if kind == "E":
                error = parse_fields(payload)
            if kind == "Z":
                return kinds, error, payload.decode()

    def fill_to_the_limit(self):
        for index in range(LIMIT):
            self.client.send(parse(f"s{index}", f"SELECT {index}") + SYNC)
            kinds, error, _ = self.until_ready()
            self.assertEqual((kinds, error), (["1", "Z"], None))

    def check_limit_error(self, error):
        self.assertIsNotNone(error, "the Parse past the limit succeeded")
        self.assertEqual(error.get("S"), "ERROR", error)
        self.assertEqual(error.get("C"), "53400", error)
        self.assertEqual(error.get("M"), f"too many prepared statements (limit {LIMIT})")

    def test_the_parse_past_the_limit_fails_between_transactions_and_the_session_goes_on(self):
        self.fill_to_the_limit()
        # the refused Parse, then a Bind/Execute the server would skip: only the error and ReadyForQuery
        self.client.send(parse("over", "SELECT 'over'") + bind_execute("s1") + SYNC)
        kinds, error, status = self.until_ready()
        self.check_limit_error(error)
        self.assertEqual((kinds, status), (["E", "Z"], "I"))
        # re-preparing a held name is no new statement; the held ones still run
        self.client.send(parse("s0", "SELECT 0") + bind_execute("s3") + SYNC)
        kinds, error, _ = self.until_ready()
        self.assertEqual((kinds, error), (["1", "2", "D", "C", "Z"], None))
        self.assertEqual(self.client.query("SELECT 'still here'"), [("still here",)])

    def test_the_parse_past_the_limit_inside_a_transaction_aborts_it_as_an_error_does(self):
        self.fill_to_the_limit()
        self.client.query("BEGIN")
        self.client.query("CREATE TEMP TABLE t (x int)")
        self.client.send(bind_execute("s2") + parse("over", "SELECT 'over'") + bind_execute("s1") + SYNC)
        kinds, error, status = self.until_ready()
        self.check_limit_error(error)
        self.assertEqual(kinds, ["2", "D", "C", "E", "Z"])
        self.assertEqual(status, "E", "the transaction was not marked failed")
        self.client.send_query("SELECT 1")
        _, error, status, _ = self.client.read_until_ready()
        self.assertEqual((error or {}).get("C"), "25P02", error)  # in failed transaction
        self.client.query("ROLLBACK")
        self.assertEqual(self.client.query("SELECT 'after'"), [("after",)])

    def test_closing_a_statement_makes_room(self):
        self.fill_to_the_limit()
        self.client.send(message(b"C", b"Ss4\0") + SYNC)
        kinds, error, _ = self.until_ready()
        self.assertEqual((kinds, error), (["3", "Z"], None))
        self.client.send(parse("new", "SELECT 'new'") + bind_execute("new") + SYNC)
        kinds, error, _ = self.until_ready()
        self.assertEqual((kinds, error), (["1", "2", "D", "C", "Z"], None))


if __name__ == "__main__":
    unittest.main()
