"""pgbench through the proxy: many clients over a small transaction pool in
each query mode (simple, extended, prepared), and session mode. Every
transaction must succeed, each must leave exactly one pgbench_history row,
the TPC-B balances must add up, and the server must never see more
connections than the pool allows."""
import re
import subprocess
import threading
import unittest

from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PG_BIN, PostgresProxyTest, client_env, database

CLIENTS = 50
TRANSACTIONS_PER_CLIENT = 20
POOL_SIZE = 5


class ServerConnectionPeak:
    """Samples how many backends the server has for `user` while a run goes on."""

    def __init__(self, pg, user):
        self.pg, self.user = pg, user
        self.peak = 0
        self.samples = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, len(self.pg.backends(user=self.user)))
                self.samples += 1
            except Exception:  # noqa: BLE001 - a sample lost to load is fine
                pass
            self._stop.wait(0.1)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=10)


class PgbenchTest(PostgresProxyTest):
    @classmethod
    def prepare_server(cls, pg):
        # Initialise once through a session-mode database of a throwaway proxy
        # would be slower; the tables are made directly and the runs go through
        # the proxy. (test_pgbench_initialises_through_the_proxy covers -i.)
        result = subprocess.run([f"{PG_BIN}/pgbench", "-i", "-s", "1", "-q", "-h", str(pg.socket_dir),
                                 "-p", str(pg.port), "-U", APP_USER, "app"],
                                capture_output=True, text=True, timeout=120, env=client_env())
        if result.returncode != 0:
            raise RuntimeError(f"pgbench -i failed: {result.stderr}")

    def pgbench(self, *args, timeout=180):
        command = [f"{PG_BIN}/pgbench", "-h", "127.0.0.1", "-p", str(self.port), "-U", APP_USER, *args, "app"]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              env=client_env(APP_PASSWORD))

    def history_rows(self):
        return self.pg.value("SELECT count(*) FROM pgbench_history", dbname="app")

    def assert_run(self, mode, clients, transactions_per_client, pool_size):
        before = self.history_rows()
        with ServerConnectionPeak(self.pg, APP_USER) as peak:
            result = self.pgbench("-n", "-M", mode, "-c", str(clients), "-j", "2", "-t",
                                  str(transactions_per_client))
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, f"pgbench -M {mode} failed:\n{output}")
        expected = clients * transactions_per_client
        processed = re.search(r"number of transactions actually processed: (\d+)/(\d+)", output)
        failed = re.search(r"number of failed transactions: (\d+)", output)
        self.assertIsNotNone(processed, output)
        self.assertEqual((int(processed.group(1)), int(processed.group(2))), (expected, expected), output)
        self.assertEqual(int(failed.group(1)) if failed else 0, 0, output)
        self.assertNotIn("error", result.stderr.lower(), result.stderr)
        self.assertEqual(self.history_rows() - before, expected,
                         "pgbench_history rows added differ from the transactions pgbench counted")
        balances = self.pg.sql("SELECT (SELECT sum(abalance) FROM pgbench_accounts), "
                               "(SELECT sum(tbalance) FROM pgbench_tellers), "
                               "(SELECT sum(bbalance) FROM pgbench_branches), "
                               "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)", dbname="app")[0]
        self.assertEqual(len(set(balances)), 1, f"TPC-B balances disagree (accounts, tellers, branches, "
                                                f"history): {balances}")
        self.assertGreater(peak.samples, 0)
        self.assertLessEqual(peak.peak, pool_size, f"the server saw {peak.peak} connections of {APP_USER}, "
                                                   f"pool_size is {pool_size}")
        return output


class TransactionModeTest(PgbenchTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="transaction", pool_size=POOL_SIZE)], workers=2)

    def test_simple_protocol_50_clients_over_5_servers(self):
        self.assert_run("simple", CLIENTS, TRANSACTIONS_PER_CLIENT, POOL_SIZE)

    def test_extended_protocol_50_clients_over_5_servers(self):
        self.assert_run("extended", CLIENTS, TRANSACTIONS_PER_CLIENT, POOL_SIZE)

    def test_prepared_statements_50_clients_over_5_servers(self):
        self.assert_run("prepared", CLIENTS, TRANSACTIONS_PER_CLIENT, POOL_SIZE)

    def test_select_only_prepared_for_a_few_seconds(self):
        result = self.pgbench("-n", "-S", "-M", "prepared", "-c", str(CLIENTS), "-j", "2", "-T", "3")
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        processed = int(re.search(r"number of transactions actually processed: (\d+)", output).group(1))
        self.assertGreater(processed, 1000, output)
        self.assertIn("number of failed transactions: 0 ", output)

    def test_pgbench_initialises_through_the_proxy(self):
        result = self.pgbench("-i", "-s", "1", "-q", "-I", "dtgvp")
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(self.pg.value("SELECT count(*) FROM pgbench_accounts", dbname="app"), 100000)
        self.assertEqual(self.history_rows(), 0)


class SessionModeTest(PgbenchTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[database(pool_mode="session", pool_size=POOL_SIZE)], workers=2)

    def test_session_mode_5_clients_in_each_protocol(self):
        for mode in ("simple", "extended", "prepared"):
            with self.subTest(mode=mode):
                self.assert_run(mode, POOL_SIZE, 40, POOL_SIZE)


if __name__ == "__main__":
    unittest.main()
