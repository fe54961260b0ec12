"""COPY streams through the proxy: 100 MB in (COPY FROM STDIN) and 100 MB
out (COPY TO STDOUT), every byte checked on both ends, while the proxy's
memory stays bounded (it streams instead of buffering a whole COPY), and
the connection is usable afterwards."""
import hashlib
import unittest

from fixtures import RssSampler
from fixtures.pg_proxy import PostgresProxyTest, database

TRANSFER = 100 * 1024 * 1024
# Each row: "<id>\t<3 x md5(id) in hex>\n", about 105 bytes.
ROWS = TRANSFER // 105
# As for the TCP relay: the proxy holds a high-water mark of data per
# direction; 32 MiB of growth is far below the 100 MB that pass through.
RSS_GROWTH_LIMIT_KB = 32 * 1024


def row_text(i):
    digest = hashlib.md5(str(i).encode()).hexdigest()
    return f"{i}\t{digest * 3}\n"


def copy_stream(rows, chunk_rows=5000):
    """The COPY text of rows 1..rows, in chunks of bytes."""
    for start in range(1, rows + 1, chunk_rows):
        yield "".join(row_text(i) for i in range(start, min(start + chunk_rows, rows + 1))).encode()


class CopyTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        pg.sql("CREATE UNLOGGED TABLE copy_in (id int, data text)", dbname="app")
        pg.sql("ALTER TABLE copy_in OWNER TO app", dbname="app")

    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=2)], workers=2)

    def assert_memory_bounded(self, sampler, start_kb):
        self.assertGreaterEqual(len(sampler.samples), 3, "RSS was not sampled during the transfer")
        growth = sampler.peak_kb - start_kb
        self.assertLess(growth, RSS_GROWTH_LIMIT_KB,
                        f"proxy RSS grew by {growth} KiB (from {start_kb} KiB) during the COPY")

    def test_copy_from_stdin_100_mb(self):
        conn = self.connect()
        conn.execute("TRUNCATE copy_in")
        sent = hashlib.sha256()
        size = 0
        start_kb = self.sy.rss_kb()
        with RssSampler(self.sy.rss_kb, interval=0.01) as rss:
            with conn.cursor() as cur:
                with cur.copy("COPY copy_in (id, data) FROM STDIN") as copy:
                    for chunk in copy_stream(ROWS):
                        sent.update(chunk)
                        size += len(chunk)
                        copy.write(chunk)
                self.assertEqual(cur.rowcount, ROWS)
        self.assertGreaterEqual(size, 95 * 1024 * 1024)
        # The server's side: every row there once, with exactly the bytes sent.
        count, distinct, low, high, bad, total = self.pg.sql(
            "SELECT count(*), count(DISTINCT id), min(id), max(id), "
            "count(*) FILTER (WHERE data IS DISTINCT FROM repeat(md5(id::text), 3)), "
            "sum(length(id::text) + length(data) + 2) FROM copy_in", dbname="app")[0]
        self.assertEqual((count, distinct, low, high, bad), (ROWS, ROWS, 1, ROWS, 0))
        self.assertEqual(total, size, "the server holds another number of bytes than were sent")
        # and re-reading it in the same order gives the same digest
        server_digest = self.pg.value(
            "SELECT encode(sha256(convert_to(string_agg(id || E'\\t' || data || E'\\n', '' ORDER BY id), 'UTF8')), "
            "'hex') FROM copy_in", dbname="app")
        self.assertEqual(server_digest, sent.hexdigest())
        self.assert_memory_bounded(rss, start_kb)
        self.assertEqual(conn.execute("SELECT 'after copy'").fetchone()[0], "after copy")

    def test_copy_to_stdout_100_mb(self):
        expected = hashlib.sha256()
        for chunk in copy_stream(ROWS):
            expected.update(chunk)
        conn = self.connect()
        received = hashlib.sha256()
        size = 0
        start_kb = self.sy.rss_kb()
        with RssSampler(self.sy.rss_kb, interval=0.01) as rss:
            with conn.cursor() as cur:
                with cur.copy(f"COPY (SELECT i, repeat(md5(i::text), 3) FROM generate_series(1, {ROWS}) i) "
                              "TO STDOUT") as copy:
                    for data in copy:
                        received.update(data)
                        size += len(data)
        self.assertGreaterEqual(size, 95 * 1024 * 1024)
        self.assertEqual(received.hexdigest(), expected.hexdigest(), f"{size} bytes received differ")
        self.assert_memory_bounded(rss, start_kb)
        self.assertEqual(conn.execute("SELECT 'after copy'").fetchone()[0], "after copy")

    def test_copy_error_mid_stream_leaves_the_connection_usable(self):
        conn = self.connect()
        import psycopg
        with self.assertRaises(psycopg.errors.InvalidTextRepresentation):
            with conn.cursor() as cur:
                with cur.copy("COPY copy_in (id, data) FROM STDIN") as copy:
                    copy.write(b"1\tok\nnot-a-number\tbad\n")
        self.assertEqual(conn.execute("SELECT 1").fetchone()[0], 1)


if __name__ == "__main__":
    unittest.main()
