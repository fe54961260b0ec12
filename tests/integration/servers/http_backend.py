#!/usr/bin/python3
"""A scriptable HTTP server for the health-check tests.

It binds 127.0.0.1 (port 0 unless --port is given) and prints "READY <port>".
Every request answers with the current behaviour: a status, a body, after a
delay. The test changes the behaviour, and reads what the checker sent,
through two control paths that are never health-checked:

    GET /_set?status=503&body=degraded&delay=2.5   sets the behaviour
    GET /_last                                      JSON of the last other request:
                                                    {"method", "path", "host", "count"}
"""
import argparse
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state = {"status": 200, "body": "ok", "delay": 0.0}
last = {"method": None, "path": None, "host": None, "count": 0}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _answer(self, status, body, head=False):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if not head:
            self.wfile.write(data)
        self.close_connection = True

    def _serve(self, head=False):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_set":
            query = urllib.parse.parse_qs(url.query)
            with lock:
                if "status" in query:
                    state["status"] = int(query["status"][0])
                if "body" in query:
                    state["body"] = query["body"][0]
                if "delay" in query:
                    state["delay"] = float(query["delay"][0])
            return self._answer(200, "set")
        if url.path == "/_last":
            with lock:
                return self._answer(200, json.dumps(last))
        with lock:
            last.update(method=self.command, path=self.path, host=self.headers.get("Host"), count=last["count"] + 1)
            status, body, delay = state["status"], state["body"], state["delay"]
        if delay:
            time.sleep(delay)
        try:
            self._answer(status, body, head)
        except OSError:
            pass  # the checker gave up waiting and closed

    def do_GET(self):
        self._serve()

    def do_HEAD(self):
        self._serve(head=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"READY {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    sys.exit(0)


if __name__ == "__main__":
    main()
