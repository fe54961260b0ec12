#!/usr/bin/python3
"""A scriptable HTTP/1.1 server that the integration tests put behind switchyard.

It parses requests itself (asyncio streams, Content-Length and chunked bodies,
keep-alive), so a test decides byte for byte what the proxy gets back. It
binds 127.0.0.1 (port 0 unless --port is given), prints "READY <port>" and
then one line per event on stdout, which fixtures/http_backend.py reads:

    ACCEPT <conn> <peer-ip>:<peer-port>
    PROXY <conn> <source-ip>:<source-port> <dest-ip>:<dest-port>   (--proxy-protocol)
    REQUEST <conn> <json: method, target, version, headers, body_length, body_sha256>
    CLOSE <conn>

The response depends on the request path:

    /status/<code>       that status, a JSON body describing the request
    /size/<n>            n bytes of the source pattern, Content-Length
    /chunked/<n>         n bytes in chunks of up to 10000, with a trailer X-Checksum (sha256)
    /until-close/<n>     n bytes, no length: the body ends when the connection does
    /sleep/<ms>          waits, then answers like any other path
    /drip/<ms>           sends the head and 10 bytes of a 20-byte body, then waits
    /drop                reads the request, closes without answering
    /fail-on/<name>      like /drop on the server called <name>, a normal answer elsewhere
    /reset               reads the request, resets the connection (RST)
    /upload              reads the body, answers {"length", "sha256"} (after 100 Continue
                         when the request expects it)
    /reject-expect       answers 417 at once, without reading the body
    /echo                streams the request body back, chunked
    /hints               a 103 Early Hints, then the usual answer
    /ws                  WebSocket: 101, then echoes every frame's payload back
    anything else        200, a JSON body describing the request (what the tests read)

The JSON description: {"server", "conn", "seq", "method", "target", "headers":
[[name, value]...], "body_length", "body_sha256", "proxy_source"}.
"""
import argparse
import asyncio
import base64
import hashlib
import json
import socket
import struct
import sys

sys.path.insert(0, __file__.rsplit("/", 2)[0])
from servers.tcp_backend import bind, pattern_block, pattern_stream  # noqa: E402

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
READ_SIZE = 256 * 1024


def emit(*words):
    print(*words, flush=True)


class BadRequest(Exception):
    pass


async def read_head(reader):
    """(method, target, version, [(name, value)]) or None at a clean EOF."""
    try:
        block = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise BadRequest("incomplete head") from None
        return None
    lines = block[:-4].decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return method, target, version, headers


def header(headers, name):
    for key, value in headers:
        if key.lower() == name:
            return value
    return None


async def read_body(reader, headers, sink):
    """Reads the body the headers announce, handing each piece to sink(bytes)."""
    if (header(headers, "transfer-encoding") or "").lower().endswith("chunked"):
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            if size == 0:
                while (await reader.readuntil(b"\r\n")) != b"\r\n":
                    pass  # trailers
                return
            remaining = size
            while remaining:
                piece = await reader.read(min(remaining, READ_SIZE))
                if not piece:
                    raise BadRequest("eof in a chunk")
                remaining -= len(piece)
                await sink(piece)
            await reader.readexactly(2)
    length = int(header(headers, "content-length") or 0)
    while length:
        piece = await reader.read(min(length, READ_SIZE))
        if not piece:
            raise BadRequest("eof in the body")
        length -= len(piece)
        await sink(piece)


def response_head(status, headers, reason=None):
    reasons = {100: "Continue", 101: "Switching Protocols", 103: "Early Hints", 200: "OK", 204: "No Content",
               304: "Not Modified", 404: "Not Found", 417: "Expectation Failed", 500: "Internal Server Error",
               502: "Bad Gateway", 503: "Service Unavailable"}
    lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Status')}"]
    lines += [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


class Connection:
    def __init__(self, server, conn_id, reader, writer):
        self.server, self.id, self.reader, self.writer = server, conn_id, reader, writer
        self.seq = 0
        self.proxy_source = None

    async def send(self, data):
        self.writer.write(data)
        await self.writer.drain()

    async def read_proxy_header(self):
        first = await self.reader.readexactly(5)
        if first == b"PROXY":
            line = first + await self.reader.readuntil(b"\r\n")
            words = line.decode().split()
            source, dest = f"{words[2]}:{words[4]}", f"{words[3]}:{words[5]}"
        else:
            rest = await self.reader.readexactly(11)
            header16 = first + rest
            length = struct.unpack("!H", header16[14:16])[0]
            body = await self.reader.readexactly(length)
            family = header16[13] >> 4
            if family == 1:
                src, dst, sport, dport = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8]), *struct.unpack("!HH", body[8:12])
            else:
                src = socket.inet_ntop(socket.AF_INET6, body[0:16])
                dst = socket.inet_ntop(socket.AF_INET6, body[16:32])
                sport, dport = struct.unpack("!HH", body[32:36])
            source, dest = f"{src}:{sport}", f"{dst}:{dport}"
        self.proxy_source = source
        emit("PROXY", self.id, source, dest)

    def describe(self, method, target, version, headers, body_length, body_sha256):
        return {"server": self.server.name, "conn": self.id, "seq": self.seq, "method": method, "target": target,
                "version": version, "headers": headers, "body_length": body_length, "body_sha256": body_sha256,
                "proxy_source": self.proxy_source}

    async def serve(self):
        if self.server.proxy_protocol:
            await self.read_proxy_header()
        while True:
            head = await read_head(self.reader)
            if head is None:
                return
            self.seq += 1
            if not await self.answer(*head):
                return

    async def answer(self, method, target, version, headers):
        path = target.split("?")[0]
        parts = path.strip("/").split("/")
        command, argument = parts[0], (parts[1] if len(parts) > 1 else "")

        if command == "reject-expect":
            emit("REQUEST", self.id, json.dumps(self.describe(method, target, version, headers, None, None)))
            await self.send(response_head(417, [("Content-Length", "0"), ("Connection", "close")]))
            return False
        if command == "ws":
            return await self.websocket(method, target, version, headers)
        if (header(headers, "expect") or "").lower() == "100-continue":
            await self.send(response_head(100, []))

        digest, length = hashlib.sha256(), 0
        if command == "echo":
            await self.send(response_head(200, [("Transfer-Encoding", "chunked")]))

        async def sink(piece):
            nonlocal length
            digest.update(piece)
            length += len(piece)
            if command == "echo":
                await self.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")

        await read_body(self.reader, headers, sink)
        description = self.describe(method, target, version, headers, length, digest.hexdigest())
        emit("REQUEST", self.id, json.dumps(description))
        if command == "echo":
            await self.send(b"0\r\n\r\n")
            return True
        if command == "sleep":
            await asyncio.sleep(int(argument) / 1000)
        if command == "drop" or (command == "fail-on" and argument == self.server.name):
            return False
        if command == "reset":
            self.writer.transport.get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return False
        if command == "hints":
            await self.send(response_head(103, [("Link", "</style.css>; rel=preload")]))
        if command == "size":
            n = int(argument)
            await self.send(response_head(200, [("Content-Length", str(n))]))
            if method != "HEAD":
                for piece in pattern_stream(n):
                    await self.send(piece)
            return True
        if command == "chunked":
            n = int(argument)
            await self.send(response_head(200, [("Transfer-Encoding", "chunked"), ("Trailer", "X-Checksum")]))
            body_digest = hashlib.sha256()
            for piece in pattern_stream(n, chunk=10000):
                body_digest.update(piece)
                await self.send(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            await self.send(f"0\r\nX-Checksum: {body_digest.hexdigest()}\r\n\r\n".encode())
            return True
        if command == "until-close":
            await self.send(response_head(200, [("Connection", "close")]))
            for piece in pattern_stream(int(argument)):
                await self.send(piece)
            return False
        if command == "drip":
            await self.send(response_head(200, [("Content-Length", "20")]) + b"0123456789")
            await asyncio.sleep(int(argument) / 1000)
            await self.send(b"abcdefghij")
            return True
        if command == "upload":
            body = json.dumps({"length": length, "sha256": digest.hexdigest()}).encode()
        else:
            body = json.dumps(description).encode()
        status = int(argument) if command == "status" else 200
        extra = [("Content-Type", "application/json"), ("Content-Length", str(len(body))),
                 ("X-Server", self.server.name), ("Server", "test-backend"), ("Keep-Alive", "timeout=60")]
        if status in (204, 304):
            extra = [(k, v) for k, v in extra if k != "Content-Length"]
            body = b""
        await self.send(response_head(status, extra) + (b"" if method == "HEAD" else body))
        return True

    async def websocket(self, method, target, version, headers):
        emit("REQUEST", self.id, json.dumps(self.describe(method, target, version, headers, 0, None)))
        key = header(headers, "sec-websocket-key") or ""
        if (header(headers, "upgrade") or "").lower() != "websocket":
            await self.send(response_head(400, [("Content-Length", "0")]))
            return True
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        await self.send(response_head(101, [("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                            ("Sec-WebSocket-Accept", accept)]))
        while True:
            first = await self.reader.readexactly(2)
            opcode, length = first[0] & 0x0F, first[1] & 0x7F
            if length == 126:
                length = struct.unpack("!H", await self.reader.readexactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
            mask = await self.reader.readexactly(4) if first[1] & 0x80 else b"\0\0\0\0"
            payload = bytearray(await self.reader.readexactly(length))
            for i in range(len(payload)):
                payload[i] ^= mask[i % 4]
            if opcode == 8:  # close: answer it and end
                await self.send(b"\x88\x00")
                return False
            out = bytes([0x80 | opcode])
            if len(payload) < 126:
                out += bytes([len(payload)])
            elif len(payload) < 65536:
                out += bytes([126]) + struct.pack("!H", len(payload))
            else:
                out += bytes([127]) + struct.pack("!Q", len(payload))
            await self.send(out + bytes(payload))


class Server:
    def __init__(self, name, proxy_protocol):
        self.name = name
        self.proxy_protocol = proxy_protocol
        self.next_id = 0

    async def handle(self, reader, writer):
        self.next_id += 1
        conn = Connection(self, self.next_id, reader, writer)
        peer = writer.get_extra_info("peername")
        emit("ACCEPT", conn.id, f"{peer[0]}:{peer[1]}")
        try:
            await conn.serve()
        except (ConnectionError, OSError, BadRequest, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except (ConnectionError, OSError):
                pass
            emit("CLOSE", conn.id)


async def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--proxy-protocol", action="store_true", help="every connection starts with a PROXY header")
    args = parser.parse_args()
    pattern_block()
    server_state = Server(args.name, args.proxy_protocol)
    sock = bind(args.port)
    server = await asyncio.start_server(server_state.handle, sock=sock, limit=READ_SIZE)
    emit("READY", sock.getsockname()[1])
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
