# The "is this node the primary?" HTTP endpoint that HAProxy checks in the
# failover suite (HAProxy 2.6 cannot speak SQL; in production Patroni's REST API
# plays this part): GET anything -> 200 when pg_is_in_recovery() is false,
# 503 when it is true or the server does not answer. One agent per node.
# Usage: pg_role_agent.py LISTEN_PORT PG_PORT PASSWORD   (logs in as postgres over 127.0.0.1)
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

import psycopg2


class RoleCheck:
    """One kept connection to the node (re-opened after any failure), as a real agent would."""

    def __init__(self, pg_port, password):
        self.dsn = (f"host=127.0.0.1 port={pg_port} user=postgres password={password} dbname=postgres "
                    "connect_timeout=1 options='-c statement_timeout=1000'")
        self.conn = None

    def role(self):
        try:
            if self.conn is None:
                self.conn = psycopg2.connect(self.dsn)
                self.conn.autocommit = True
            with self.conn.cursor() as cur:
                cur.execute("SELECT pg_is_in_recovery()")
                return "replica" if cur.fetchone()[0] else "primary"
        except psycopg2.Error as error:
            if self.conn is not None:
                self.conn.close()
            self.conn = None
            return "unreachable: " + str(error).strip().splitlines()[0]


def main():
    listen_port, pg_port, password = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    check = RoleCheck(pg_port, password)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            role = check.role()
            body = (role + "\n").encode()
            self.send_response(200 if role == "primary" else 503)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_OPTIONS = do_GET  # HAProxy's httpchk default method

        def log_message(self, *args):  # one line per check would drown the log
            pass

    HTTPServer(("127.0.0.1", listen_port), Handler).serve_forever()


if __name__ == "__main__":
    main()
