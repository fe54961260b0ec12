"""Faults behind and in front of the layer-4 listener: a server that hangs
(mid-session, or from the accept on), one that resets in the middle of a
reply, one that trickles; each with a reload while the fault lasts. The
client gets every byte the server sent before the fault, then a close within
idle_timeout, and the process serves a good connection right after.
Running out of descriptors with one worker (test_hardening_fd.py has two)."""
import signal
import os
import selectors
import socket
import threading
import time
import unittest

from fixtures import NO_CHECKS, IntegrationTest, Switchyard, connect, hello_name, read_line, wait_for, wait_for_eof
from fixtures.clients import read_exactly
from fixtures.fault_servers import FaultForwarder, ReloadDuringFault

SLACK = 1.5  # seconds, for timing upper bounds on a loaded 2-core machine
IDLE = 0.8   # the faulty listener's idle_timeout, seconds


def two_listeners(faulty, good, idle_timeout=f"{int(IDLE * 1000)}ms", workers=1):
    """Listener "web" -> backend "app" (the faulty server); "good" -> backend "good"."""
    return {
        "global": {"workers": workers, "shutdown_timeout": "3s", "log_level": "info"},
        "listener": [
            {"name": "web", "bind": "127.0.0.1:0", "protocol": "tcp", "backend": "app", "idle_timeout": idle_timeout},
            {"name": "good", "bind": "127.0.0.1:0", "protocol": "tcp", "backend": "good"},
        ],
        "backend": [
            {"name": "app", "connect_timeout": "500ms", "retries": 0, "health_check": dict(NO_CHECKS),
             "server": [{"name": "faulty", "address": faulty.address}]},
            {"name": "good", "health_check": dict(NO_CHECKS),
             "server": [{"name": "g1", "address": good.address}]},
        ],
    }


class TcpServerFaultTest(ReloadDuringFault, IntegrationTest):
    def setUp(self):
        super().setUp()
        self.echo = self.start_backend("echo", "echo")
        self.good = self.start_backend("g1", "hello")
        self.faulty = self._own(FaultForwarder(self.echo.address))

    def start(self, **kw):
        self.sy = self.start_switchyard(two_listeners(self.faulty, self.good, **kw))
        return self.sy.port("web")

    def assert_still_serves(self):
        self.assertTrue(self.sy.running())
        self.assertEqual(hello_name(self.sy.port("good")), "g1")
        # and the faulty listener itself, once its server behaves again
        self.faulty.heal()
        with connect(self.sy.port("web")) as sock:
            sock.sendall(b"after the fault\n")
            self.assertEqual(read_line(sock), b"after the fault\n")

    def test_a_server_that_hangs_mid_session_is_closed_at_idle_timeout_across_a_reload(self):
        port = self.start()
        with connect(port, timeout=10) as sock:
            sock.sendall(b"before\n")
            self.assertEqual(read_line(sock), b"before\n")  # acknowledged: echoed
            self.faulty.arm("stall")
            sock.sendall(b"into the void\n")
            started = time.monotonic()
            self.reload_during_fault("ctl")
            took, received = wait_for_eof(sock, timeout=IDLE + SLACK + 3)
        self.assertEqual(received, b"", "a stalled server answered")
        self.assertGreaterEqual(time.monotonic() - started, IDLE - 0.1, "closed before idle_timeout")
        self.assertLess(took, IDLE + SLACK, "the hung server's connection outlived idle_timeout")
        wait_for(lambda: self.faulty.open_links() == 0, 3, "the proxy to close its side to the hung server")
        self.assert_still_serves()

    def test_a_server_that_accepts_and_never_answers_is_closed_at_idle_timeout_across_a_sighup(self):
        port = self.start()
        self.faulty.arm("stall")
        with connect(port, timeout=10) as sock:
            sock.sendall(b"hello?\n")
            wait_for(lambda: self.faulty.unanswered == 1, 3, "the connection to reach the hung server")
            self.reload_during_fault("sighup")
            took, received = wait_for_eof(sock, timeout=IDLE + SLACK + 3)
        self.assertEqual(received, b"")
        self.assertLess(took, IDLE + SLACK)
        wait_for(lambda: self.faulty.open_links() == 0, 3, "the proxy to close its side to the hung server")
        self.assert_still_serves()

    def test_a_reset_mid_reply_delivers_what_came_before_it_then_closes_at_once(self):
        port = self.start(idle_timeout="30s")  # the close must come from the reset, not the idle timer
        payload = bytes(range(256)) * 64        # 16 KiB, echoed back
        with connect(port, timeout=10) as sock:
            sock.sendall(b"warm\n")
            self.assertEqual(read_line(sock), b"warm\n")
            self.faulty.arm("reset", after=5000)
            sock.sendall(payload)
            took, received = wait_for_eof(sock, timeout=5)
            self.reload_during_fault("ctl")
        self.assertEqual(len(received), 5000, "the bytes the server sent before the reset were not all relayed")
        self.assertEqual(received, payload[:5000])
        self.assertLess(took, SLACK, "the client was not closed soon after the server reset")
        self.assertEqual(self.faulty.resets, 1)
        self.assert_still_serves()

    def test_a_trickling_server_keeps_its_connection_past_idle_timeout_and_every_byte_arrives(self):
        port = self.start()
        with connect(port, timeout=10) as sock:
            self.faulty.arm("trickle", interval=0.5 * IDLE)
            message = b"drips\n"  # 6 bytes over 2.4 s: three idle_timeouts
            sock.sendall(message)
            self.reload_during_fault("sighup")
            started = time.monotonic()
            received = read_exactly(sock, len(message))
            took = time.monotonic() - started
        self.assertEqual(received, message)
        self.assertGreater(took, 2 * IDLE, "the reply was not trickled (the test proves nothing)")
        self.assert_still_serves()


FD_LIMIT = 256
CLIENTS = 600
HOLD_SECONDS = 2.5


class HoldingServer:
    """Accepts as fast as it can and holds each connection, answering nothing,
    until the proxy closes it: every client of the proxy then costs it two
    descriptors, and no server backlog overflows (a test server that cannot
    keep up would be marked down for connect timeouts: not what is tested)."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(4096)
        self.listener.setblocking(False)
        self.address = f"127.0.0.1:{self.listener.getsockname()[1]}"
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.listener, selectors.EVENT_READ)
        self.closing = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.closing:
            for key, _ in self.selector.select(0.1):
                sock = key.fileobj
                try:
                    if sock is self.listener:
                        conn, _ = sock.accept()
                        conn.setblocking(False)
                        self.selector.register(conn, selectors.EVENT_READ)
                    elif not sock.recv(65536):
                        raise ConnectionError
                except BlockingIOError:
                    pass
                except OSError:
                    self.selector.unregister(sock)
                    sock.close()

    def close(self):
        self.closing = True


class TcpFdExhaustionOneWorkerTest(IntegrationTest):
    def churn(self, port, pid):
        """For HOLD_SECONDS, connects as fast as possible, keeping the newest CLIENTS open.
        Returns them and the most descriptors the process `pid` was seen holding."""
        clients = []
        peak = 0
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            if len(clients) % 50 == 0:
                peak = max(peak, len(os.listdir(f"/proc/{pid}/fd")))
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(("127.0.0.1", port))
            clients.append(sock)
            if len(clients) > CLIENTS:
                clients.pop(0).close()
        return clients, peak

    def test_one_worker_at_its_fd_limit_goes_on_then_serves_and_stops(self):
        good = self.start_backend("g1", "hello")
        config = two_listeners(self._own(HoldingServer()), good, idle_timeout="5m", workers=1)
        sy = self._own(Switchyard(self.workdir, config))
        sy.command_prefix = ["prlimit", f"--nofile={FD_LIMIT}:{FD_LIMIT}"]
        sy.start()
        port = sy.port("web")
        mark = sy.log_mark()
        clients, peak = self.churn(port, sy.pid)
        try:
            # The limit is reached (libuv accepts and closes what it cannot keep, or the
            # accept pause starts), and the process goes on.
            self.assertGreaterEqual(peak, FD_LIMIT - 4, "the fd limit was not reached (the test proves nothing)")
            self.assertTrue(sy.running())
        finally:
            for sock in clients:
                sock.close()
        wait_for(lambda: hello_name(sy.port("good"), timeout=2) == "g1", 10,
                 "a connection to be served after the clients left")
        self.assertEqual(sy.server("app", "faulty")["health"], "up",
                         "the process's own fd shortage was counted against the server")
        log = sy.log_text()[mark:]
        self.assertLess(len(log), 200 * 1024, "the log grew as if connection errors were not rate-limited")
        self.assertLess(log.count("\n"), 10 * (HOLD_SECONDS + 12) + 20, "more than ten error lines a second")
        started = time.monotonic()
        self.assertEqual(sy.stop(signal.SIGTERM, timeout=10), 0)
        self.assertLess(time.monotonic() - started, 3 + 2.0)


if __name__ == "__main__":
    unittest.main()
