"""The PostgreSQL front as applications see it: psql queries return the
server's values, the proxy really reaches the configured server, unknown
databases are refused with 3D000, SSLRequest is declined and plain text
goes on (a second SSLRequest or GSSENCRequest is FATAL 08P01), NOTICE and NOTIFY reach the client, malformed messages get 08P01,
and each client's session parameters (TimeZone, application_name) stay its
own while transaction pooling moves it between server connections."""
import asyncio
import struct
import unittest

import asyncpg

from fixtures import wait_for
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, psql
from fixtures.pg_wire import GSSENC_REQUEST_CODE, SSL_REQUEST_CODE, ServerError, WireClient, parse_fields


class QueryTest(PostgresProxyTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=5),
                                    database("ghost", dbname="missing_on_server", pool_mode="transaction")])

    def test_psql_queries_return_the_servers_values(self):
        self.assertEqual(self.psql_ok("SELECT 1 + 41"), ["42"])
        self.assertEqual(self.psql_ok("SELECT current_user, current_database()"), ["app|app"])
        self.assertEqual(self.psql_ok("SELECT sum(x), count(*) FROM generate_series(1, 100000) x"),
                         ["5000050000|100000"])
        self.psql_ok(["DROP TABLE IF EXISTS basics_t", "CREATE TABLE basics_t (id int, name text)",
                      "INSERT INTO basics_t SELECT i, 'n' || i FROM generate_series(1, 500) i"])
        self.assertEqual(self.psql_ok("SELECT count(*), max(name) FROM basics_t WHERE id % 2 = 0"), ["250|n98"])
        # and the rows really are on the server
        self.assertEqual(self.pg.value("SELECT count(*) FROM basics_t", dbname="app"), 500)

    def test_queries_reach_the_configured_server(self):
        self.assertEqual(self.psql_ok("SELECT inet_server_addr(), inet_server_port()"),
                         [f"127.0.0.1|{self.pg.port}"])

    def test_a_failing_statement_reports_the_servers_error_and_the_session_goes_on(self):
        with WireClient(self.port) as client:
            client.login(APP_USER, APP_PASSWORD, "app")
            with self.assertRaises(ServerError) as caught:
                client.query("SELECT 1/0")
            self.assertEqual((caught.exception.sqlstate, caught.exception.message), ("22012", "division by zero"))
            self.assertEqual(client.query("SELECT 'still here'"), [("still here",)])

    def test_unknown_database_is_refused_with_3D000(self):
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login(APP_USER, APP_PASSWORD, "no_such_db")
            self.assertEqual(caught.exception.sqlstate, "3D000")
            self.assertEqual(caught.exception.fields.get("S"), "FATAL")
            self.assertIn('"no_such_db"', caught.exception.message)
            self.assertTrue(client.at_eof(), "the proxy kept the connection open after refusing it")
        result = psql(self.port, "SELECT 1", dbname="no_such_db")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn('database "no_such_db" does not exist', result.stderr)

    def test_a_database_missing_on_the_server_is_reported_with_the_servers_3D000(self):
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login(APP_USER, APP_PASSWORD, "ghost")
                client.query("SELECT 1")
            self.assertEqual(caught.exception.sqlstate, "3D000", caught.exception.message)
            self.assertIn('"missing_on_server"', caught.exception.message)
        self.assertEqual(self.psql_ok("SELECT 'app still works'"), ["app still works"])

    def test_ssl_request_is_declined_and_plain_text_goes_on(self):
        with WireClient(self.port) as client:
            self.assertEqual(client.ssl_request(), b"N")
            self.assertEqual(client.login(APP_USER, APP_PASSWORD, "app"), "scram-sha-256")
            self.assertEqual(client.query("SELECT 'plain'"), [("plain",)])
        # libpq with sslmode=prefer asks for TLS first and falls back to plain
        result = psql(self.port, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                      env={"PGSSLMODE": "prefer"})
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "f"), result.stderr)
        # and a client that insists on TLS is told it is not there
        result = psql(self.port, "SELECT 1", env={"PGSSLMODE": "require"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("does not support SSL", result.stderr)

    def test_a_second_ssl_or_gssenc_request_is_fatal_08P01_and_closes(self):
        ssl_request = struct.pack("!ii", 8, SSL_REQUEST_CODE)
        gssenc_request = struct.pack("!ii", 8, GSSENC_REQUEST_CODE)
        for name, first, second, what in (("SSLRequest twice", ssl_request, ssl_request, "a second SSLRequest"),
                                         ("GSSENCRequest twice", gssenc_request, gssenc_request,
                                          "a second GSSENCRequest"),
                                         ("SSL, GSSENC, SSL", ssl_request + gssenc_request, ssl_request,
                                          "a second SSLRequest")):
            with self.subTest(name), WireClient(self.port) as client:
                client.send(first)
                for _ in range(len(first) // 8):
                    self.assertEqual(client.read_byte(), b"N")
                client.send(second)
                kind, payload = client.read_message()
                self.assertEqual(kind, "E")
                fields = parse_fields(payload)
                self.assertEqual((fields.get("S"), fields.get("V"), fields.get("C")), ("FATAL", "FATAL", "08P01"))
                self.assertEqual(fields.get("M"), "protocol violation: " + what)
                self.assertTrue(client.at_eof(), "the connection stayed open")
        # libpq's own order, GSSENCRequest then SSLRequest, one each, is served
        with WireClient(self.port) as client:
            client.send(gssenc_request)
            self.assertEqual(client.read_byte(), b"N")
            self.assertEqual(client.ssl_request(), b"N")
            client.login(APP_USER, APP_PASSWORD, "app")
            self.assertEqual(client.query("SELECT 'after both'"), [("after both",)])
        self.assertEqual(self.sy.log_text().count("protocol violation: a second"), 3)


class MessagesTest(PostgresProxyTest):
    """What the server says on its own (NOTICE, NOTIFY) reaches the client, and
    bytes that are not the protocol end that client's connection with 08P01."""

    def test_notices_reach_the_client(self):
        self.start_proxy()
        conn = self.connect()
        notices = []
        conn.add_notice_handler(lambda diag: notices.append((diag.severity_nonlocalized, diag.message_primary)))
        conn.execute("DO $$ BEGIN RAISE NOTICE 'hello from the server %', 42; END $$")
        self.assertEqual(notices, [("NOTICE", "hello from the server 42")])

    def test_notifications_reach_a_listening_session_client(self):
        self.start_proxy(databases=[database(pool_mode="session", pool_size=3)])
        listener, notifier = self.connect(), self.connect()
        received = []
        listener.add_notify_handler(lambda n: received.append((n.channel, n.payload)))
        listener.execute("LISTEN sy_channel")
        notifier.execute("NOTIFY sy_channel, 'first'")
        notifier.execute("SELECT pg_notify('sy_channel', 'second')")
        wait_for(lambda: listener.execute("SELECT 1") and len(received) >= 2, 10, "two notifications")
        self.assertEqual(received, [("sy_channel", "first"), ("sy_channel", "second")])

    def test_a_malformed_message_gets_08P01_and_only_that_client_is_closed(self):
        self.start_proxy()
        bystander = WireClient(self.port)
        self.addCleanup(bystander.close)
        bystander.login(APP_USER, APP_PASSWORD, "app")
        for garbage in (b"Q\x00\x00\x00\x02", b"Q\xff\xff\xff\xf0SELECT 1\x00", b"z\x00\x00\x00\x04"):
            with self.subTest(garbage=garbage), WireClient(self.port) as client:
                client.login(APP_USER, APP_PASSWORD, "app")
                client.send(garbage)
                rows, error, status, _ = client.read_until_ready(eof_ok=True)
                self.assertEqual((error or {}).get("C"), "08P01", error)
                self.assertTrue(status is None or client.at_eof(), "the connection stayed open")
        self.assertEqual(bystander.query("SELECT 'unaffected'"), [("unaffected",)])

    def test_a_malformed_startup_packet_gets_08P01(self):
        self.start_proxy()
        with WireClient(self.port) as client:
            client.send(b"\x00\x00\x00\x08\x00\x09\x00\x00")  # protocol 9.0
            rows, error, status, _ = client.read_until_ready(eof_ok=True)
            self.assertIn((error or {}).get("C"), ("08P01", "0A000"), error)


class SessionParametersTest(PostgresProxyTest):
    """pool_size 1 in transaction mode: every client shares the one server
    connection, so each transaction may follow another client's."""

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=1)], workers=2)

    def test_startup_timezone_and_application_name_follow_each_client(self):
        async def client(timezone, app_name, rounds):
            settings = {"TimeZone": timezone, "application_name": app_name} if timezone else {}
            conn = await asyncpg.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                         database="app", ssl=False, server_settings=settings)
            seen = []
            try:
                for _ in range(rounds):
                    seen.append(await conn.fetchrow("SELECT current_setting('TimeZone') AS tz, "
                                                    "current_setting('application_name') AS app"))
                    await asyncio.sleep(0)
            finally:
                await conn.close()
            return {(row["tz"], row["app"]) for row in seen}

        async def main():
            return await asyncio.gather(client("Asia/Tokyo", "tokyo-client", 60),
                                        client("America/New_York", "ny-client", 60),
                                        client("UTC", "utc-client", 60),
                                        client(None, None, 60))

        tokyo, new_york, utc, defaults = asyncio.run(main())
        self.assertEqual(tokyo, {("Asia/Tokyo", "tokyo-client")})
        self.assertEqual(new_york, {("America/New_York", "ny-client")})
        self.assertEqual(utc, {("UTC", "utc-client")})
        # a client that set nothing sees the server's defaults, not another client's values
        default_timezone = self.pg.value("SELECT reset_val FROM pg_settings WHERE name = 'TimeZone'")
        self.assertEqual(defaults, {(default_timezone, "")})
        self.assertLessEqual(len(self.pg.backends(user=APP_USER)), 1, "pool_size 1 was exceeded")

    def test_a_set_by_the_client_stays_after_switching_servers(self):
        berlin = self.connect()
        other = self.connect()
        berlin.execute("SET TimeZone = 'Europe/Berlin'")
        for _ in range(20):
            other.execute("SET TimeZone = 'Australia/Sydney'")
            self.assertEqual(berlin.execute("SHOW TimeZone").fetchone()[0], "Europe/Berlin")
            self.assertEqual(other.execute("SHOW TimeZone").fetchone()[0], "Australia/Sydney")
        # and the client's own view (ParameterStatus) agrees
        self.assertEqual(berlin.info.parameter_status("TimeZone"), "Europe/Berlin")

    def test_client_encoding_follows_each_client(self):
        latin, utf8 = self.connect(client_encoding="LATIN1"), self.connect()
        for _ in range(10):
            # a wrong encoding on the server connection would turn "é" into "Ã©"
            self.assertEqual(latin.execute("SELECT 'caf' || chr(233), current_setting('client_encoding')").fetchone(),
                             ("café", "LATIN1"))
            self.assertEqual(utf8.execute("SELECT 'caf' || chr(233), current_setting('client_encoding')").fetchone(),
                             ("café", "UTF8"))

    def test_pgtz_and_pgappname_from_libpq_survive_server_reuse(self):
        # libpq sends PGTZ as a lowercase "timezone" startup parameter.
        first = psql(self.port, ["SHOW TimeZone", "SELECT current_setting('application_name')"],
                     env={"PGTZ": "Asia/Kolkata", "PGAPPNAME": "kolkata"})
        second = psql(self.port, ["SHOW TimeZone", "SELECT current_setting('application_name')"],
                      env={"PGTZ": "Pacific/Auckland", "PGAPPNAME": "auckland"})
        self.assertEqual((first.returncode, first.stdout.split()), (0, ["Asia/Kolkata", "kolkata"]), first.stderr)
        self.assertEqual((second.returncode, second.stdout.split()), (0, ["Pacific/Auckland", "auckland"]),
                         second.stderr)


class TrackParametersTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE SCHEMA tracked AUTHORIZATION app", dbname="app")
        pg.sql("CREATE TABLE tracked.where_am_i AS SELECT 'tracked schema' AS v", dbname="app")
        pg.sql("CREATE TABLE public.where_am_i AS SELECT 'public schema' AS v", dbname="app")
        pg.sql("ALTER TABLE tracked.where_am_i OWNER TO app", dbname="app")
        pg.sql("ALTER TABLE public.where_am_i OWNER TO app", dbname="app")

    def test_track_parameters_reapplies_a_startup_search_path(self):
        # PostgreSQL 15 sends no ParameterStatus for search_path, so only the
        # value from the startup packet can be tracked (a later SET cannot).
        # pool_size 1 on one worker: the clients take turns on one server connection.
        self.start_proxy(postgres={"track_parameters": ["search_path"]},
                         databases=[database(pool_mode="transaction", pool_size=1)], workers=1)

        async def connect(settings):
            return await asyncpg.connect(host="127.0.0.1", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                         database="app", ssl=False, server_settings=settings)

        async def main():
            tracked = await connect({"search_path": "tracked"})
            plain = await connect({})
            try:
                seen = []
                for _ in range(5):
                    seen.append(("tracked", await tracked.fetchval("SELECT v FROM where_am_i")))
                    seen.append(("plain", await plain.fetchval("SELECT v FROM where_am_i")))
                return seen
            finally:
                await tracked.close()
                await plain.close()

        seen = asyncio.run(main())
        self.assertEqual(seen, [("tracked", "tracked schema"), ("plain", "public schema")] * 5,
                         "a client that did not set search_path got the previous client's value")

if __name__ == "__main__":
    unittest.main()
