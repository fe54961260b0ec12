"""The layer-4 relay itself: bytes arrive intact both ways, memory stays
bounded under bulk transfers and backpressure, half-close is passed on,
idle connections are closed, and max_connections turns extra clients away."""
import hashlib
import select
import socket
import time
import unittest

from fixtures import (NO_CHECKS, IntegrationTest, RssSampler, connect, read_line, tcp_config, wait_for,
                      wait_for_eof)
from fixtures.clients import read_exactly, read_until_eof
from servers.tcp_backend import pattern_sha256, pattern_stream

TRANSFER = 200 * 1024 * 1024

# How much the proxy's RSS may grow while it relays. One relay queues at most
# the high-water mark (256 KiB) per direction plus one 64 KiB read chunk per
# side before it stops reading, and a worker's chunk free list only keeps what
# was in use at once: a few MiB at most. 32 MiB leaves room for allocator and
# thread-arena slack, and is still a sixth of the 200 MB that pass through, so
# a relay that buffers instead of pushing back fails it. (Seen: < 1 MiB.)
RSS_GROWTH_LIMIT_KB = 32 * 1024
SLACK = 1.5  # seconds, for timing upper bounds on a loaded 2-core machine


def flood_until_stalled(sock, limit, stall_seconds=1.0):
    """Sends the source pattern without ever reading, until `limit` bytes are sent or
    nothing more is taken for `stall_seconds`. Returns the number of bytes sent
    (always a prefix of the pattern)."""
    sock.setblocking(False)
    sent = 0
    last_progress = time.monotonic()
    for piece in pattern_stream(limit):
        view = memoryview(piece)
        while view:
            try:
                n = sock.send(view)
            except BlockingIOError:
                if time.monotonic() - last_progress > stall_seconds:
                    sock.setblocking(True)
                    return sent
                select.select([], [sock], [], 0.05)
                continue
            view = view[n:]
            sent += n
            last_progress = time.monotonic()
    sock.setblocking(True)
    return sent


class BulkTransferTest(IntegrationTest):
    def assert_memory_bounded(self, sampler, start_kb):
        self.assertGreaterEqual(len(sampler.samples), 3, "RSS was not sampled during the transfer")
        growth = sampler.peak_kb - start_kb
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB,
                        f"proxy RSS grew by {growth} KiB (from {start_kb} KiB) during the transfer")

    def test_200_mb_upload_arrives_intact_and_proxy_memory_stays_bounded(self):
        sink = self.start_backend("sink", "sink")
        sy = self.start_switchyard(tcp_config([sink], workers=2, health=NO_CHECKS))
        expected = pattern_sha256(TRANSFER)
        start_kb = sy.rss_kb()
        with RssSampler(sy.rss_kb, interval=0.005) as rss, connect(sy.port(), timeout=60) as sock:
            for piece in pattern_stream(TRANSFER):
                sock.sendall(piece)
            sock.shutdown(socket.SHUT_WR)
            reply = read_line(sock)
            rest = read_until_eof(sock)
        self.assertEqual(reply.decode(), f"{expected} {TRANSFER}\n", "the sink got other bytes than were sent")
        self.assertEqual(rest, b"")
        self.assert_memory_bounded(rss, start_kb)
        row = sy.server("app", "sink")
        self.assertEqual((row["bytes_out"], row["bytes_in"]), (TRANSFER, len(reply)))

    def test_200_mb_download_arrives_intact_and_proxy_memory_stays_bounded(self):
        source = self.start_backend("source", "source", source_bytes=TRANSFER)
        sy = self.start_switchyard(tcp_config([source], workers=2, health=NO_CHECKS))
        expected = pattern_sha256(TRANSFER)
        digest = hashlib.sha256()
        received = 0
        start_kb = sy.rss_kb()
        with RssSampler(sy.rss_kb, interval=0.005) as rss, connect(sy.port(), timeout=60) as sock:
            while True:
                piece = sock.recv(1 << 20)
                if not piece:
                    break
                digest.update(piece)
                received += len(piece)
        self.assertEqual(received, TRANSFER)
        self.assertEqual(digest.hexdigest(), expected, "the client got other bytes than the source sent")
        self.assert_memory_bounded(rss, start_kb)
        self.assertEqual(sy.server("app", "source")["bytes_in"], TRANSFER)


class BackpressureTest(IntegrationTest):
    LIMIT = 1024 * 1024 * 1024  # far more than every socket buffer on the path holds

    def test_client_that_never_reads_is_pushed_back_and_proxy_memory_stays_bounded(self):
        echo = self.start_backend("echo", "echo")
        sy = self.start_switchyard(tcp_config([echo], workers=2, health=NO_CHECKS))
        start_kb = sy.rss_kb()
        with RssSampler(sy.rss_kb, interval=0.005) as rss, connect(sy.port(), timeout=30) as sock:
            sent = flood_until_stalled(sock, self.LIMIT)
            self.assertLess(sent, self.LIMIT, "the client never had to wait: nothing pushed back")
            growth = rss.peak_kb - start_kb
            self.assertLess(growth, RSS_GROWTH_LIMIT_KB,
                            f"proxy RSS grew by {growth} KiB while the client sent {sent >> 20} MiB unread")
            # Nothing was lost while everything waited: all of it comes back, in order.
            echoed = read_exactly(sock, sent)
        self.assertEqual(hashlib.sha256(echoed).hexdigest(), pattern_sha256(sent))

    def test_server_that_stops_reading_stalls_the_client_and_proxy_memory_stays_bounded(self):
        stalled = self.start_backend("stalled", "stall")
        sy = self.start_switchyard(tcp_config([stalled], workers=2, health=NO_CHECKS))
        start_kb = sy.rss_kb()
        with RssSampler(sy.rss_kb, interval=0.005) as rss, connect(sy.port(), timeout=30) as sock:
            sent = flood_until_stalled(sock, self.LIMIT)
        self.assertLess(sent, self.LIMIT, "the client never had to wait: nothing pushed back")
        growth = rss.peak_kb - start_kb
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB,
                        f"proxy RSS grew by {growth} KiB while the server read nothing of {sent >> 20} MiB")


class HalfCloseTest(IntegrationTest):
    def test_client_half_close_reaches_the_server_and_the_reply_still_comes_back(self):
        backend = self.start_backend("hc", "half_close")
        sy = self.start_switchyard(tcp_config([backend], health=NO_CHECKS))
        with connect(sy.port()) as sock:
            sock.sendall(b"x" * 100_000)
            sock.shutdown(socket.SHUT_WR)
            reply = read_line(sock)
            rest = read_until_eof(sock)
        self.assertEqual(reply, b"got 100000 bytes\n")
        self.assertEqual(rest, b"")
        [(_, ending, bytes_in, bytes_out)] = backend.wait_closed(1, timeout=5)
        self.assertEqual((ending, bytes_in, bytes_out), ("eof", 100_000, len(reply)))

    def test_everything_sent_before_a_half_close_is_echoed_before_eof(self):
        backend = self.start_backend("echo", "echo")
        sy = self.start_switchyard(tcp_config([backend], health=NO_CHECKS))
        payload = b"".join(pattern_stream(1 << 20))
        with connect(sy.port(), timeout=10) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            echoed = read_until_eof(sock)
        self.assertEqual(len(echoed), len(payload))
        self.assertTrue(echoed == payload, "the echo differs from what was sent")


    def test_server_half_close_reaches_the_client_which_can_still_send(self):
        backend = self.start_backend("bye", "bye_first")
        sy = self.start_switchyard(tcp_config([backend], health=NO_CHECKS))
        with connect(sy.port()) as sock:
            self.assertEqual(read_until_eof(sock), b"bye\n")
            sock.sendall(b"y" * 50_000)  # the other direction is still open
            sock.shutdown(socket.SHUT_WR)
            [(_, ending, bytes_in, _)] = backend.wait_closed(1, timeout=5)
        self.assertEqual((ending, bytes_in), ("eof", 50_000))


class ConcurrencyTest(IntegrationTest):
    def test_many_concurrent_connections_each_get_their_own_bytes_back(self):
        a1, a2 = self.start_backends("a1", "a2")
        sy = self.start_switchyard(tcp_config([a1, a2], workers=2, health=NO_CHECKS))
        port = sy.port()
        conversations = [self.conversation(port) for _ in range(100)]
        self.assertEqual(sy.listener("web")["active"], 100)
        for i, conversation in enumerate(conversations):
            conversation.sock.sendall(f"connection {i} says {'x' * i}\n".encode())
        for i, conversation in enumerate(conversations):
            expected = f"connection {i} says {'x' * i}\n".encode()
            self.assertEqual(read_exactly(conversation.sock, len(expected)), expected, f"connection {i}")
        for conversation in conversations:
            conversation.close()
        wait_for(lambda: sy.listener("web")["active"] == 0, 5, "every session to end")
        servers = sy.servers()
        self.assertEqual([row["active"] for row in servers], [0, 0])
        self.assertEqual(sum(row["total"] for row in servers), 100)


class IdleTimeoutTest(IntegrationTest):
    IDLE = 1.0

    def setUp(self):
        super().setUp()
        self.backend = self.start_backend("a1", "hello")
        self.sy = self.start_switchyard(tcp_config([self.backend], health=NO_CHECKS,
                                                   listener={"idle_timeout": "1s"}))

    def test_idle_connection_is_closed_on_both_sides_after_the_timeout(self):
        conversation = self.conversation(self.sy.port())
        idle_from = time.monotonic()
        _, received = wait_for_eof(conversation.sock, timeout=self.IDLE + SLACK + 3)
        took = time.monotonic() - idle_from
        self.assertEqual(received, b"")
        self.assertGreaterEqual(took, self.IDLE - 0.1, "closed before the idle timeout")
        self.assertLessEqual(took, self.IDLE + SLACK, "closed long after the idle timeout")
        [(_, ending, _, _)] = self.backend.wait_closed(1, timeout=3)
        self.assertEqual(ending, "eof", "the server side was not closed cleanly")
        wait_for(lambda: self.sy.listener("web")["active"] == 0, 3, "the listener's active count to drop to 0")

    def test_connection_with_traffic_outlives_the_idle_timeout(self):
        conversation = self.conversation(self.sy.port())
        deadline = time.monotonic() + 2.5 * self.IDLE
        while time.monotonic() < deadline:
            self.assertEqual(conversation.echo(b"keepalive\n"), b"keepalive\n")
            time.sleep(0.3 * self.IDLE)  # a pause shorter than the idle timeout, on purpose
        self.assertEqual(self.backend.closed, [], "an active connection was closed")


class MaxConnectionsTest(IntegrationTest):
    def test_connection_beyond_max_is_closed_at_once_and_counted_as_rejected(self):
        backend = self.start_backend("a1", "hello")
        sy = self.start_switchyard(tcp_config([backend], workers=2, health=NO_CHECKS,
                                              listener={"max_connections": 3}))
        port = sy.port()
        held = [self.conversation(port) for _ in range(3)]
        self.assertEqual([c.name for c in held], ["a1"] * 3)

        with connect(port) as extra:
            took, received = wait_for_eof(extra, timeout=5)
        self.assertEqual(received, b"", "the connection over the limit reached a server")
        self.assertLess(took, 1.0, "the connection over the limit was not closed at once")
        row = sy.listener("web")
        self.assertEqual((row["accepted"], row["rejected"], row["active"], row["max_connections"]), (4, 1, 3, 3))
        self.assertEqual(backend.accepted, 3)
        for conversation in held:
            self.assertEqual(conversation.echo(b"still served\n"), b"still served\n")

        held.pop().close()
        wait_for(lambda: sy.listener("web")["active"] == 2, 5, "the closed connection to leave the count")
        self.assertEqual(self.conversation(port).name, "a1", "a free slot was not given to a new client")
        row = sy.listener("web")
        self.assertEqual((row["accepted"], row["rejected"], row["active"]), (5, 1, 3))


if __name__ == "__main__":
    unittest.main()
