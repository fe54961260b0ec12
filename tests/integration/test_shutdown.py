"""Graceful shutdown: SIGTERM stops accepting, lets open connections finish
up to shutdown_timeout, then closes them and exits 0."""
import os
import signal
import time
import unittest

from fixtures import NO_CHECKS, IntegrationTest, connect, read_line, tcp_config, wait_for, wait_for_eof

SLACK = 2.0  # seconds: "promptly" on a loaded 2-core machine


class ShutdownTest(IntegrationTest):
    shutdown_timeout = "30s"

    def setUp(self):
        super().setUp()
        self.backend = self.start_backend("a1")
        self.sy = self.start_switchyard(tcp_config([self.backend], workers=2, health=NO_CHECKS,
                                                   global_settings={"shutdown_timeout": self.shutdown_timeout}))
        self.port = self.sy.port()

    def terminate(self, signum=signal.SIGTERM):
        mark = self.sy.log_mark()
        self.sy.send_signal(signum)
        return self.sy.wait_for_log(r"(SIGTERM|SIGINT): shutting down", timeout=5, after=mark)


class GracefulShutdownTest(ShutdownTest):
    def test_idle_process_exits_0_at_once_and_removes_its_admin_socket(self):
        started = time.monotonic()
        self.assertEqual(self.sy.stop(signal.SIGTERM, timeout=10), 0)
        self.assertLess(time.monotonic() - started, SLACK)
        self.assertIn("switchyard stopped", self.sy.log_text())
        wait_for(lambda: not os.path.exists(self.sy.admin_socket), 2, "the admin socket to go away")

    def test_sigint_stops_like_sigterm(self):
        self.assertEqual(self.sy.stop(signal.SIGINT, timeout=10), 0)
        self.assertIn("SIGINT: shutting down", self.sy.log_text())

    def test_open_connection_keeps_the_process_up_until_the_client_closes(self):
        conversation = self.conversation(self.port)
        self.terminate()
        time.sleep(0.5)  # an observation window: the process must still be there after it
        self.assertTrue(self.sy.running(), "exited with a connection still open")
        for i in range(3):
            payload = f"during shutdown {i}\n".encode()
            self.assertEqual(conversation.echo(payload), payload)
        self.assertTrue(self.sy.running())

        conversation.close()
        closed_at = time.monotonic()
        self.assertEqual(self.sy.wait_exit(timeout=10), 0)
        self.assertLess(time.monotonic() - closed_at, SLACK, "did not exit promptly after the last connection")
        self.assertTrue(self.sy.log_text().rstrip().endswith("switchyard stopped"))

    def test_new_connections_are_refused_after_sigterm(self):
        conversation = self.conversation(self.port)  # keeps the process in its shutdown phase
        self.terminate()

        served_after_sigterm = []

        def refused():
            try:
                sock = connect(self.port, timeout=2)
            except ConnectionRefusedError:
                return True
            with sock:
                # Accepted during the switch: it must be closed, never relayed.
                served_after_sigterm.append(read_line(sock))
            return False
        wait_for(refused, 3, "connections to the listener to be refused after SIGTERM")
        self.assertEqual([line for line in served_after_sigterm if line], [],
                         "a connection made after SIGTERM reached a server")
        self.assertEqual(conversation.echo(b"still mine\n"), b"still mine\n")
        conversation.close()
        self.assertEqual(self.sy.wait_exit(timeout=10), 0)


    def test_second_signal_closes_open_connections_at_once(self):
        conversation = self.conversation(self.port)
        self.terminate()
        mark = self.sy.log_mark()
        signalled_at = time.monotonic()
        self.sy.send_signal(signal.SIGTERM)
        _, received = wait_for_eof(conversation.sock, timeout=10)
        self.assertEqual(received, b"")
        self.assertEqual(self.sy.wait_exit(timeout=10), 0)
        self.assertLess(time.monotonic() - signalled_at, SLACK, "the second signal did not cut the wait short")
        self.assertIsNotNone(self.sy.find_log(r"second signal: closing every connection now", after=mark))


class ShutdownTimeoutTest(ShutdownTest):
    shutdown_timeout = "1s"

    def test_connection_still_open_after_the_timeout_is_closed_and_the_exit_is_0(self):
        conversation = self.conversation(self.port)
        signalled_at = time.monotonic()
        self.terminate()
        _, received = wait_for_eof(conversation.sock, timeout=10)
        code = self.sy.wait_exit(timeout=10)
        took = time.monotonic() - signalled_at
        self.assertEqual(received, b"")
        self.assertEqual(code, 0)
        self.assertGreaterEqual(took, 0.8, "closed the connection before shutdown_timeout")
        self.assertLessEqual(took, 5.0, "took far longer than shutdown_timeout")
        self.assertIn("shutdown timeout: closing remaining connections", self.sy.log_text())
        self.assertEqual(len(self.backend.wait_closed(1, timeout=3)), 1, "the server side stayed open")


if __name__ == "__main__":
    unittest.main()
