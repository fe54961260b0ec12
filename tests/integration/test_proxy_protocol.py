"""The PROXY protocol both ways: an accept_proxy listener (http or tcp) takes
the client's address from the v1 or v2 header a load balancer sends and
closes connections without one; send_proxy (v1 or v2) tells servers who the
client is, and an HTTP server connection carrying one serves only that
client."""
import socket
import struct
import unittest

from fixtures import IntegrationTest, NO_CHECKS, header_values, http_config, tcp_config, wait_for
from fixtures.http_client import Connection, build_request

V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def v1(source, source_port, destination="10.0.0.1", destination_port=80):
    return f"PROXY TCP4 {source} {destination} {source_port} {destination_port}\r\n".encode()


def v2(source, source_port, destination="10.0.0.1", destination_port=80):
    addresses = socket.inet_aton(source) + socket.inet_aton(destination) + struct.pack("!HH", source_port,
                                                                                       destination_port)
    return V2_SIGNATURE + b"\x21\x11" + struct.pack("!H", len(addresses)) + addresses


class AcceptProxyTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.sy = self.start_switchyard(http_config([self.app], listener={"accept_proxy": True}))
        self.port = self.sy.port()

    def test_v1_and_v2_headers_give_the_client_address(self):
        for header, address in ((v1("203.0.113.7", 40000), "203.0.113.7"), (v2("198.51.100.9", 50000), "198.51.100.9")):
            with Connection(self.port) as connection:
                # The header and the request in one write: both must be read right.
                connection.send(header + build_request("GET", "/"))
                seen = connection.read_response().json()
                self.assertEqual(header_values(seen, "X-Forwarded-For"), [address])
                self.assertEqual(connection.request("GET", "/").status, 200)  # and the connection goes on
        line = self.sy.wait_for_log("client=198.51.100.9", timeout=3)
        self.assertIn("status=200", line)

    def test_header_in_pieces_is_read_whole(self):
        with Connection(self.port) as connection:
            header = v2("192.0.2.44", 1234)
            connection.send(header[:7])
            connection.send(header[7:] + b"GET / HTTP/1.1\r\nHost")
            connection.send(b": t\r\n\r\n")
            self.assertEqual(header_values(connection.read_response().json(), "X-Forwarded-For"), ["192.0.2.44"])

    def test_connection_without_a_header_is_closed_and_reaches_nothing(self):
        with Connection(self.port) as connection:
            connection.send(build_request("GET", "/"))
            self.assertTrue(connection.closed_by_peer())
            self.assertEqual(connection.buffer, b"")
        self.assertEqual(self.app.accepted, 0)


class SendProxyTest(IntegrationTest):
    def test_http_backend_gets_a_v2_header_per_client_connection(self):
        app = self.start_http_backend("app1", proxy_protocol=True)
        sy = self.start_switchyard(http_config([app], backend={"send_proxy": "v2"}))
        clients = [Connection(sy.port()) for _ in range(2)]
        for client in clients:
            self.addCleanup(client.close)
            for _ in range(2):
                self.assertEqual(client.request("GET", "/").status, 200)
        ports = sorted(client.sock.getsockname()[1] for client in clients)
        # One server connection per client (each with its own header), not shared.
        wait_for(lambda: len(app.proxy_headers) >= 2, 5, "two PROXY headers")
        self.assertEqual(sorted(int(source.split(":")[1]) for source, _ in app.proxy_headers)[:2], ports)
        self.assertTrue(all(source.startswith("127.0.0.1:") for source, _ in app.proxy_headers))
        app.wait_requests(4)
        self.assertTrue(all(r["proxy_source"] for r in app.requests))

    def test_tcp_listener_passes_the_accepted_address_on_in_a_v1_header(self):
        app = self.start_http_backend("app1", proxy_protocol=True)
        sy = self.start_switchyard(tcp_config([app], health=NO_CHECKS, listener={"accept_proxy": True},
                                              backend={"send_proxy": "v1"}))
        with Connection(sy.port()) as connection:
            connection.send(v2("203.0.113.50", 44444, "10.1.1.1", 443) + build_request("GET", "/"))
            seen = connection.read_response().json()
        self.assertEqual(seen["proxy_source"], "203.0.113.50:44444")
        self.assertEqual(app.proxy_headers, [("203.0.113.50:44444", "10.1.1.1:443")])


if __name__ == "__main__":
    unittest.main()
