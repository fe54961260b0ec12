"""Running out of file descriptors: with a 256-descriptor limit, two workers
and 600 clients connecting to one HTTP listener, switchyard pauses accepting
instead of spinning on EMFILE, logs it at most once a second, serves again
once the clients are gone, and stops on SIGTERM."""
import os
import signal
import socket
import time
import unittest

from fixtures import FAST_CHECKS, IntegrationTest, Switchyard, http_config, wait_for
from fixtures.http_client import get

FD_LIMIT = 256
CLIENTS = 600
HOLD_SECONDS = 3.0
LOG_LIMIT_BYTES = 200 * 1024


class FdExhaustionTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        config = http_config([self.app], workers=2, health=FAST_CHECKS, listener_http={"access_log": False})
        self.sy = self._own(Switchyard(self.workdir, config))
        self.sy.command_prefix = ["prlimit", f"--nofile={FD_LIMIT}:{FD_LIMIT}"]
        self.sy.start()
        self.port = self.sy.port()

    def churn_clients(self):
        """For HOLD_SECONDS, connects as fast as it can, keeping the newest
        CLIENTS connections open (half of them with a request sent)."""
        clients = []
        deadline = time.monotonic() + HOLD_SECONDS
        sent = 0
        while time.monotonic() < deadline:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", self.port))
            clients.append(s)
            sent += 1
            if sent % 2 == 0:
                try:
                    clients[-2].send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
                except OSError:
                    pass
            if len(clients) > CLIENTS:
                clients.pop(0).close()
        return clients

    def test_fd_limit_pauses_accepting_with_a_small_log_then_serves_and_stops(self):
        self.assertIn(f"open file limit {FD_LIMIT}", self.sy.log_text())
        mark = self.sy.log_mark()
        clients = self.churn_clients()
        try:
            # The limit was reached: the pause is logged (rate-limited).
            self.sy.wait_for_log(r"accept failed: too many open files; not accepting for \d+ ms", timeout=5,
                                 after=mark)
            self.assertTrue(self.sy.running())
        finally:
            for s in clients:
                s.close()
        time.sleep(1.5)  # the longest pause, then the closed clients are reaped

        size = os.path.getsize(self.sy.log_path)
        self.assertLess(size, LOG_LIMIT_BYTES, f"log grew to {size} bytes")

        def serves():
            try:
                return get(self.port, "/after", timeout=2).status == 200
            except OSError:
                return False
        wait_for(serves, 10, "a normal request to be served after the clients left")

        started = time.monotonic()
        self.assertEqual(self.sy.stop(signal.SIGTERM, timeout=10), 0)
        self.assertLess(time.monotonic() - started, 5 + 2.0, "SIGTERM did not end it within shutdown_timeout")


if __name__ == "__main__":
    unittest.main()
