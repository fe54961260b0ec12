"""TLS from switchyard to servers ([backend.tls]), with certificates the test
makes with the openssl CLI: an HTTPS origin (nginx) behind an http
listener, verified by name (a wrong name fails with a clear log line and a
502/503, never plaintext); redis-server with only a --tls-port behind a tcp
listener; a PostgreSQL server with ssl = on whose pg_hba.conf accepts only
TLS (hostssl), verify-full passing with the right name and failing with a
clear log line on the wrong one; channel_binding = "require" refusing the
logins pg_hba.conf lets through by md5, password or trust (08006 for the
client, the reason in switchyard's log), which "prefer" lets in. Health
checks use the same [backend.tls]:
an http check of the HTTPS origin goes up with the right CA and stays down
with a wrong one, the reason logged once; a postgres check logs in with
libpq's sslmode where plaintext is refused."""
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from fixtures import IntegrationTest, http_config, tcp_config, wait_for
from fixtures.http_client import get
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, pg_config, pg_connect, psql, user
from fixtures.pg_wire import ServerError, WireClient
from fixtures.pki import Pki
from fixtures.postgres import PostgresCluster, _chown_postgres, free_port
from fixtures.redis import RedisServer


class HttpsOriginTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        cert, key = self.pki.issue("origin.test", ["DNS:origin.test"])
        self.nginx = self.start_nginx({"index.html": b"from the https origin\n"}, tls=(cert, key))

    def start(self, **tls):
        config = http_config([{"name": "o1", "address": self.nginx.address}],
                             backend={"tls": {"ca": str(self.pki.ca_cert), **tls}}, retries=0)
        self.sy = self.start_switchyard(config)
        return self.sy.port()

    def test_requests_reach_an_https_origin_verified_by_name(self):
        port = self.start(server_name="origin.test", alpn=["http/1.1"])
        for _ in range(3):
            response = get(port, "/index.html")
            self.assertEqual((response.status, response.body), (200, b"from the https origin\n"))
        used, requests = self.nginx.connections_used()
        self.assertEqual((used, requests), (1, 3), "keep-alive to the origin over one TLS connection")

    def test_a_certificate_that_does_not_name_the_server_is_refused_with_a_clear_log_line(self):
        port = self.start(server_name="other.test")
        response = get(port, "/index.html")
        self.assertIn(response.status, (502, 503))
        self.sy.wait_for_log(r"TLS hostname_mismatch: .*does not name \"other\.test\"", timeout=5)
        self.assertEqual(self.nginx.connections_used(), (0, 0), "nothing was sent to a server we could not verify")


class HttpsOriginResumptionTest(IntegrationTest):
    """nginx closes every connection after one request, so each request needs a
    new TLS connection to it; its access log says whether that one resumed."""

    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        cert, key = self.pki.issue("origin.test", ["DNS:origin.test"])
        self.nginx = self.start_nginx({"index.html": b"resumed or not\n"}, tls=(cert, key), keepalive_requests=1)

    def config(self, **tls):
        return http_config([{"name": "o1", "address": self.nginx.address}], workers=2,
                           backend={"tls": {"ca": str(self.pki.ca_cert), "server_name": "origin.test", **tls}})

    def get_ok(self, count):
        logged = len(self.nginx.access_lines())
        for _ in range(count):
            response = get(self.sy.port(), "/index.html")
            self.assertEqual((response.status, response.body), (200, b"resumed or not\n"))
        # nginx writes its access log line just after the response.
        wait_for(lambda: len(self.nginx.access_lines()) == logged + count, 5, "nginx's access log lines")

    def test_new_server_connections_resume_the_session_the_origin_issued(self):
        self.sy = self.start_switchyard(self.config())
        self.get_ok(6)
        used, requests = self.nginx.connections_used()
        self.assertEqual((used, requests), (6, 6), "a new TLS connection per request")
        # Two workers share the backend's context, and so its session cache.
        self.assertEqual(self.nginx.sessions_reused(), [False] + [True] * 5, self.nginx.access_lines())

    def test_a_reload_that_changes_backend_tls_starts_with_an_empty_cache(self):
        self.sy = self.start_switchyard(self.config())
        self.get_ok(2)
        self.sy.rewrite_config(self.config(alpn=["http/1.1"]))
        self.sy.ctl_ok("reload")
        time.sleep(0.3)  # the workers adopt the new contexts through their mailboxes, right after
        self.get_ok(2)
        self.assertEqual(self.nginx.sessions_reused(), [False, True, False, True], self.nginx.access_lines())


def quick_check(**settings):
    """Checks 200ms apart, two to change the state."""
    return {"interval": "300ms", "timeout": "250ms", "rise": 2, "fall": 2, "passive_fall": 0, **settings}


class HttpsHealthCheckTest(IntegrationTest):
    """type = "http" checks of an nginx that speaks only HTTPS."""

    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        cert, key = self.pki.issue("origin.test", ["DNS:origin.test"])
        self.nginx = self.start_nginx({"health": b"ok\n"}, tls=(cert, key))

    def start(self, ca):
        config = http_config([{"name": "o1", "address": self.nginx.address}],
                             backend={"tls": {"ca": str(ca), "server_name": "origin.test"}},
                             health=quick_check(type="http", path="/health", expect_body="ok"))
        self.sy = self.start_switchyard(config)

    def test_an_http_check_over_tls_with_the_backends_ca_passes(self):
        self.start(self.pki.ca_cert)
        wait_for(lambda: self.sy.server("app", "o1")["last_check"].startswith("ok: HTTP 200 in "), 8,
                 f"an HTTPS check that passes; show servers: {self.sy.servers('app')}")
        self.assertEqual(self.sy.server("app", "o1")["health"], "up")
        used, requests = self.nginx.connections_used()
        self.assertGreaterEqual(requests, 1, "the check's requests reached nginx (over TLS: it speaks nothing else)")

    def test_a_wrong_ca_keeps_the_server_down_and_the_log_says_why_once(self):
        other = Pki(os.path.join(self.workdir, "other"))
        self.start(other.ca_cert)
        wait_for(lambda: self.sy.server("app", "o1")["health"] == "down", 8,
                 f"app/o1 down; show servers: {self.sy.servers('app')}")
        row = self.sy.server("app", "o1")
        self.assertIn("TLS: ", row["health_reason"])
        self.assertIn("certificate", row["health_reason"])
        line = self.sy.wait_for_log(r"server app/o1 DOWN: TLS: ", timeout=2)
        self.assertIn("certificate", line)
        # It stays down through more failed checks, and says so once, not per probe.
        first_failures = self.sy.server("app", "o1")["last_check"]
        self.assertTrue(first_failures.startswith("failed: TLS: "), first_failures)
        time.sleep(1.5)  # ~7 more probes
        self.assertEqual(self.sy.server("app", "o1")["health"], "down")
        self.assertEqual(self.sy.log_text().count("server app/o1 DOWN: "), 1, self.sy.log_tail())
        self.assertEqual(self.nginx.connections_used()[1], 0, "no request was sent to an unverified server")


class RedisTlsServerTest(IntegrationTest):
    def test_a_tcp_listener_speaks_tls_to_the_tls_port_of_a_redis_server(self):
        pki = Pki(self.workdir)
        cert, key = pki.issue("redis.test", ["DNS:redis.test"])
        tls_port = free_port()
        # The TLS port speaks only TLS: a plaintext connection to it gets nothing done.
        redis_server = self._own(RedisServer(self.workdir, "redis", extra=[
            f"tls-port {tls_port}", f"tls-cert-file {cert}", f"tls-key-file {key}",
            f"tls-ca-cert-file {pki.ca_cert}", "tls-auth-clients no"])).start()
        config = tcp_config([{"name": "r1", "address": f"127.0.0.1:{tls_port}"}],
                            backend={"tls": {"ca": str(pki.ca_cert), "server_name": "redis.test"}})
        sy = self.start_switchyard(config)

        def cli(*args):
            return subprocess.run(["redis-cli", "-h", "127.0.0.1", "-p", str(sy.port()), *args],
                                  capture_output=True, text=True, timeout=10).stdout.strip()
        self.assertEqual(cli("SET", "k", "over tls to the server"), "OK")
        self.assertEqual(cli("GET", "k"), "over tls to the server")
        self.assertEqual(redis_server.client().get("k"), b"over tls to the server")


# Roles that pg_hba.conf lets in over TLS without SCRAM: no channel binding is possible for them.
UNBINDABLE_ROLES = {"md5_app": "md5", "password_app": "password", "trust_app": "trust"}


class PostgresTlsServerTest(IntegrationTest):
    """A PostgreSQL that only accepts TLS (hostssl) from 127.0.0.1; SCRAM for
    every role but those of UNBINDABLE_ROLES."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki_dir = tempfile.mkdtemp(prefix="sy-pki-", dir="/tmp")
        os.chmod(cls.pki_dir, 0o755)
        cls.pki = Pki(cls.pki_dir)
        cert, key = cls.pki.issue("db.test", ["DNS:db.test"])
        server_key = os.path.join(cls.pki_dir, "server.key")
        shutil.copy(key, server_key)
        os.chmod(server_key, 0o600)
        _chown_postgres(server_key)
        cls.cluster = PostgresCluster("pgtls")
        # ssl_ca_file makes the server ask for client certificates (none is required):
        # pg_stat_ssl.client_dn then shows which [backend.tls] a connection was made with.
        cls.pg = cls.cluster.primary(settings={"ssl": "on", "ssl_cert_file": f"'{cert}'",
                                               "ssl_key_file": f"'{server_key}'",
                                               "ssl_ca_file": f"'{cls.pki.ca_cert}'"},
                                     hba=["local all all trust",
                                          *[f"hostssl all {role} 127.0.0.1/32 {method}"
                                            for role, method in UNBINDABLE_ROLES.items()],
                                          "hostssl all all 127.0.0.1/32 scram-sha-256",
                                          "hostnossl all all 127.0.0.1/32 reject"])
        cls.pg.create_role(APP_USER, APP_PASSWORD)
        # md5 needs an md5-stored password (a SCRAM-stored one makes PostgreSQL use SCRAM).
        cls.pg.create_role("md5_app", APP_PASSWORD, encryption="md5")
        cls.pg.create_role("password_app", APP_PASSWORD)
        cls.pg.create_role("trust_app", None)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        shutil.rmtree(cls.pki_dir, ignore_errors=True)
        super().tearDownClass()

    def start(self, global_settings=None, **tls):
        config = pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction",
                                                  "pool_size": 2}],
                           users=[user(), *[user(role) for role in UNBINDABLE_ROLES]],
                           backend={"tls": {"ca": str(self.pki.ca_cert), **tls}}, global_settings=global_settings)
        self.sy = self.start_switchyard(config)
        return self.sy.port("pg")

    def test_verify_full_with_the_right_name_logs_in_over_tls(self):
        port = self.start(server_name="db.test")
        result = psql(port, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", dbname="postgres")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "t"), result.stderr)

    def test_channel_binding_require_logs_in_with_scram_sha_256_plus(self):
        port = self.start(global_settings={"log_level": "debug"}, server_name="db.test", channel_binding="require")
        result = psql(port, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", dbname="postgres")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "t"), result.stderr)
        wait_for(lambda: "with SCRAM-SHA-256-PLUS" in self.sy.log_text(), 5, "the -PLUS login line")
        self.assertNotRegex(self.sy.log_text(), r"with SCRAM-SHA-256(?!-PLUS)")

    def test_channel_binding_require_refuses_md5_password_and_trust_logins(self):
        port = self.start(server_name="db.test", channel_binding="require")
        reasons = {"md5": "the server asks for md5 authentication, which has no channel binding",
                   "password": "the server asks for a clear-text password, which has no channel binding",
                   "trust": "the server let switchyard in without channel binding"}
        for role, method in UNBINDABLE_ROLES.items():
            with self.subTest(role=role, method=method):
                # libpq drivers (psycopg2, psycopg) leave the SQLSTATE of a failed
                # connect unset (pgcode None): the wire client reads the ErrorResponse.
                with WireClient(port) as client, self.assertRaises(ServerError) as caught:
                    client.login(role, APP_PASSWORD, "postgres")
                self.assertEqual(caught.exception.sqlstate, "08006", str(caught.exception))
                line = self.sy.wait_for_log(rf"postgres pool postgres/{role}: login to pg/pg1 failed: ", timeout=5)
                # The reason goes through the log's escaping, quotes included.
                self.assertIn(r"[backend.tls] channel_binding = \x22require\x22, but " + reasons[method], line)
                result = psql(port, "SELECT 1", user=role, dbname="postgres")
                self.assertNotEqual(result.returncode, 0, result.stdout)
                self.assertIn('FATAL:  [backend.tls] channel_binding = "require", but ' + reasons[method], result.stderr)
        # The SCRAM role still logs in, bound (the control).
        result = psql(port, "SELECT 1", dbname="postgres")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "1"), result.stderr)

    def test_channel_binding_prefer_lets_md5_password_and_trust_logins_in(self):
        port = self.start(server_name="db.test", channel_binding="prefer")
        for role in UNBINDABLE_ROLES:
            with self.subTest(role=role):
                result = psql(port, "SELECT current_user, ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
                              user=role, dbname="postgres")
                self.assertEqual((result.returncode, result.stdout.strip()), (0, f"{role}|t"), result.stderr)
        self.assertNotIn("channel_binding", self.sy.log_text())

    def test_the_wrong_name_fails_with_a_clear_log_line(self):
        port = self.start(server_name="wrong.test")
        result = psql(port, "SELECT 1", dbname="postgres")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("could not connect to server pg/pg1", result.stderr)
        self.sy.wait_for_log(r"TLS hostname_mismatch: .*does not name \"wrong\.test\"", timeout=5)

    def check_config(self, **tls):
        return pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction"}],
                         backend={"tls": {"ca": str(self.pki.ca_cert), **tls}},
                         health=quick_check(type="postgres", user=APP_USER, password=APP_PASSWORD,
                                            dbname="postgres"))

    def test_a_postgres_check_logs_in_over_tls_with_the_backends_settings(self):
        # pg_hba.conf rejects plaintext: only a check that uses TLS passes.
        self.sy = self.start_switchyard(self.check_config(server_name="db.test"))
        wait_for(lambda: self.sy.server("pg", "pg1")["last_check"].startswith("ok: "), 10,
                 f"a postgres check over TLS; show servers: {self.sy.servers('pg')}")
        self.assertEqual(self.sy.server("pg", "pg1")["health"], "up")

    def test_a_postgres_check_with_the_wrong_name_takes_the_server_down(self):
        self.sy = self.start_switchyard(self.check_config(server_name="wrong.test"))
        wait_for(lambda: self.sy.server("pg", "pg1")["health"] == "down", 10,
                 f"pg1 down; show servers: {self.sy.servers('pg')}")
        self.assertIn("wrong.test", self.sy.server("pg", "pg1")["health_reason"])

    def test_a_reload_of_backend_tls_moves_pooled_connections_to_the_new_settings(self):
        client_cert, client_key = self.pki.issue("sy-client", [], client=True)

        def config(**tls):
            return pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction",
                                                    "pool_size": 3}], workers=1,
                             backend={"tls": {"ca": str(self.pki.ca_cert), "server_name": "db.test", **tls}})

        query = "SELECT coalesce(client_dn, 'none') FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
        self.sy = self.start_switchyard(config())
        port = self.sy.port("pg")
        held = pg_connect(port, dbname="postgres", autocommit=False)  # a transaction held across the reload
        self.assertEqual(held.execute(query).fetchone()[0], "none")
        # A second server connection, left idle in the pool with the old settings.
        first = psql(port, query, dbname="postgres")
        self.assertEqual((first.returncode, first.stdout.strip()), (0, "none"), first.stderr)

        self.sy.rewrite_config(config(cert=client_cert, key=client_key))
        self.sy.ctl_ok("reload")
        # New sessions get a connection made with the client certificate, not the idle old one.
        wait_for(lambda: "CN=sy-client" in psql(port, query, dbname="postgres").stdout, 5,
                 "a new session over a connection with the reloaded client certificate")
        # The held transaction kept its connection and works on.
        self.assertEqual(held.execute(query).fetchone()[0], "none")
        held.commit()
        # Released with old settings, that connection was closed: the next transaction gets a new one.
        self.assertIn("CN=sy-client", held.execute(query).fetchone()[0])
        held.close()

    def test_without_backend_tls_the_server_refuses_plaintext(self):
        config = pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction"}])
        self.sy = self.start_switchyard(config)
        result = psql(self.sy.port("pg"), "SELECT 1", dbname="postgres")
        self.assertNotEqual(result.returncode, 0)  # the control: hostnossl ... reject



class PostgresEd25519ServerTest(IntegrationTest):
    """A PostgreSQL (hostssl, SCRAM) whose certificate is signed with Ed25519:
    RFC 5929 defines no tls-server-end-point hash for it, so no login to it
    can be bound to the channel."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pki_dir = tempfile.mkdtemp(prefix="sy-pki-", dir="/tmp")
        os.chmod(cls.pki_dir, 0o755)
        cls.pki = Pki(cls.pki_dir, key_type="ed25519")
        cert, key = cls.pki.issue("db.test", ["DNS:db.test"])
        os.chmod(key, 0o600)
        _chown_postgres(key)
        cls.cluster = PostgresCluster("pged")
        cls.pg = cls.cluster.primary(settings={"ssl": "on", "ssl_cert_file": f"'{cert}'", "ssl_key_file": f"'{key}'"},
                                     hba=["local all all trust", "hostssl all all 127.0.0.1/32 scram-sha-256",
                                          "hostnossl all all 127.0.0.1/32 reject"])
        cls.pg.create_role(APP_USER, APP_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        shutil.rmtree(cls.pki_dir, ignore_errors=True)
        super().tearDownClass()

    def start(self, channel_binding):
        config = pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction"}],
                           global_settings={"log_level": "debug"},
                           backend={"tls": {"ca": str(self.pki.ca_cert), "server_name": "db.test",
                                            "channel_binding": channel_binding}})
        self.sy = self.start_switchyard(config)
        return self.sy.port("pg")

    def test_require_refuses_a_server_whose_certificate_defines_no_end_point_hash(self):
        port = self.start("require")
        with WireClient(port) as client, self.assertRaises(ServerError) as caught:
            client.login(APP_USER, APP_PASSWORD, "postgres")
        self.assertEqual(caught.exception.sqlstate, "08006", str(caught.exception))
        line = self.sy.wait_for_log(r"login to pg/pg1 failed: ", timeout=5)
        self.assertIn("signature algorithm defines no tls-server-end-point hash", line)

    def test_prefer_logs_in_unbound_with_scram_sha_256(self):
        port = self.start("prefer")
        result = psql(port, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", dbname="postgres")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "t"), result.stderr)
        line = self.sy.wait_for_log(r"postgres server pg/pg1: logging in as .* with SCRAM-SHA-256", timeout=5)
        self.assertFalse(line.endswith("-PLUS"), line)


if __name__ == "__main__":
    unittest.main()
