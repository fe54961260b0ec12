"""Client authentication at the proxy (scram-sha-256, md5, password, trust,
each passing and failing, against plain passwords, md5 hashes and SCRAM
verifiers, from [[user]], an auth_file or auth_query) and the proxy's own
login to the server (the client's credentials, SCRAM pass-through,
server_user/server_password).

The server's pg_hba asks every TCP login for a password (md5, or SCRAM for
roles stored as SCRAM verifiers), so a query that works proves the proxy
logged in to the server too."""
import unittest

import psycopg

from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, psql, user
from fixtures.pg_wire import ServerError, WireClient

# Every [[database]] points at the server database "app"; they differ in the
# methods clients may use.
DATABASES = [
    database("app", pool_mode="transaction", pool_size=3),
    database("scram_only", dbname="app", auth=["scram-sha-256"], pool_mode="transaction", pool_size=3),
    database("md5_only", dbname="app", auth=["md5"], pool_mode="transaction", pool_size=3),
    database("password_only", dbname="app", auth=["password"], pool_mode="transaction", pool_size=3),
    database("trust_only", dbname="app", auth=["trust"], pool_mode="transaction", pool_size=3),
    database("as_app", dbname="app", server_user=APP_USER, server_password=APP_PASSWORD, pool_mode="transaction",
             pool_size=3),
]


def password_failed(name):
    return f'password authentication failed for user "{name}"'


class AuthTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        cls.stored = {
            "scram_user": pg.create_role("scram_user", "scram-pw", "scram-sha-256"),
            "md5_user": pg.create_role("md5_user", "md5-pw", "md5"),
            "md5_hash_user": pg.create_role("md5_hash_user", "md5-hash-pw", "md5"),
            "wrong_at_server": pg.create_role("wrong_at_server", "the-real-one", "scram-sha-256"),
        }
        assert cls.stored["scram_user"].startswith("SCRAM-SHA-256$")
        assert cls.stored["md5_user"].startswith("md5")

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=DATABASES, users=[
            user(APP_USER, APP_PASSWORD),                                 # plain text
            user("scram_user", self.stored["scram_user"]),               # the server's own verifier
            user("md5_user", "md5-pw"),                                   # plain, server stores md5
            user("md5_hash_user", self.stored["md5_hash_user"]),         # the server's md5 hash
            user("wrong_at_server", "not-the-real-one"),                 # the proxy accepts it, the server not
            user("client_only", "client-pw"),                             # no such role on the server
        ])

    def login(self, name, password, dbname):
        """Logs in through the proxy; returns (the method the proxy asked for, current_user)."""
        with WireClient(self.port) as client:
            try:
                method = client.login(name, password, dbname)
                return method, client.query("SELECT current_user")[0][0]
            except ServerError as error:
                self.fail(f"{name} could not log in to {dbname} through the proxy: {error}")

    def assert_refused(self, name, password, dbname, sqlstate="28P01", message=None):
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError, msg=f"{name}/{dbname} logged in with a bad password") as caught:
                client.login(name, password, dbname)
            self.assertEqual(caught.exception.sqlstate, sqlstate, caught.exception.message)
            self.assertEqual(caught.exception.message, message or password_failed(name))
            self.assertTrue(client.at_eof(), "the connection stayed open after a failed login")

    # --- scram-sha-256 -------------------------------------------------

    def test_scram_against_a_plain_password(self):
        self.assertEqual(self.login(APP_USER, APP_PASSWORD, "scram_only"), ("scram-sha-256", APP_USER))
        self.assert_refused(APP_USER, "wrong", "scram_only")

    def test_scram_against_a_stored_verifier_logs_in_to_the_server_by_pass_through(self):
        # The proxy knows only the verifier; the server wants SCRAM: the keys of
        # the client's own exchange are the only way in.
        self.assertEqual(self.login("scram_user", "scram-pw", "scram_only"), ("scram-sha-256", "scram_user"))
        self.assertEqual(self.login("scram_user", "scram-pw", "app"), ("scram-sha-256", "scram_user"))
        self.assert_refused("scram_user", "scram-pW", "scram_only")

    def test_default_methods_prefer_scram(self):
        self.assertEqual(self.login(APP_USER, APP_PASSWORD, "app")[0], "scram-sha-256")
        self.assertEqual(self.login("md5_hash_user", "md5-hash-pw", "app"), ("md5", "md5_hash_user"))

    # --- md5 -----------------------------------------------------------

    def test_md5_against_a_plain_password(self):
        self.assertEqual(self.login("md5_user", "md5-pw", "md5_only"), ("md5", "md5_user"))
        self.assertEqual(self.login(APP_USER, APP_PASSWORD, "md5_only"), ("md5", APP_USER))
        self.assert_refused("md5_user", "md5-PW", "md5_only")

    def test_md5_against_an_md5_hash_logs_in_to_the_server_with_the_hash(self):
        self.assertEqual(self.login("md5_hash_user", "md5-hash-pw", "md5_only"), ("md5", "md5_hash_user"))
        self.assert_refused("md5_hash_user", "md5-hash-pW", "md5_only")

    def test_a_scram_verifier_cannot_serve_md5(self):
        self.assert_refused("scram_user", "scram-pw", "md5_only")

    # --- password (clear text) -----------------------------------------

    def test_password_against_plain_md5_and_scram_credentials(self):
        self.assertEqual(self.login(APP_USER, APP_PASSWORD, "password_only"), ("password", APP_USER))
        self.assertEqual(self.login("md5_hash_user", "md5-hash-pw", "password_only"), ("password", "md5_hash_user"))
        self.assertEqual(self.login("scram_user", "scram-pw", "password_only"), ("password", "scram_user"))
        self.assert_refused(APP_USER, "secreT", "password_only")
        self.assert_refused("md5_hash_user", "nope", "password_only")
        self.assert_refused("scram_user", "nope", "password_only")

    # --- trust ---------------------------------------------------------

    def test_trust_asks_nothing_and_logs_in_to_the_server_with_the_configured_password(self):
        self.assertEqual(self.login(APP_USER, None, "trust_only"), ("trust", APP_USER))
        result = psql(self.port, "SELECT current_user", dbname="trust_only", password=None)
        self.assertEqual((result.returncode, result.stdout.strip()), (0, APP_USER), result.stderr)

    # --- users and failures --------------------------------------------

    def test_unknown_user_goes_through_a_scram_exchange_and_fails_like_a_wrong_password(self):
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login("nobody", "whatever", "app")
            self.assertEqual(caught.exception.sqlstate, "28P01")
            self.assertEqual(caught.exception.message, password_failed("nobody"))
        # the exchange was a SCRAM one, the same as for a real user
        with WireClient(self.port) as client:
            client.send_startup("nobody", "app")
            kind, payload = client.read_message()
            # A known user with a plain password gets SCRAM here (the first allowed method):
            # any other challenge tells a prober the user does not exist.
            self.assertEqual((kind, payload[:4]), ("R", b"\0\0\0\x0a"),
                             "an unknown user got another challenge than AuthenticationSASL (known users get SASL)")

    def test_psql_with_a_wrong_password_shows_the_message(self):
        result = psql(self.port, "SELECT 1", password="wrong")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn(password_failed(APP_USER), result.stderr)

    def test_server_refusing_the_login_reaches_the_client_as_an_error(self):
        # The proxy accepts "not-the-real-one"; the server does not.
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login("wrong_at_server", "not-the-real-one", "app")
                client.query("SELECT 1")
            self.assertEqual(caught.exception.sqlstate, "28P01", caught.exception.message)
            self.assertIn("wrong_at_server", caught.exception.message)
        # and the proxy keeps serving others
        self.assertEqual(self.login(APP_USER, APP_PASSWORD, "app")[1], APP_USER)

    # --- server_user / server_password ---------------------------------

    def test_server_user_logs_in_to_the_server_whoever_the_client_is(self):
        self.assertEqual(self.login("client_only", "client-pw", "as_app"), ("scram-sha-256", APP_USER))
        self.assert_refused("client_only", "bad", "as_app")
        # without server_user, the client's own name reaches the server, which does not know it
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login("client_only", "client-pw", "app")
                client.query("SELECT 1")
            self.assertEqual(caught.exception.sqlstate, "28P01", caught.exception.message)

    def test_drivers_log_in_with_each_method(self):
        for dbname, name, password in [("scram_only", "scram_user", "scram-pw"), ("md5_only", "md5_user", "md5-pw"),
                                       ("password_only", APP_USER, APP_PASSWORD)]:
            with self.subTest(dbname=dbname):
                with psycopg.connect(host="127.0.0.1", port=self.port, user=name, password=password, dbname=dbname,
                                     sslmode="disable", connect_timeout=10) as conn:
                    self.assertEqual(conn.execute("SELECT current_user").fetchone()[0], name)


class ServerLoginMethodsTest(PostgresProxyTest):
    """The proxy's login to the server under each method the server may ask
    for — scram-sha-256, md5, password (clear text) and trust — passing, and
    failing with the server's 28P01 when the proxy holds the wrong password."""

    SERVER_METHODS = {"srv_scram": "scram-sha-256", "srv_md5": "md5", "srv_password": "password",
                      "srv_trust": "trust"}

    @classmethod
    def prepare_server(cls, pg):
        for name, method in cls.SERVER_METHODS.items():
            pg.create_role(name, f"{name}-pw", "md5" if method == "md5" else "scram-sha-256")
            pg.sql(f"GRANT ALL ON DATABASE app TO {name}")
        # The first matching line wins: these users get their own method.
        pg.write_hba([pg.hba[0]] + [f"host all {name} 127.0.0.1/32 {method}"
                                    for name, method in cls.SERVER_METHODS.items()] + pg.hba[1:])
        pg.reload()

    def setUp(self):
        super().setUp()
        users = [user(name, f"{name}-pw") for name in self.SERVER_METHODS]
        users += [user(f"{name}_bad", f"{name}-pw") for name in self.SERVER_METHODS]
        databases = [database("app", pool_mode="transaction", pool_size=2)]
        # "<name>_bad" logs in to the proxy with its own password but to the
        # server as <name> with a wrong one.
        databases += [database(f"bad_{name}", dbname="app", server_user=name, server_password="wrong",
                               pool_mode="transaction", pool_size=2) for name in self.SERVER_METHODS]
        self.start_proxy(databases=databases, users=users)

    def test_each_server_method_passes(self):
        for name, method in self.SERVER_METHODS.items():
            with self.subTest(method=method), WireClient(self.port) as client:
                client.login(name, f"{name}-pw", "app")
                self.assertEqual(client.query("SELECT current_user"), [(name,)])

    def test_each_password_method_fails_with_the_servers_28P01(self):
        for name, method in self.SERVER_METHODS.items():
            if method == "trust":
                continue  # nothing to fail
            with self.subTest(method=method), WireClient(self.port) as client:
                with self.assertRaises(ServerError) as caught:
                    client.login(f"{name}_bad", f"{name}-pw", f"bad_{name}")
                    client.query("SELECT 1")
                self.assertEqual(caught.exception.sqlstate, "28P01", caught.exception.message)
                self.assertIn(name, caught.exception.message)

    def test_a_server_that_trusts_asks_for_no_password(self):
        # server_password is wrong for this database, and the server never asks for it.
        with WireClient(self.port) as client:
            client.login("srv_trust_bad", "srv_trust-pw", "bad_srv_trust")
            self.assertEqual(client.query("SELECT current_user"), [("srv_trust",)])


class AuthFileTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        cls.verifier = pg.create_role("file_scram", "file-scram-pw", "scram-sha-256")
        cls.md5_hash = pg.create_role("file_md5", "file-md5-pw", "md5")
        pg.create_role("file_plain", "file-plain-pw", "scram-sha-256")

    def setUp(self):
        super().setUp()
        path = f"{self.workdir}/userlist.txt"
        with open(path, "w") as f:
            f.write('"file_plain" "file-plain-pw"\n')
            f.write(f'"file_md5" "{self.md5_hash}"\n')
            f.write(f'"file_scram" "{self.verifier}"\n')
            f.write(f'"{APP_USER}" "the-file-loses"\n')
        self.start_proxy(postgres={"auth_file": path}, databases=[database(pool_mode="transaction", pool_size=2)])

    def login(self, name, password):
        with WireClient(self.port) as client:
            try:
                method = client.login(name, password, "app")
                return method, client.query("SELECT current_user")[0][0]
            except ServerError as error:
                self.fail(f"{name} could not log in through the proxy: {error}")

    def test_auth_file_users_log_in_with_their_stored_credentials(self):
        self.assertEqual(self.login("file_plain", "file-plain-pw"), ("scram-sha-256", "file_plain"))
        self.assertEqual(self.login("file_md5", "file-md5-pw"), ("md5", "file_md5"))
        self.assertEqual(self.login("file_scram", "file-scram-pw"), ("scram-sha-256", "file_scram"))

    def test_auth_file_users_with_a_wrong_password_are_refused(self):
        for name in ("file_plain", "file_md5", "file_scram"):
            with self.subTest(user=name), WireClient(self.port) as client:
                with self.assertRaises(ServerError) as caught:
                    client.login(name, "wrong", "app")
                self.assertEqual((caught.exception.sqlstate, caught.exception.message),
                                 ("28P01", password_failed(name)))

    def test_user_table_wins_over_the_auth_file(self):
        self.assertEqual(self.login(APP_USER, APP_PASSWORD), ("scram-sha-256", APP_USER))
        with WireClient(self.port) as client, self.assertRaises(ServerError) as caught:
            client.login(APP_USER, "the-file-loses", "app")
        self.assertEqual(caught.exception.sqlstate, "28P01")


class AuthQueryTest(PostgresProxyTest):
    """auth_user runs auth_query (default: pg_shadow) on the server for users
    switchyard does not list."""

    @classmethod
    def prepare_server(cls, pg):
        pg.create_role("auth_lookup", "lookup-pw", "scram-sha-256", superuser=True)  # pg_shadow needs superuser
        pg.create_role("queried_scram", "queried-scram-pw", "scram-sha-256")
        pg.create_role("queried_md5", "queried-md5-pw", "md5")

    def setUp(self):
        super().setUp()
        self.start_proxy(postgres={"auth_user": "auth_lookup"},
                         users=[user(APP_USER, APP_PASSWORD), user("auth_lookup", "lookup-pw")],
                         databases=[database(pool_mode="transaction", pool_size=3)])

    def login(self, name, password):
        with WireClient(self.port) as client:
            try:
                method = client.login(name, password, "app")
                return method, client.query("SELECT current_user")[0][0]
            except ServerError as error:
                self.fail(f"{name} could not log in through the proxy: {error}")

    def test_a_user_found_by_auth_query_logs_in(self):
        self.assertEqual(self.login("queried_scram", "queried-scram-pw"), ("scram-sha-256", "queried_scram"))
        self.assertEqual(self.login("queried_md5", "queried-md5-pw"), ("md5", "queried_md5"))

    def test_a_user_found_by_auth_query_with_a_wrong_password_is_refused(self):
        for name in ("queried_scram", "queried_md5"):
            with self.subTest(user=name), WireClient(self.port) as client:
                with self.assertRaises(ServerError) as caught:
                    client.login(name, "wrong", "app")
                self.assertEqual((caught.exception.sqlstate, caught.exception.message),
                                 ("28P01", password_failed(name)))

    def test_a_user_the_server_does_not_know_is_refused(self):
        with WireClient(self.port) as client, self.assertRaises(ServerError) as caught:
            client.login("nobody_anywhere", "x", "app")
        self.assertEqual((caught.exception.sqlstate, caught.exception.message),
                         ("28P01", password_failed("nobody_anywhere")))
        # and a listed user is not looked up: it still logs in as configured
        self.assertEqual(self.login(APP_USER, APP_PASSWORD), ("scram-sha-256", APP_USER))


if __name__ == "__main__":
    unittest.main()
