"""TLS on the PostgreSQL front, with certificates the test makes with the
openssl CLI: psql with sslmode=verify-full (and a wrong host name refused),
channel_binding=require over SCRAM-SHA-256-PLUS, psycopg, asyncpg and
node-postgres over TLS; plaintext clients served or, with required = true,
refused with 28000; bytes pipelined behind the SSLRequest refused (the
CVE-2021-23214 class); an SSLRequest inside TLS refused with FATAL 08P01;
PostgreSQL 17's direct TLS with ALPN "postgresql"
served and without it closed; a stalled handshake timed out."""
import asyncio
import json
import socket
import ssl
import struct
import subprocess
import time
import unittest

import asyncpg

from fixtures.drivers import node_pg_path
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database, pg_connect, psql
from fixtures.pg_wire import GSSENC_REQUEST_CODE, SSL_REQUEST_CODE, ServerError, WireClient, parse_fields
from fixtures.pki import Pki

NODE_SSL_CLIENT = r"""
const { Client } = require('pg');
const fs = require('fs');
const [port, user, password, ca] = process.argv.slice(1);
(async () => {
  const client = new Client({ host: 'localhost', port: Number(port), user, password, database: 'app',
                              ssl: { ca: fs.readFileSync(ca, 'utf8'), servername: 'localhost' } });
  await client.connect();
  const result = await client.query('SELECT $1::int + 1 AS n', [41]);
  console.log(JSON.stringify({ n: result.rows[0].n, encrypted: client.connection.stream.encrypted === true }));
  await client.end();
})().catch((error) => { console.log(JSON.stringify({ error: String(error) })); process.exit(1); });
"""


class PostgresTlsTest(PostgresProxyTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        self.cert, self.key = self.pki.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])

    def start(self, **tls):
        self.sy = self.start_proxy(databases=[database(pool_mode="transaction", pool_size=4)])
        config = self.sy.config_text  # the rendered file, with the TLS table added to the listener
        table = "\n[listener.tls]\n" + "".join(f'{key} = {json.dumps(value)}\n' for key, value in
                                              {"cert": self.cert, "key": self.key, **tls}.items())
        marker = 'protocol = "postgres"\n'
        self.assertIn(marker, config)
        self.sy.rewrite_config(config.replace(marker, marker + table, 1))
        self.assertEqual(self.sy.reload().returncode, 0)
        return self.port

    def tls_psql(self, sql, sslmode="verify-full", channel_binding="prefer"):
        return psql(self.port, sql, host="localhost", env={"PGSSLMODE": sslmode, "PGCHANNELBINDING": channel_binding,
                                                           "PGSSLROOTCERT": str(self.pki.ca_cert)})

    def test_psql_verify_full_and_channel_binding(self):
        self.start()
        result = self.tls_psql("SELECT 40 + 2")
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "42"), result.stderr)
        bound = self.tls_psql("SELECT 'bound'", channel_binding="require")
        self.assertEqual((bound.returncode, bound.stdout.strip()), (0, "bound"), bound.stderr)
        # The certificate names localhost and 127.0.0.1, not this name.
        wrong = psql(self.port, "SELECT 1", host="db.wrong.test",
                     env={"PGSSLMODE": "verify-full", "PGSSLROOTCERT": str(self.pki.ca_cert), "PGHOSTADDR": "127.0.0.1"})
        self.assertNotEqual(wrong.returncode, 0)
        self.assertIn("does not match host name", wrong.stderr)
        # A wrong password over a bound channel is still a wrong password.
        refused = psql(self.port, "SELECT 1", host="localhost", password="not-it",
                       env={"PGSSLMODE": "require", "PGCHANNELBINDING": "require"})
        self.assertIn("password authentication failed", refused.stderr)
        # Without TLS there is nothing to bind to: libpq refuses, as with PostgreSQL.
        plain = psql(self.port, "SELECT 1", env={"PGCHANNELBINDING": "require"})
        self.assertIn("channel binding", plain.stderr)

    def test_drivers_over_tls_and_plaintext_beside_them(self):
        self.start()
        with pg_connect(self.port, sslmode="verify-full", sslrootcert=str(self.pki.ca_cert), host="localhost") as conn:
            self.assertTrue(conn.pgconn.ssl_in_use)
            self.assertEqual(conn.execute("SELECT current_user").fetchone()[0], APP_USER)

        async def via_asyncpg():
            context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
            connection = await asyncpg.connect(host="localhost", port=self.port, user=APP_USER, password=APP_PASSWORD,
                                               database="app", ssl=context)
            try:
                return await connection.fetchval("SELECT sum(x) FROM generate_series(1, 10) x")
            finally:
                await connection.close()
        self.assertEqual(asyncio.run(via_asyncpg()), 55)

        node = subprocess.run(["node", "-e", NODE_SSL_CLIENT, str(self.port), APP_USER, APP_PASSWORD,
                               str(self.pki.ca_cert)], capture_output=True, text=True, timeout=60,
                              env={"NODE_PATH": node_pg_path(), "PATH": "/usr/bin:/bin"})
        self.assertEqual(json.loads(node.stdout.strip().splitlines()[-1]), {"n": 42, "encrypted": True}, node.stderr)
        # The listener does not require TLS: plaintext clients go on.
        self.assertEqual(psql(self.port, "SELECT 'plain'").stdout.strip(), "plain")

    def test_required_tls_refuses_plaintext_clients_with_28000(self):
        self.start(required=True)
        with WireClient(self.port) as client:
            with self.assertRaises(ServerError) as caught:
                client.login(APP_USER, APP_PASSWORD, "app")
            self.assertEqual(caught.exception.sqlstate, "28000")
            self.assertIn("accepts only TLS connections", caught.exception.message)
        self.assertEqual(self.tls_psql("SELECT 'encrypted'", sslmode="require").stdout.strip(), "encrypted")

    def test_bytes_pipelined_behind_the_ssl_request_are_refused(self):
        self.start()
        with WireClient(self.port) as client:
            # An SSLRequest with a startup packet glued on, as an attacker in the
            # middle would inject before the handshake: never taken as encrypted.
            client.send(struct.pack("!ii", 8, SSL_REQUEST_CODE) + b"\x00\x00\x00\x08\x00\x03\x00\x00")
            kind = client.read_byte()
            self.assertEqual(kind, b"E", "the proxy answered the SSLRequest instead of refusing")
            self.assertTrue(client.at_eof())
        self.assertEqual(self.tls_psql("SELECT 1").stdout.strip(), "1")

    def test_an_ssl_request_inside_tls_is_fatal_08P01(self):
        self.start()
        with WireClient(self.port) as client:
            client.send(struct.pack("!ii", 8, GSSENC_REQUEST_CODE))
            self.assertEqual(client.read_byte(), b"N")  # libpq's gssencmode=prefer, then SSL
            self.assertEqual(client.ssl_request(), b"S")
            context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
            client.sock = context.wrap_socket(client.sock, server_hostname="localhost")
            client.send(struct.pack("!ii", 8, SSL_REQUEST_CODE))  # encrypted this time
            kind, payload = client.read_message()
            self.assertEqual(kind, "E")
            fields = parse_fields(payload)
            self.assertEqual((fields.get("S"), fields.get("C")), ("FATAL", "08P01"))
            self.assertEqual(fields.get("M"), "SSLRequest on a connection that is already encrypted")
            self.assertTrue(client.at_eof(), "the connection stayed open")
        with WireClient(self.port) as client:  # the same order, then a login, is served
            client.send(struct.pack("!ii", 8, GSSENC_REQUEST_CODE))
            self.assertEqual(client.read_byte(), b"N")
            self.assertEqual(client.ssl_request(), b"S")
            context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
            client.sock = context.wrap_socket(client.sock, server_hostname="localhost")
            client.login(APP_USER, APP_PASSWORD, "app")
            self.assertEqual(client.query("SELECT 'encrypted'"), [("encrypted",)])

    def test_direct_tls_needs_alpn_postgresql(self):
        self.start()
        def direct(alpn):
            context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
            if alpn:
                context.set_alpn_protocols(alpn)
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            client = WireClient.__new__(WireClient)
            client.sock = context.wrap_socket(raw, server_hostname="localhost")
            client.buffer, client.parameters, client.backend_key = bytearray(), {}, None
            return client
        client = direct(["postgresql"])
        try:
            self.assertEqual(client.sock.selected_alpn_protocol(), "postgresql")
            client.login(APP_USER, APP_PASSWORD, "app")
            self.assertEqual(client.query("SELECT 'direct'"), [("direct",)])
        finally:
            client.close()
        client = direct(None)
        try:
            self.assertTrue(client.at_eof(), "direct TLS without ALPN was served")
        finally:
            client.close()

    def test_a_stalled_handshake_is_timed_out(self):
        self.start(handshake_timeout="500ms")
        with WireClient(self.port) as client:
            self.assertEqual(client.ssl_request(), b"S")
            started = time.monotonic()
            self.assertTrue(client.at_eof(timeout=5), "a client silent after 'S' was kept")
            self.assertLess(time.monotonic() - started, 4)
        self.assertEqual(self.tls_psql("SELECT 2").stdout.strip(), "2")


if __name__ == "__main__":
    unittest.main()
