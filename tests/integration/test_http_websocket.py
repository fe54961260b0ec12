"""Upgrade: a WebSocket handshake passes through, and after the 101 the
connection is a byte relay both ways (frames echoed intact, large and small);
an upgrade the server refuses leaves an ordinary HTTP connection."""
import base64
import hashlib
import os
import struct
import unittest

from fixtures import IntegrationTest, header_values, http_config
from fixtures.http_client import Connection, build_request

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(payload, opcode=2):
    """A masked client frame (RFC 6455 5.2)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def read_frame(connection):
    first = connection._exactly(2)
    length = first[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", connection._exactly(2))[0]
    elif length == 127:
        length = struct.unpack("!Q", connection._exactly(8))[0]
    return first[0] & 0x0F, connection._exactly(length)


class WebSocketTest(IntegrationTest):
    def test_websocket_echo_through_the_proxy(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        key = base64.b64encode(os.urandom(16)).decode()
        with Connection(sy.port()) as connection:
            connection.send(build_request("GET", "/ws", [("Connection", "Upgrade"), ("Upgrade", "websocket"),
                                                         ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13")]))
            response = connection.read_response()
            self.assertEqual(response.status, 101)
            self.assertEqual(response.header("Upgrade"), "websocket")
            self.assertEqual(response.header("Connection"), "Upgrade")
            expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
            self.assertEqual(response.header("Sec-WebSocket-Accept"), expected)
            for payload in (b"hello", os.urandom(300), os.urandom(200000), b""):
                connection.send(frame(payload))
                self.assertEqual(read_frame(connection), (2, payload))
            # Two frames in one write come back as two frames.
            connection.send(frame(b"one", 1) + frame(b"two", 1))
            self.assertEqual([read_frame(connection), read_frame(connection)], [(1, b"one"), (1, b"two")])
            connection.send(frame(b"", 8))
            self.assertEqual(read_frame(connection), (8, b""))
            self.assertTrue(connection.closed_by_peer())
        app.wait_requests(1)
        seen = app.requests[0]
        self.assertEqual(header_values(seen, "Upgrade"), ["websocket"])
        self.assertEqual(header_values(seen, "Connection"), ["Upgrade"])

    def test_upgrade_the_server_refuses_leaves_a_plain_http_connection(self):
        app = self.start_http_backend("app1")
        sy = self.start_switchyard(http_config([app]))
        with Connection(sy.port()) as connection:
            refused = connection.request("GET", "/status/404", [("Connection", "Upgrade"), ("Upgrade", "websocket")])
            self.assertEqual(refused.status, 404)
            self.assertEqual(refused.header("Connection"), "close")
            self.assertTrue(connection.closed_by_peer())


if __name__ == "__main__":
    unittest.main()
