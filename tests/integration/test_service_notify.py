"""systemd's notify protocol, observed through a NOTIFY_SOCKET the test
listens on (as systemd would for a Type=notify unit): READY only once the
listeners are bound and every server has had its first health check,
RELOADING then READY around a reload, WATCHDOG pings at half the interval
the manager asks for, STOPPING at shutdown.
"""
import os
import signal
import socket
import time
import unittest
from pathlib import Path

from fixtures import IntegrationTest, server, tcp_config
from fixtures.switchyard import Switchyard


class NotifySocket:
    """A unix datagram socket standing in for systemd's; messages are dicts of KEY=VALUE lines."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.received = []  # (monotonic time, {key: value})
        self.cursor = 0  # wait_for looks from here on

    def close(self):
        self.sock.close()

    def drain(self, seconds):
        """Collects what arrives for `seconds`."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                break
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.received.append((time.monotonic(), fields))

    def wait_for(self, key, timeout):
        """The next message carrying `key` after the one the last call returned, with its time."""
        deadline = time.monotonic() + timeout
        while True:
            for index in range(self.cursor, len(self.received)):
                when, fields = self.received[index]
                if key in fields:
                    self.cursor = index + 1
                    return when, fields
            if time.monotonic() >= deadline:
                raise AssertionError(f"no {key} within {timeout}s; got {[f for _, f in self.received]}")
            self.drain(min(0.1, max(0.0, deadline - time.monotonic())))


class ServiceNotifyTest(IntegrationTest):
    def start_notified(self, config, watchdog_usec=None):
        notify = NotifySocket(Path(self.workdir) / "notify.sock")
        self.addCleanup(notify.close)
        proxy = self._own(Switchyard(self.workdir, config))
        proxy.env = {**os.environ, "NOTIFY_SOCKET": notify.path}
        if watchdog_usec:
            proxy.env["WATCHDOG_USEC"] = str(watchdog_usec)
        launched = time.monotonic()
        proxy.launch()
        return proxy, notify, launched

    def test_ready_waits_for_the_first_health_round_then_reload_and_stop_are_announced(self):
        # A server whose host does not answer: its first check ends only at
        # the check's 1 s timeout, so READY cannot come before that.
        hole = self.blackhole()
        config = tcp_config([server("silent", hole.address)], health={"type": "tcp", "interval": "1s", "timeout": "1s", "rise": 1,
                                            "fall": 1, "passive_fall": 0})
        proxy, notify, launched = self.start_notified(config)
        ready_at, ready = notify.wait_for("READY", 8)
        self.assertGreaterEqual(ready_at - launched, 0.9, "READY came before the first check could end")
        self.assertEqual(ready["STATUS"], "serving; first health round done")
        # Serving by then: the listener answers and the admin socket too.
        proxy.wait_ready(2)
        self.assertIn("ready: serving; first health round done", proxy.log_text())

        proxy.send_signal(signal.SIGHUP)
        _, reloading = notify.wait_for("RELOADING", 5)
        self.assertEqual(reloading["RELOADING"], "1")
        _, again = notify.wait_for("READY", 5)
        self.assertEqual(again["STATUS"], "serving; configuration reloaded")

        proxy.rewrite_config("this is not toml [")
        proxy.send_signal(signal.SIGHUP)
        notify.wait_for("RELOADING", 5)
        _, rejected = notify.wait_for("READY", 5)
        self.assertEqual(rejected["STATUS"], "serving; last reload rejected")

        proxy.send_signal(signal.SIGTERM)
        _, stopping = notify.wait_for("STOPPING", 5)
        self.assertEqual(stopping["STOPPING"], "1")
        self.assertEqual(proxy.wait_exit(10), 0)

    def test_with_no_servers_to_check_ready_comes_at_once(self):
        proxy, notify, launched = self.start_notified({"global": {"workers": 1, "log_level": "info"}})
        ready_at, ready = notify.wait_for("READY", 5)
        self.assertLess(ready_at - launched, 3)
        self.assertEqual(ready["STATUS"], "serving; first health round done")

    def test_watchdog_pings_at_half_the_interval_the_manager_asks_for(self):
        proxy, notify, _ = self.start_notified({"global": {"workers": 1, "log_level": "info"}}, watchdog_usec=200_000)
        notify.wait_for("READY", 5)
        notify.received.clear()
        notify.cursor = 0
        notify.drain(1.0)
        pings = [fields for _, fields in notify.received if fields.get("WATCHDOG") == "1"]
        # every 100 ms: about 10 in a second; a stalled loop would send none
        self.assertGreaterEqual(len(pings), 6, notify.received)
        self.assertLessEqual(len(pings), 12, notify.received)
        self.assertIn("systemd watchdog: 200 ms, pinged every 100 ms", proxy.log_text())

    def test_without_a_notify_socket_nothing_changes(self):
        proxy = self.start_switchyard({"global": {"workers": 1, "log_level": "info"}})
        self.assertIn("ready: serving; first health round done", proxy.log_text())
        self.assertNotIn("sd_notify failed", proxy.log_text())


if __name__ == "__main__":
    unittest.main()
