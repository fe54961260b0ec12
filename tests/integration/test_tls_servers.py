"""TLS from switchyard to servers ([backend.tls]), with certificates the test
makes with the openssl CLI: an HTTPS origin (nginx) behind an http
listener, verified by name (a wrong name fails with a clear log line and a
502/503, never plaintext); redis-server with only a --tls-port behind a tcp
listener; a PostgreSQL server with ssl = on whose pg_hba.conf accepts only
TLS (hostssl), verify-full passing with the right name and failing with a
clear log line on the wrong one."""
import os
import shutil
import subprocess
import tempfile
import unittest

from fixtures import IntegrationTest, http_config, tcp_config
from fixtures.http_client import get
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, pg_config, psql
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


class PostgresTlsServerTest(IntegrationTest):
    """A PostgreSQL that only accepts TLS (hostssl) from 127.0.0.1."""

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
        cls.pg = cls.cluster.primary(settings={"ssl": "on", "ssl_cert_file": f"'{cert}'",
                                               "ssl_key_file": f"'{server_key}'"},
                                     hba=["local all all trust", "hostssl all all 127.0.0.1/32 scram-sha-256",
                                          "hostnossl all all 127.0.0.1/32 reject"])
        cls.pg.create_role(APP_USER, APP_PASSWORD)

    @classmethod
    def tearDownClass(cls):
        cls.cluster.close()
        shutil.rmtree(cls.pki_dir, ignore_errors=True)
        super().tearDownClass()

    def start(self, **tls):
        config = pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction",
                                                  "pool_size": 2}],
                           backend={"tls": {"ca": str(self.pki.ca_cert), **tls}})
        self.sy = self.start_switchyard(config)
        return self.sy.port("pg")

    def test_verify_full_with_the_right_name_logs_in_over_tls(self):
        port = self.start(server_name="db.test")
        result = psql(port, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", dbname="postgres")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "t"), result.stderr)

    def test_the_wrong_name_fails_with_a_clear_log_line(self):
        port = self.start(server_name="wrong.test")
        result = psql(port, "SELECT 1", dbname="postgres")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("could not connect to server pg/pg1", result.stderr)
        self.sy.wait_for_log(r"TLS hostname_mismatch: .*does not name \"wrong\.test\"", timeout=5)

    def test_without_backend_tls_the_server_refuses_plaintext(self):
        config = pg_config([self.pg], databases=[{"name": "postgres", "backend": "pg", "pool_mode": "transaction"}])
        self.sy = self.start_switchyard(config)
        result = psql(self.sy.port("pg"), "SELECT 1", dbname="postgres")
        self.assertNotEqual(result.returncode, 0)  # the control: hostnossl ... reject


if __name__ == "__main__":
    unittest.main()
