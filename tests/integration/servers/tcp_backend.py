#!/usr/bin/python3
"""A scriptable TCP server that the integration tests put behind switchyard.

It binds 127.0.0.1 (port 0 unless --port is given), prints "READY <port>" and
then one line per connection event on stdout, which the fixture reads:

    ACCEPT <id> <peer-ip>:<peer-port>
    CLOSE <id> <eof|reset> <bytes-in> <bytes-out>

Modes (what it does with each connection):
    hello       sends "<name>\\n", then echoes
    echo        echoes
    sink        reads until EOF, replies "<sha256-hex> <byte-count>\\n", closes
    source N    sends N bytes of pattern_stream(), closes
    half_close  reads until EOF, replies "got <N> bytes\\n", closes
    bye_first   sends "bye\\n" and shuts its write side, reads until EOF, closes
                (what it read is in the CLOSE line)
    stall       never reads (a server that hangs; small receive buffer); the
                connection stays open
"""
import argparse
import asyncio
import hashlib
import random
import socket
import sys
import time

READ_SIZE = 256 * 1024

# The "source" pattern: a pseudo-random block repeated. Its length is not a
# power of two, so a lost, doubled or reordered relay chunk (64 KiB) changes
# the checksum. Generating 200 MB of fresh random bytes would cost seconds.
_PATTERN_SEED = 20261125
_PATTERN_LENGTH = (1 << 20) + 13
_pattern = None


def pattern_block():
    global _pattern
    if _pattern is None:
        _pattern = random.Random(_PATTERN_SEED).randbytes(_PATTERN_LENGTH)
    return _pattern


def pattern_stream(total, chunk=1 << 20):
    """Yields the first `total` bytes of the source pattern, in pieces of up to `chunk`."""
    block = pattern_block()
    doubled = block + block  # any window of up to len(block) bytes is one slice
    offset = 0
    sent = 0
    while sent < total:
        n = min(chunk, total - sent, len(block))
        yield doubled[offset:offset + n]
        offset = (offset + n) % len(block)
        sent += n


def pattern_sha256(total):
    digest = hashlib.sha256()
    for piece in pattern_stream(total):
        digest.update(piece)
    return digest.hexdigest()


def emit(*words):
    print(*words, flush=True)


class Counters:
    def __init__(self):
        self.bytes_in = 0
        self.bytes_out = 0


class Backend:
    def __init__(self, name, mode, source_bytes):
        self.name = name
        self.mode = mode
        self.source_bytes = source_bytes
        self.next_id = 0

    async def handle(self, reader, writer):
        self.next_id += 1
        connection_id = self.next_id
        peer = writer.get_extra_info("peername")
        emit("ACCEPT", connection_id, f"{peer[0]}:{peer[1]}")
        counters = Counters()
        ending = "eof"
        try:
            await getattr(self, "serve_" + self.mode)(reader, writer, counters)
        except (ConnectionError, OSError):
            ending = "reset"
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                ending = "reset"
            emit("CLOSE", connection_id, ending, counters.bytes_in, counters.bytes_out)

    async def send(self, writer, counters, data):
        writer.write(data)
        counters.bytes_out += len(data)
        await writer.drain()

    async def echo(self, reader, writer, counters):
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                return
            counters.bytes_in += len(data)
            await self.send(writer, counters, data)

    async def serve_hello(self, reader, writer, counters):
        await self.send(writer, counters, self.name.encode() + b"\n")
        await self.echo(reader, writer, counters)

    async def serve_echo(self, reader, writer, counters):
        await self.echo(reader, writer, counters)

    async def serve_sink(self, reader, writer, counters):
        digest = hashlib.sha256()
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            counters.bytes_in += len(data)
            digest.update(data)
        await self.send(writer, counters, f"{digest.hexdigest()} {counters.bytes_in}\n".encode())

    async def serve_source(self, reader, writer, counters):
        for piece in pattern_stream(self.source_bytes):
            await self.send(writer, counters, piece)

    async def serve_half_close(self, reader, writer, counters):
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                break
            counters.bytes_in += len(data)
        await self.send(writer, counters, f"got {counters.bytes_in} bytes\n".encode())

    async def serve_bye_first(self, reader, writer, counters):
        await self.send(writer, counters, b"bye\n")
        writer.write_eof()
        while True:
            data = await reader.read(READ_SIZE)
            if not data:
                return
            counters.bytes_in += len(data)

    async def serve_stall(self, reader, writer, counters):
        writer.transport.pause_reading()
        await asyncio.Event().wait()  # until the process ends


def bind(port, receive_buffer=0, deadline_s=5.0):
    # Restarting on a port a killed instance used: TIME_WAIT is fine with
    # SO_REUSEADDR; anything else holding it may let go within a moment.
    deadline = time.monotonic() + deadline_s
    while True:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if receive_buffer:  # inherited by accepted sockets
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        try:
            sock.bind(("127.0.0.1", port))
            sock.listen(512)
            return sock
        except OSError:
            sock.close()
            if port == 0 or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--mode", choices=["hello", "echo", "sink", "source", "half_close", "bye_first", "stall"], default="hello")
    parser.add_argument("--bytes", type=int, default=0, help="how much the source mode sends")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    if args.mode == "source":
        pattern_block()  # before READY: the first client must not wait for it
    backend = Backend(args.name, args.mode, args.bytes)
    # A stalled server with a small receive buffer: the proxy meets a full
    # socket after kilobytes, not megabytes.
    sock = bind(args.port, receive_buffer=4096 if args.mode == "stall" else 0)
    server = await asyncio.start_server(backend.handle, sock=sock, limit=READ_SIZE)
    emit("READY", sock.getsockname()[1])
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
