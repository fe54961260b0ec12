"""The admin socket's limits: an over-long command line gets an error line
naming the limit before the close, and a connection that never sends a
newline is answered with an error after the command timeout."""
import socket
import time
import unittest

from fixtures import IntegrationTest, NO_CHECKS, tcp_config

COMMAND_LIMIT = 4096
COMMAND_TIMEOUT = 10.0


class AdminLimitsTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.backend = self.start_backend("a1")
        self.sy = self.start_switchyard(tcp_config([self.backend], health=NO_CHECKS))

    def connect(self, timeout):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(self.sy.admin_socket)
        self.addCleanup(s.close)
        return s

    def read_all(self, s):
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                return data
            data += chunk

    def test_over_long_line_gets_an_error_line_naming_the_limit_then_a_close(self):
        s = self.connect(timeout=5)
        try:
            s.sendall(b"show " + b"x" * (COMMAND_LIMIT * 4))
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = self.read_all(s).decode()
        self.assertEqual(reply, f"error\ncommand too long (limit {COMMAND_LIMIT} bytes)\n")
        # The socket still serves the next client.
        self.assertIn("web", self.sy.ctl_ok("show", "listeners"))

    def test_over_long_line_with_its_newline_is_refused_too(self):
        s = self.connect(timeout=5)
        s.sendall(b"show " + b"y" * (COMMAND_LIMIT + 10) + b"\n")
        self.assertEqual(self.read_all(s).decode(), f"error\ncommand too long (limit {COMMAND_LIMIT} bytes)\n")

    def test_command_without_newline_is_answered_with_an_error_after_the_timeout(self):
        s = self.connect(timeout=COMMAND_TIMEOUT + 10)
        started = time.monotonic()
        s.sendall(b"show servers")  # no newline
        reply = self.read_all(s).decode()
        waited = time.monotonic() - started
        self.assertEqual(reply, "error\ncommand not received within 10 s (no newline)\n")
        self.assertGreater(waited, COMMAND_TIMEOUT - 1)
        self.assertLess(waited, COMMAND_TIMEOUT + 3)

    def test_a_normal_command_is_still_answered(self):
        s = self.connect(timeout=5)
        s.sendall(b"show listeners\n")
        reply = self.read_all(s).decode()
        self.assertTrue(reply.startswith("ok\n"), reply)


if __name__ == "__main__":
    unittest.main()
