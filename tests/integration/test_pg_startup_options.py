"""The `options` startup parameter (libpq's `options=-c name=value`,
PGOPTIONS): settings of tracked parameters are applied and re-applied on
whichever server connection serves the client in transaction pooling;
anything else is refused with FATAL 08P01 naming it, unless
[postgres] ignore_startup_parameters lists it (or "options")."""
import unittest

from fixtures.pg_proxy import APP_DB, APP_PASSWORD, APP_USER, PostgresProxyTest, database
from fixtures.pg_wire import ServerError, WireClient

TRACK_SEARCH_PATH = {"track_parameters": ["search_path"]}
ONE_SERVER = [database(pool_mode="transaction", pool_size=1)]


class StartupOptionsTest(PostgresProxyTest):
    def wire_login(self, options):
        client = WireClient(self.port)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, APP_DB, options=options)
        return client

    def refused(self, options):
        """The FATAL a login with these options gets; checks the connection is closed after it."""
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError, msg=f"options {options!r} were not refused") as caught:
                client.login(APP_USER, APP_PASSWORD, APP_DB, options=options)
            self.assertTrue(client.at_eof(), "the connection stayed open after the refusal")
        self.assertEqual(caught.exception.fields.get("S"), "FATAL", caught.exception.fields)
        self.assertEqual(caught.exception.sqlstate, "08P01", caught.exception.fields)
        return caught.exception.message

    def test_psql_options_search_path_is_in_force_through_transaction_pooling(self):
        self.start_proxy(databases=ONE_SERVER, postgres=TRACK_SEARCH_PATH)
        lines = self.psql_ok(["SHOW search_path", "SELECT current_setting('search_path')"],
                             dbname=f"dbname={APP_DB} options='-c search_path=x'")
        self.assertEqual(lines, ["x", "x"])

    def test_the_setting_follows_the_client_across_server_connections(self):
        self.start_proxy(databases=ONE_SERVER, postgres=TRACK_SEARCH_PATH)
        with_option = self.connect(options="-c search_path=x")
        without = self.connect()
        # One server connection serves both in turn: it is set and reset for each.
        for _ in range(2):
            self.assertEqual(with_option.execute("SHOW search_path").fetchone()[0], "x")
            self.assertEqual(without.execute("SHOW search_path").fetchone()[0], '"$user", public')
        # the --name=value spelling too
        dashed = self.connect(options="--search-path=y")
        self.assertEqual(dashed.execute("SHOW search_path").fetchone()[0], "y")

    def test_an_untracked_setting_is_refused_by_name(self):
        self.start_proxy(databases=ONE_SERVER, postgres=TRACK_SEARCH_PATH)
        message = self.refused("-c search_path=x -c work_mem=64kB")
        self.assertEqual(message, "unsupported startup parameter in options: work_mem")
        result = self.psql("SELECT 1", dbname=f"dbname={APP_DB} options='-c work_mem=64kB'")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unsupported startup parameter in options: work_mem", result.stderr)

    def test_other_switches_are_refused_and_names_are_escaped(self):
        self.start_proxy(databases=ONE_SERVER, postgres=TRACK_SEARCH_PATH)
        self.assertEqual(self.refused("-d 5"), "unsupported startup parameter in options: -d")
        self.assertEqual(self.refused("-c search_path"),
                         "unsupported startup parameter in options: -c search_path")
        message = self.refused("-c bad\nname=1")
        self.assertNotIn("\n", message)
        self.assertIn("bad\\nname", message)
        self.assertNotIn("bad\nname", self.sy.log_text())

    def test_ignore_startup_parameters_drops_named_settings(self):
        self.start_proxy(databases=ONE_SERVER,
                         postgres={**TRACK_SEARCH_PATH, "ignore_startup_parameters": ["work_mem"]})
        client = self.wire_login("-c work_mem=64kB -c search_path=x")
        self.assertEqual(client.query("SHOW search_path"), [("x",)])
        self.assertEqual(client.query("SHOW work_mem"), [("4MB",)])  # the server's default: dropped
        # a switch that is not a setting is still refused
        self.assertEqual(self.refused("-d 5"), "unsupported startup parameter in options: -d")

    def test_ignoring_options_drops_all_that_cannot_be_applied(self):
        self.start_proxy(databases=ONE_SERVER,
                         postgres={**TRACK_SEARCH_PATH, "ignore_startup_parameters": ["options"]})
        client = self.wire_login("-d 5 -c work_mem=64kB -c search_path=x")
        self.assertEqual(client.query("SHOW search_path"), [("x",)])
        self.assertEqual(client.query("SHOW work_mem"), [("4MB",)])


if __name__ == "__main__":
    unittest.main()
