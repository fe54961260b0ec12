"""TLS termination on tcp and http listeners, with certificates the test
makes with the openssl CLI: curl verifies the chain and sees its request
arrive as https; SNI picks the certificate; TLS 1.1, plaintext and garbage
are refused (and counted in the log) while other clients are served; a
stalled handshake is timed out; required client certificates refuse clients
without one and pass the subject on; a reload serves a new certificate to the
next handshake while an established connection goes on, and a bad one is
rejected with the old one kept; a tcp listener terminates TLS in front of a
plain echo server and redis-server (redis-cli --tls)."""
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import unittest
from pathlib import Path

from fixtures import IntegrationTest, header_values, http_config, tcp_config, wait_for
from fixtures.pki import Pki
from fixtures.redis import RedisServer
from test_metrics import MetricsClient

CURL = "/usr/bin/curl"


def tls_settings(cert, key, **more):
    return {"cert": cert, "key": key, **more}


def tls_client(ca, host="localhost"):
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = host is not None
    return context


def curl(port, path="/", *args, host="localhost", ca=None, timeout=20):
    argv = [CURL, "-sS", "--max-time", "10", "--resolve", f"{host}:{port}:127.0.0.1", *args]
    if ca:
        argv += ["--cacert", ca]
    argv.append(f"https://{host}:{port}{path}")
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)


def peer_common_name(port, ca, server_name):
    """The CN of the certificate served for SNI `server_name` (None: send no SNI)."""
    context = ssl.create_default_context(cafile=ca)
    context.check_hostname = False
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            subject = dict(item[0] for item in tls.getpeercert()["subject"])
            return subject["commonName"]


def closed_within(sock, seconds):
    """True when the peer closes (EOF or reset) within `seconds`; reads and drops what comes first."""
    sock.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not sock.recv(65536):
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    return False


class HttpsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        self.cert, self.key = self.pki.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])
        self.api_cert, self.api_key = self.pki.issue("api.test", ["DNS:api.test", "DNS:*.api.test"])
        self.app = self.start_http_backend("app1")
        config = http_config([self.app])
        config["listener"][0]["tls"] = tls_settings(self.cert, self.key, handshake_timeout="600ms",
                                                    certificate=[{"cert": self.api_cert, "key": self.api_key}])
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port()

    def test_curl_verifies_the_chain_and_the_request_arrives_as_https(self):
        result = curl(self.port, "/hello", ca=self.pki.ca_cert)
        self.assertEqual(result.returncode, 0, result.stderr)
        seen = json.loads(result.stdout)
        self.assertEqual((seen["method"], seen["target"]), ("GET", "/hello"))
        self.assertEqual(header_values(seen, "X-Forwarded-Proto"), ["https"])
        # Without the CA the chain does not verify: curl's "peer certificate cannot be authenticated".
        self.assertEqual(curl(self.port, "/hello").returncode, 60)

    def test_keep_alive_requests_and_a_large_body_pass_intact(self):
        connection = http.client.HTTPSConnection("localhost", self.port, context=tls_client(self.pki.ca_cert),
                                                 timeout=10)
        self.addCleanup(connection.close)
        body = os.urandom(3 * 1024 * 1024 + 7)
        for i in range(20):
            connection.request("GET", f"/n/{i}")
            response = connection.getresponse()
            self.assertEqual(json.loads(response.read())["target"], f"/n/{i}")
        connection.request("POST", "/upload", body=body)
        seen = json.loads(connection.getresponse().read())
        self.assertEqual(seen, {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()})
        self.assertEqual(self.app.accepted, 1, "every request came on one server connection")

    def test_a_short_response_goes_out_as_one_tls_record(self):
        # The head switchyard writes and the body it relays are joined before
        # encryption: one application-data record, not one per piece.
        messages = Path(self.workdir) / "s_client.msg"
        result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", "-quiet",
                                 "-CAfile", self.pki.ca_cert, "-msg", "-msgfile", str(messages)],
                                input=b"GET /short HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
                                capture_output=True, timeout=20)
        head, _, body = result.stdout.partition(b"\r\n\r\n")
        self.assertTrue(head.startswith(b"HTTP/1.1 200"), result.stdout[:200])
        self.assertEqual(json.loads(body)["target"], "/short")
        # -msg names each record's inner content type on the line after
        # "<<< ... InnerContent": 17 is application data.
        lines = messages.read_text(errors="replace").splitlines()
        received = [lines[i + 1].strip() for i, line in enumerate(lines[:-1])
                    if line.startswith("<<< TLS 1.3, InnerContent")]
        self.assertEqual(received.count("17"), 1, received)

    def test_sni_picks_the_certificate_and_no_name_gets_the_default(self):
        self.assertEqual(peer_common_name(self.port, self.pki.ca_cert, "api.test"), "api.test")
        self.assertEqual(peer_common_name(self.port, self.pki.ca_cert, "eu.api.test"), "api.test")  # wildcard
        self.assertEqual(peer_common_name(self.port, self.pki.ca_cert, "localhost"), "localhost")
        self.assertEqual(peer_common_name(self.port, self.pki.ca_cert, "unknown.test"), "localhost")
        self.assertEqual(peer_common_name(self.port, self.pki.ca_cert, None), "localhost")
        # openssl s_client, as an operator would check it
        result = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{self.port}", "-servername",
                                 "api.test", "-CAfile", self.pki.ca_cert, "-verify_return_error", "-brief"],
                                input="", capture_output=True, text=True, timeout=20)
        self.assertIn("CN = api.test", result.stderr)
        self.assertIn("Verification: OK", result.stderr)

    def test_tls_1_1_is_refused_and_logged_by_reason(self):
        mark = self.sy.log_mark()
        result = curl(self.port, "/", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0", ca=self.pki.ca_cert)
        self.assertEqual(result.returncode, 35, result.stderr)  # curl: SSL connect error
        self.sy.wait_for_log(r"TLS handshake with 127\.0\.0\.1:\d+ failed \(protocol_version\)", timeout=5,
                             after=mark)
        self.assertEqual(curl(self.port, "/ok", ca=self.pki.ca_cert).returncode, 0)

    def test_plaintext_garbage_and_a_stalled_handshake_are_closed_while_others_are_served(self):
        mark = self.sy.log_mark()
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            self.assertTrue(closed_within(plain, 3), "plain HTTP on the TLS port was not closed")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as garbage:
            garbage.sendall(b"\x16\x03\x01\x00\x30" + os.urandom(48))  # a handshake record of noise
            self.assertTrue(closed_within(garbage, 3), "a garbage ClientHello was not closed")
        stalled = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        self.addCleanup(stalled.close)
        stalled.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")  # the start of a ClientHello, then silence
        started = time.monotonic()
        self.assertEqual(curl(self.port, "/meanwhile", ca=self.pki.ca_cert).returncode, 0)
        self.assertTrue(closed_within(stalled, 5), "a stalled handshake was not timed out")
        self.assertLess(time.monotonic() - started, 4)
        self.sy.wait_for_log(r"failed \(not_tls\)", timeout=5, after=mark)
        self.sy.wait_for_log(r"failed \(timeout\): handshake timed out", timeout=5, after=mark)
        self.assertEqual([r["target"] for r in self.app.requests], ["/meanwhile"], "only the real client got through")


class TlsObservabilityTest(IntegrationTest):
    def test_handshakes_failures_and_certificates_are_counted_and_shown(self):
        pki = Pki(self.workdir)
        cert, key = pki.issue("localhost", ["DNS:localhost"], end="+2d")
        app = self.start_http_backend("app1")
        config = http_config([app], global_settings={"metrics_bind": "127.0.0.1:0"})
        config["listener"][0]["tls"] = tls_settings(cert, key)
        sy = self.start_switchyard(config)
        metrics = MetricsClient(sy)
        for _ in range(3):
            self.assertEqual(curl(sy.port(), "/", ca=pki.ca_cert).returncode, 0)
        self.assertEqual(curl(sy.port(), "/", "--tls-max", "1.1", "--ciphers", "DEFAULT@SECLEVEL=0",
                              ca=pki.ca_cert).returncode, 35)
        with socket.create_connection(("127.0.0.1", sy.port()), timeout=5) as plain:
            plain.sendall(b"GET / HTTP/1.0\r\n\r\n")
            self.assertTrue(closed_within(plain, 3))
        web = frozenset({("listener", "web")})
        def failures(reason):
            return metrics.value("switchyard_tls_handshake_failures_total", listener="web", reason=reason)
        wait_for(lambda: failures("not_tls") == 1, 5, "the plaintext client to be counted")
        samples = metrics.scrape()
        self.assertEqual(samples[("switchyard_tls_handshakes_total", web)], 3)
        self.assertEqual(failures("protocol_version"), 1)
        self.assertEqual(failures("timeout"), 0)
        expiry = [value for (name, labels), value in samples.items()
                  if name == "switchyard_tls_certificate_expiry_seconds" and ("listener", "web") in labels]
        self.assertEqual(len(expiry), 1)
        self.assertTrue(86400 < expiry[0] <= 2 * 86400, expiry)
        shown = sy.ctl_json("show certificates")
        self.assertEqual([(c["listener"], c["served"], c["subject"], c["serial"]) for c in shown],
                         [("web", "default", "O=switchyard tests,CN=localhost", pki.serial(cert))])
        self.assertEqual(shown[0]["subject_alt_names"], "DNS:localhost")
        self.assertTrue(86400 < shown[0]["expires_in_s"] <= 2 * 86400)


class ClientCertificateTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        self.cert, self.key = self.pki.issue("localhost", ["DNS:localhost"])
        self.alice_cert, self.alice_key = self.pki.issue("alice", [], client=True)
        self.app = self.start_http_backend("app1")

    def start(self, verify):
        config = http_config([self.app])
        config["listener"][0]["tls"] = tls_settings(self.cert, self.key, client_ca=str(self.pki.ca_cert),
                                                    verify_client=verify, client_subject_header="X-Client-Subject")
        self.sy = self.start_switchyard(config)
        return self.sy.port()

    def test_required_client_certificates_refuse_clients_without_one_and_pass_the_subject_on(self):
        port = self.start("required")
        refused = curl(port, "/", ca=self.pki.ca_cert)
        self.assertNotEqual(refused.returncode, 0)
        served = curl(port, "/who", "--cert", self.alice_cert, "--key", self.alice_key, "-H",
                      "X-Client-Subject: CN=mallory", ca=self.pki.ca_cert)
        self.assertEqual(served.returncode, 0, served.stderr)
        seen = json.loads(served.stdout)
        self.assertEqual(header_values(seen, "X-Client-Subject"), ["O=switchyard tests,CN=alice"])
        self.assertEqual([r["target"] for r in self.app.requests], ["/who"])

    def test_optional_client_certificates_serve_clients_without_one_and_strip_a_forged_subject(self):
        port = self.start("optional")
        anonymous = curl(port, "/anon", "-H", "X-Client-Subject: CN=mallory", ca=self.pki.ca_cert)
        self.assertEqual(anonymous.returncode, 0, anonymous.stderr)
        self.assertEqual(header_values(json.loads(anonymous.stdout), "X-Client-Subject"), [])
        alice = curl(port, "/alice", "--cert", self.alice_cert, "--key", self.alice_key, ca=self.pki.ca_cert)
        self.assertEqual(header_values(json.loads(alice.stdout), "X-Client-Subject"), ["O=switchyard tests,CN=alice"])


class CertificateReloadTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        self.app = self.start_http_backend("app1")
        self.first = self.pki.issue("localhost", ["DNS:localhost"])
        self.config = http_config([self.app])
        self.config["listener"][0]["tls"] = tls_settings(*self.first)
        self.sy = self.start_switchyard(self.config)
        self.port = self.sy.port()

    def served_serial(self):
        context = tls_client(self.pki.ca_cert)
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="localhost") as tls:
                der = tls.getpeercert(binary_form=True)
        pem = ssl.DER_cert_to_PEM_cert(der)
        path = os.path.join(self.workdir, "served.pem")
        with open(path, "w") as f:
            f.write(pem)
        return self.pki.serial(path)

    def reload_with(self, cert, key):
        self.config["listener"][0]["tls"] = tls_settings(cert, key)
        self.sy.rewrite_config(self.config)
        return self.sy.reload()

    def test_a_new_certificate_is_served_to_the_next_handshake_while_an_established_connection_goes_on(self):
        old_serial = self.served_serial()
        self.assertEqual(old_serial, self.pki.serial(self.first[0]))
        established = http.client.HTTPSConnection("localhost", self.port, context=tls_client(self.pki.ca_cert),
                                                  timeout=10)
        self.addCleanup(established.close)
        established.request("GET", "/before")
        before = established.getresponse()
        self.assertEqual((before.status, json.loads(before.read())["target"]), (200, "/before"))
        second = self.pki.issue("localhost-2", ["DNS:localhost"])
        self.assertEqual(self.reload_with(*second).returncode, 0)
        self.assertEqual(self.served_serial(), self.pki.serial(second[0]))
        established.request("GET", "/after")  # same TLS session, started with the old certificate
        response = established.getresponse()
        self.assertEqual((response.status, json.loads(response.read())["target"]), (200, "/after"))

    def test_a_certificate_that_does_not_load_is_rejected_and_the_old_one_stays(self):
        old_serial = self.served_serial()
        other_cert, other_key = self.pki.issue("other", ["DNS:localhost"])
        expired = self.pki.issue("expired", ["DNS:localhost"], start="-3d", end="-1d")
        for cert, key, reason in [(other_cert, self.first[1], "does not match"),
                                  (expired[0], expired[1], "expired"),
                                  (os.path.join(self.workdir, "missing.pem"), other_key, "missing.pem")]:
            with self.subTest(reason=reason):
                result = self.reload_with(cert, key)
                self.assertNotEqual(result.returncode, 0)
                self.assertIn('listener "web" tls', result.stdout + result.stderr)
                self.assertIn(reason, (result.stdout + result.stderr).lower() if reason != "missing.pem"
                              else result.stdout + result.stderr)
                self.assertEqual(self.served_serial(), old_serial)
        self.assertEqual(curl(self.port, "/still", ca=self.pki.ca_cert).returncode, 0)

    def test_check_reports_a_certificate_that_does_not_load(self):
        from fixtures import run_binary
        self.config["listener"][0]["tls"] = tls_settings(self.first[0], os.path.join(self.workdir, "nokey.pem"))
        self.sy.rewrite_config(self.config)
        result = run_binary("--check", self.sy.config_path)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, r'config\.toml:\d+:\d+: listener "web" tls: .*nokey\.pem')


class ExamplesTest(IntegrationTest):
    def test_every_example_passes_check_once_its_certificates_exist(self):
        """The examples name the demo's certificates (scripts/demo.sh makes them
        in /tmp/switchyard-demo/tls): with such files in place, --check passes."""
        from fixtures import run_binary
        pki = Pki(self.workdir)
        cert, key = pki.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])
        demo = os.path.join(self.workdir, "demo")
        os.makedirs(os.path.join(demo, "tls"))
        os.replace(cert, os.path.join(demo, "tls", "server.pem"))
        os.replace(key, os.path.join(demo, "tls", "server.key"))
        examples = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
        checked = 0
        for name in sorted(os.listdir(examples)):
            if not name.endswith(".toml"):
                continue
            with open(os.path.join(examples, name)) as f:
                text = f.read().replace("/tmp/switchyard-demo/", demo + "/")
            path = os.path.join(self.workdir, name)
            with open(path, "w") as f:
                f.write(text)
            result = run_binary("--check", path)
            self.assertEqual(result.returncode, 0, f"{name}: {result.stderr}")
            checked += 1
        self.assertGreaterEqual(checked, 5)


class TcpTlsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.pki = Pki(self.workdir)
        self.cert, self.key = self.pki.issue("localhost", ["DNS:localhost", "IP:127.0.0.1"])

    def start(self, backends):
        config = tcp_config(backends)
        config["listener"][0]["tls"] = tls_settings(self.cert, self.key)
        self.sy = self.start_switchyard(config)
        return self.sy.port()

    def test_bytes_pass_intact_both_ways_through_tls_termination(self):
        port = self.start([self.start_backend("echo1", mode="echo")])
        payload = os.urandom(4 * 1024 * 1024)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            with tls_client(self.pki.ca_cert).wrap_socket(raw, server_hostname="localhost") as tls:
                received = bytearray()
                sent = 0
                tls.setblocking(True)
                while sent < len(payload):  # interleaved, so neither side's buffers must hold it all
                    tls.sendall(payload[sent:sent + 65536])
                    sent += 65536
                    while len(received) < min(sent, len(payload)) - 65536:
                        received += tls.recv(65536)
                while len(received) < len(payload):
                    chunk = tls.recv(65536)
                    self.assertTrue(chunk, "the relay closed early")
                    received += chunk
        self.assertEqual(hashlib.sha256(received).hexdigest(), hashlib.sha256(payload).hexdigest())

    def test_redis_cli_over_tls_in_front_of_a_plain_redis_server(self):
        redis_server = self._own(RedisServer(self.workdir, "redis")).start()
        port = self.start([{"name": "r1", "address": redis_server.address}])
        def cli(*args):
            return subprocess.run(["redis-cli", "--tls", "--cacert", str(self.pki.ca_cert), "--sni", "localhost",
                                   "-h", "127.0.0.1", "-p", str(port), *args],
                                  capture_output=True, text=True, timeout=20)
        self.assertEqual(cli("SET", "greeting", "over tls").stdout.strip(), "OK")
        self.assertEqual(cli("GET", "greeting").stdout.strip(), "over tls")
        self.assertEqual(redis_server.client().get("greeting"), b"over tls")


if __name__ == "__main__":
    unittest.main()
