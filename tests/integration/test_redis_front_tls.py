"""TLS on the Redis front: clients reach a redis listener over TLS
([listener.tls], redis-cli --tls and a Python ssl client), and switchyard
reaches a redis-server that only takes TLS on its tls-port ([backend.tls],
verify = "full"). Certificates come from a CA made at run time."""
import socket
import ssl
import subprocess
import unittest

from fixtures import IntegrationTest
from fixtures.pki import Pki
from fixtures.postgres import free_port
from fixtures.redis import RedisServer
from fixtures.resp_client import RespClient


class RedisFrontTlsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        cert, key = self.pki.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])
        self.tls_port = free_port()
        # The plain port stays for the fixture's own checks; switchyard uses only the TLS one.
        self.server = self._own(RedisServer(self.workdir, "redis", extra=[
            f"tls-port {self.tls_port}", f"tls-cert-file {cert}", f"tls-key-file {key}",
            f"tls-ca-cert-file {self.pki.ca_cert}", "tls-auth-clients no"])).start()
        config = {
            "global": {"workers": 1, "shutdown_timeout": "2s", "log_level": "info"},
            "listener": [{"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache",
                          "tls": {"cert": str(cert), "key": str(key)}}],
            "backend": [{"name": "cache", "tls": {"verify": "full", "ca": str(self.pki.ca_cert)},
                         "server": [{"name": "r1", "address": f"127.0.0.1:{self.tls_port}"}]}],
        }
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("cache")

    def tls_client(self):
        context = ssl.create_default_context(cafile=str(self.pki.ca_cert))
        raw = RespClient.__new__(RespClient)
        raw.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", self.port), timeout=5),
                                       server_hostname="localhost")
        raw.buffer = b""
        self.addCleanup(raw.close)
        return raw

    def test_commands_over_tls_both_ways(self):
        client = self.tls_client()
        self.assertEqual(client.call("SET", "secure", "yes"), "OK")
        self.assertEqual(client.call("GET", "secure"), b"yes")
        self.assertEqual(self.server.client().get("secure"), b"yes")
        # A pipeline and a value larger than a TLS record.
        value = b"v" * (1 << 20)
        client.send_raw(b"".join([b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$%d\r\n%s\r\n" % (len(value), value),
                                  b"*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n"]))
        self.assertEqual(client.read(), "OK")
        self.assertEqual(client.read(), value)

    def test_redis_cli_over_tls(self):
        out = subprocess.run(["redis-cli", "--tls", "--cacert", str(self.pki.ca_cert), "--sni", "localhost",
                              "-h", "127.0.0.1", "-p", str(self.port), "PING"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "PONG", out.stderr)

    def test_a_plaintext_client_on_the_tls_port_gets_nothing(self):
        plain = RespClient(self.port, timeout=3)
        self.addCleanup(plain.close)
        plain.send_raw(b"PING\r\n")
        self.assertTrue(plain.closed_by_peer(5))
        self.assertNotIn(b"PONG", plain.buffer)


if __name__ == "__main__":
    unittest.main()
