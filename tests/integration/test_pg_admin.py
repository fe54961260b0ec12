"""The admin socket's view of the PostgreSQL front: `show pools`, `show
clients` and `show databases`, in text and --json, agree with what the
clients and the server see (states, counts, BackendKeyData, server pids)."""
import time
import unittest

from fixtures import wait_for
from fixtures.pg_proxy import APP_PASSWORD, APP_USER, PostgresProxyTest, database
from fixtures.pg_wire import WireClient

POOL_FIELDS = {"database", "user", "target", "pool_mode", "clients_active", "clients_waiting", "clients_idle", "servers_active",
               "servers_idle", "servers_opening", "max_wait_ms", "transactions", "total_wait_ms"}
CLIENT_FIELDS = {"user", "database", "state", "address", "worker", "process_id", "connected_s", "server"}
DATABASE_FIELDS = {"database", "backend", "dbname", "pool_mode", "pool_size", "min_pool_size", "reserve_pool",
                   "max_db_connections", "max_client_conn", "clients", "servers"}


class AdminTest(PostgresProxyTest):
    def setUp(self):
        super().setUp()
        self.start_proxy(databases=[
            database(pool_mode="transaction", pool_size=2, query_wait_timeout="30s"),
            database("reports", dbname="app", pool_mode="session", pool_size=4, min_pool_size=1, reserve_pool=2,
                     max_db_connections=7, max_client_conn=9),
        ], workers=2)

    def client(self, dbname="app"):
        client = WireClient(self.port, timeout=15)
        self.addCleanup(client.close)
        client.login(APP_USER, APP_PASSWORD, dbname)
        return client

    def pool(self, dbname="app", name=APP_USER):
        rows = [r for r in self.sy.ctl_json("show", "pools") if (r["database"], r["user"]) == (dbname, name)]
        self.assertLessEqual(len(rows), 1, rows)
        return rows[0] if rows else None

    def busy_pool(self):
        """Two clients holding both servers in transactions, one waiting, one idle."""
        holders = [self.client(), self.client()]
        waiter, idle = self.client(), self.client()
        pids = []
        for holder in holders:
            holder.query("BEGIN")
            pids.append(int(holder.query("SELECT pg_backend_pid()")[0][0]))
        waiter.send_query("SELECT 'waited'")
        return holders, waiter, idle, pids

    def test_show_pools_counts_clients_and_servers(self):
        holders, waiter, idle, _ = self.busy_pool()
        expected = {"pool_mode": "transaction", "clients_active": 2, "clients_waiting": 1, "clients_idle": 1,
                    "servers_active": 2, "servers_idle": 0, "servers_opening": 0}

        def settled():
            row = self.pool()
            return row if row and {k: row[k] for k in expected} == expected else None

        try:
            row = wait_for(settled, 10, "show pools to show 2 active, 1 waiting, 1 idle client")
        except AssertionError:
            self.fail(f"show pools: {self.pool()}; expected {expected}")
        self.assertEqual(set(row), POOL_FIELDS)
        time.sleep(0.3)
        self.assertGreaterEqual(self.pool()["max_wait_ms"], 250)
        transactions_before = self.pool()["transactions"]
        for holder in holders:
            holder.query("COMMIT")
        self.assertEqual(waiter.read_until_ready()[0], [("waited",)])
        row = wait_for(lambda: (r := self.pool()) and r["clients_waiting"] == 0 and r["clients_active"] == 0 and r,
                       10, "the pool to go idle")
        self.assertEqual((row["clients_idle"], row["servers_active"]), (4, 0))
        # Idle servers stay, unless one was closed to hand its slot to the other worker.
        self.assertIn(row["servers_idle"], (1, 2))
        wait_for(lambda: self.pool()["servers_idle"] == len(self.pg.backends(user=APP_USER)), 10,
                 "show pools' idle servers to match the server's connections")
        self.assertEqual(row["max_wait_ms"], 0)
        self.assertGreaterEqual(row["transactions"] - transactions_before, 3)
        self.assertGreaterEqual(row["total_wait_ms"], 250)
        # the text form has the same columns and values
        text = self.sy.ctl_ok("show", "pools").splitlines()
        self.assertEqual(text[0].split(), ["database", "user", "target", "pool_mode", "clients_active", "clients_waiting",
                                           "clients_idle", "servers_active", "servers_idle", "servers_opening",
                                           "max_wait_ms", "transactions", "total_wait_ms"])
        row = self.pool()
        self.assertIn([str(row[k]) for k in ("database", "user", "target", "pool_mode", "clients_active", "clients_waiting",
                                             "clients_idle", "servers_active", "servers_idle", "servers_opening")],
                      [line.split()[:10] for line in text[1:]])

    def test_show_clients_lists_each_client_with_its_key_and_server(self):
        holders, waiter, idle, pids = self.busy_pool()
        clients = {"holder0": holders[0], "holder1": holders[1], "waiter": waiter, "idle": idle}

        def by_address():
            return {row["address"]: row for row in self.sy.ctl_json("show", "clients")}

        def settled():
            rows = by_address()
            states = {name: rows.get("%s:%d" % c.sock.getsockname(), {}).get("state") for name, c in clients.items()}
            return rows if states == {"holder0": "active", "holder1": "active", "waiter": "waiting",
                                      "idle": "idle"} else None

        try:
            rows = wait_for(settled, 10, "show clients to show the four clients in their states")
        except AssertionError:
            self.fail(f"show clients: {by_address()}")
        self.assertEqual(len(rows), 4)
        for name, client in clients.items():
            row = rows["%s:%d" % client.sock.getsockname()]
            self.assertEqual(set(row), CLIENT_FIELDS)
            self.assertEqual((row["user"], row["database"]), (APP_USER, "app"))
            self.assertEqual(row["process_id"], client.backend_key[0], f"{name}: not its BackendKeyData")
            self.assertIn(row["worker"], (0, 1))
            self.assertGreaterEqual(row["connected_s"], 0)
        for holder, pid in zip(holders, pids):
            self.assertEqual(rows["%s:%d" % holder.sock.getsockname()]["server"], f"pg/pg1:{pid}")
        self.assertEqual(rows["%s:%d" % idle.sock.getsockname()]["server"], "-")
        text = self.sy.ctl_ok("show", "clients").splitlines()
        self.assertEqual(text[0].split(), ["user", "database", "state", "address", "worker", "process_id",
                                           "connected_s", "server"])
        self.assertEqual(len(text) - 1, 4)
        for holder in holders:
            holder.query("COMMIT")

    def test_show_databases_shows_settings_and_counts(self):
        app_clients = [self.client(), self.client()]
        reports = self.client("reports")
        for client in app_clients + [reports]:
            client.query("SELECT 1")
        rows = {row["database"]: row for row in self.sy.ctl_json("show", "databases")}
        self.assertEqual(set(rows), {"app", "reports"})
        for row in rows.values():
            self.assertEqual(set(row), DATABASE_FIELDS)
        self.assertEqual({k: rows["reports"][k] for k in DATABASE_FIELDS - {"clients", "servers"}},
                         {"database": "reports", "backend": "pg", "dbname": "app", "pool_mode": "session",
                          "pool_size": 4, "min_pool_size": 1, "reserve_pool": 2, "max_db_connections": 7,
                          "max_client_conn": 9})
        self.assertEqual((rows["app"]["pool_mode"], rows["app"]["pool_size"], rows["app"]["dbname"]),
                         ("transaction", 2, "app"))
        self.assertEqual((rows["app"]["clients"], rows["reports"]["clients"]), (2, 1))
        self.assertLessEqual(rows["app"]["servers"], 2)
        self.assertEqual(rows["reports"]["servers"], 1)  # the session client's own server
        self.assertEqual(rows["app"]["servers"] + rows["reports"]["servers"], len(self.pg.backends(user=APP_USER)))
        reports.terminate()
        wait_for(lambda: {r["database"]: r["clients"] for r in self.sy.ctl_json("show", "databases")}["reports"] == 0,
                 10, "the reports client to be gone from show databases")
        text = self.sy.ctl_ok("show", "databases").splitlines()
        self.assertEqual(text[0].split(), ["database", "backend", "dbname", "pool_mode", "pool_size", "min_pool_size",
                                           "reserve_pool", "max_db_connections", "max_client_conn", "clients",
                                           "servers"])
        self.assertIn(["reports", "pg", "app", "session", "4", "1", "2", "7", "9"],
                      [line.split()[:9] for line in text[1:]])


if __name__ == "__main__":
    unittest.main()
