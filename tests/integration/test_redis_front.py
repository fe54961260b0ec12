"""The Redis front (protocol = "redis") against a real redis-server, with
redis-py, redis-cli, redis-benchmark and a raw RESP client: pipelines,
transactions and WATCH on dedicated connections, blocking commands beside
other clients, pub/sub in RESP2 and RESP3, SELECT isolation, big values,
the output limit, protocol errors, and what drivers send at connect."""
import hashlib
import subprocess
import threading
import time
import unittest

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import RedisServer
from fixtures.resp_client import RespClient


def front_config(server, listener_redis=None, backend_redis=None, workers=1):
    listener = {"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache"}
    if listener_redis:
        listener["redis"] = listener_redis
    backend = {"name": "cache", "server": [{"name": "r1", "address": server.address}]}
    if backend_redis:
        backend["redis"] = backend_redis
    return {"global": {"workers": workers, "shutdown_timeout": "2s", "log_level": "info"},
            "listener": [listener], "backend": [backend]}


class RedisFrontTest(IntegrationTest):
    listener_redis = {"max_output": "1MiB"}

    def setUp(self):
        super().setUp()
        self.server = self._own(RedisServer(self.workdir, "redis")).start()
        self.sy = self.start_switchyard(front_config(self.server, self.listener_redis))
        self.port = self.sy.port("cache")

    def client(self, **kw):
        kw.setdefault("socket_timeout", 5)
        return redis.Redis(host="127.0.0.1", port=self.port, **kw)

    def raw(self):
        client = RespClient(self.port)
        self.addCleanup(client.close)
        return client

    def test_pipelines_of_thousands_of_commands_from_two_clients_get_their_own_replies(self):
        results = {}

        def run(name):
            pipe = self.client().pipeline(transaction=False)
            for i in range(3000):
                pipe.set(f"{name}:{i}", f"{name}-{i}")
                pipe.get(f"{name}:{i}")
            results[name] = pipe.execute()
        threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for name in ("a", "b"):
            replies = results[name]
            self.assertEqual(len(replies), 6000)
            self.assertEqual(replies[0::2], [True] * 3000)
            self.assertEqual(replies[1::2], [f"{name}-{i}".encode() for i in range(3000)])
        self.assertEqual(self.server.client().get("b:2999"), b"b-2999")

    def test_multi_is_isolated_from_another_client_on_the_shared_connections(self):
        a, b = self.raw(), self.raw()
        self.assertEqual(a.call("MULTI"), "OK")
        self.assertEqual(a.call("INCR", "counter"), "QUEUED")
        # B's command is not queued in A's transaction: it runs at once.
        self.assertEqual(b.call("SET", "counter", "100"), "OK")
        self.assertEqual(b.call("GET", "counter"), b"100")
        self.assertEqual(a.call("INCR", "counter"), "QUEUED")
        self.assertEqual(a.call("EXEC"), [101, 102])
        self.assertEqual(b.call("GET", "counter"), b"102")
        # After EXEC, A is back to normal commands.
        self.assertEqual(a.call("GET", "counter"), b"102")

    def test_watch_detects_a_conflicting_write_from_another_client(self):
        a, b = self.raw(), self.raw()
        self.assertEqual(a.call("SET", "balance", "10"), "OK")
        self.assertEqual(a.call("WATCH", "balance"), "OK")
        self.assertEqual(b.call("SET", "balance", "20"), "OK")
        self.assertEqual(a.call("MULTI"), "OK")
        self.assertEqual(a.call("SET", "balance", "11"), "QUEUED")
        self.assertIsNone(a.call("EXEC"))
        self.assertEqual(b.call("GET", "balance"), b"20")
        # Without a conflict the same transaction commits.
        self.assertEqual(a.call("WATCH", "balance"), "OK")
        self.assertEqual(a.call("MULTI"), "OK")
        self.assertEqual(a.call("SET", "balance", "21"), "QUEUED")
        self.assertEqual(a.call("EXEC"), ["OK"])
        self.assertEqual(b.call("GET", "balance"), b"21")

    def test_a_client_killed_inside_multi_or_watch_leaves_nothing_behind(self):
        for _ in range(3):
            a = RespClient(self.port)
            self.assertEqual(a.call("WATCH", "w"), "OK")
            self.assertEqual(a.call("MULTI"), "OK")
            self.assertEqual(a.call("SET", "leak", "1"), "QUEUED")
            a.close()
        b = self.raw()
        # No transaction or watch is open for anyone else, and nothing ran.
        self.assertEqual(b.call("EXEC"), ("error", "ERR EXEC without MULTI"))
        self.assertIsNone(b.call("GET", "leak"))
        wait_for(lambda: self.server.client().info("clients")["connected_clients"] <= 4, 5,
                 "the dedicated connections to close")

    def test_dedicated_connections_are_renewed_and_reused_once_their_state_ends(self):
        def connections_made():  # by the front (the health checks connect too)
            return self.sy.server("cache", "r1")["total"]
        self.assertIsNone(self.raw().call("GET", "x"))  # the shared connection is open
        a = self.raw()
        self.assertEqual(a.call("SELECT", "5"), "OK")
        self.assertEqual(a.call("SET", "in-db-5", "1"), "OK")
        # A SELECT inside MULTI moves the server connection to db 7 at EXEC:
        # state the proxy does not track, which RESET clears.
        self.assertEqual(a.call("WATCH", "w"), "OK")
        self.assertEqual(a.call("MULTI"), "OK")
        self.assertEqual(a.call("SELECT", "7"), "QUEUED")
        self.assertEqual(a.call("SET", "in-db-7", "1"), "QUEUED")
        self.assertEqual(a.call("EXEC"), ["OK", "OK"])
        self.assertIsNone(a.call("BLPOP", "empty", "0.05"))
        before = connections_made()
        for n in range(30):
            client = RespClient(self.port)
            self.assertEqual(client.call("MULTI"), "OK")
            self.assertEqual(client.call("INCR", "n"), "QUEUED")
            self.assertEqual(client.call("EXEC"), [n + 1])
            self.assertIsNone(client.call("BLPOP", "empty", "0.01"))
            client.close()
        # Every transaction and blocking command reused the one renewed connection.
        self.assertEqual(connections_made() - before, 0)
        # Renewed means clean: each client is in its own db, with no WATCH
        # (w changes now) or MULTI left.
        self.server.client().set("w", "changed")
        b = self.raw()
        self.assertEqual(b.call("MULTI"), "OK")
        self.assertEqual(b.call("GET", "in-db-5"), "QUEUED")
        self.assertEqual(b.call("EXEC"), [None])
        in_5 = self.raw()
        self.assertEqual(in_5.call("SELECT", "5"), "OK")
        self.assertEqual(in_5.call("MULTI"), "OK")
        self.assertEqual(in_5.call("GET", "in-db-5"), "QUEUED")
        self.assertEqual(in_5.call("EXEC"), [b"1"])
        others = [row for row in self.server.client().client_list() if row.get("cmd") != "client|list"]
        self.assertTrue(others)
        for row in others:
            self.assertEqual(row["multi"], "-1", row)  # (shared connections stay in the db they last used)
        # RESP3 clients get connections of their own kind.
        resp3 = self.raw()
        self.assertEqual(resp3.call("HELLO", "3")["proto"], 3)
        self.assertEqual(resp3.call("MULTI"), "OK")
        self.assertEqual(resp3.call("HGETALL", "none"), "QUEUED")
        self.assertEqual(resp3.call("EXEC"), [{}])
        c = self.raw()
        self.assertEqual(c.call("MULTI"), "OK")
        self.assertEqual(c.call("HGETALL", "none"), "QUEUED")
        self.assertEqual(c.call("EXEC"), [[]])

    def test_blpop_waits_on_its_own_connection_while_other_clients_go_on(self):
        popped = {}

        def pop():
            popped["value"] = self.client(socket_timeout=10).blpop("queue", timeout=8)
        thread = threading.Thread(target=pop)
        thread.start()
        time.sleep(0.3)
        other = self.client()
        started = time.monotonic()
        for i in range(200):
            other.set(f"k{i}", i)
            self.assertEqual(other.get(f"k{i}"), str(i).encode())
        self.assertLess(time.monotonic() - started, 3, "other clients waited behind BLPOP")
        other.lpush("queue", "job-1")
        thread.join(10)
        self.assertEqual(popped["value"], (b"queue", b"job-1"))

    def test_pubsub_in_resp2_counts_every_message(self):
        subscriber = self.client().pubsub()
        subscriber.subscribe("news")
        wait_for(lambda: (subscriber.get_message(timeout=0.2) or {}).get("type") == "subscribe", 5, "subscribe")
        publisher = self.client()
        wait_for(lambda: publisher.pubsub_numsub("news")[0][1] == 1, 5, "the subscription to be seen")
        for i in range(50):
            self.assertEqual(publisher.publish("news", f"m{i}"), 1)
        got = []
        deadline = time.monotonic() + 10
        while len(got) < 50 and time.monotonic() < deadline:
            message = subscriber.get_message(timeout=0.5)
            if message and message["type"] == "message":
                got.append(message["data"])
        self.assertEqual(got, [f"m{i}".encode() for i in range(50)])
        # The publisher's own connection never saw a push.
        self.assertEqual(publisher.ping(), True)

    def test_pubsub_in_resp3_sends_push_frames_and_replies_apart(self):
        sub = self.raw()
        hello = sub.call("HELLO", "3")
        self.assertEqual(hello["proto"], 3)
        self.assertEqual(hello["role"], b"master")
        self.assertEqual(sub.call("SUBSCRIBE", "ch"), ("push", [b"subscribe", b"ch", 1]))
        # RESP3 lets a subscriber run normal commands: their replies are not pushes.
        self.assertEqual(sub.call("SET", "resp3", "x"), "OK")
        publisher = self.raw()
        for i in range(20):
            self.assertEqual(publisher.call("PUBLISH", "ch", f"p{i}"), 1)
        pushes = [sub.read() for _ in range(20)]
        self.assertEqual(pushes, [("push", [b"message", b"ch", f"p{i}".encode()]) for i in range(20)])
        self.assertEqual(sub.call("GET", "resp3"), b"x")

    def test_select_is_honoured_per_client_on_shared_connections(self):
        one, zero = self.raw(), self.raw()
        self.assertEqual(one.call("SELECT", "1"), "OK")
        for i in range(50):
            self.assertEqual(one.call("SET", f"s{i}", "db1"), "OK")
            self.assertIsNone(zero.call("GET", f"s{i}"))
        self.assertEqual(self.server.client(db=1).get("s49"), b"db1")
        self.assertIsNone(self.server.client(db=0).get("s49"))
        self.assertEqual(zero.call("SELECT", "16"), ("error", "ERR DB index is out of range"))
        self.assertEqual(zero.call("SELECT", "x"), ("error", "ERR value is not an integer or out of range"))

    def test_values_of_twenty_megabytes_round_trip_intact(self):
        client = self.client(socket_timeout=30)
        value = hashlib.sha256(b"seed").digest() * (21 * 1024 * 1024 // 32)
        self.assertTrue(client.set("big", value))
        self.assertEqual(hashlib.sha256(client.get("big")).hexdigest(), hashlib.sha256(value).hexdigest())
        self.assertEqual(self.server.client().strlen("big"), len(value))

    def test_a_client_that_stops_reading_is_cut_off_while_others_go_on(self):
        self.server.client().set("blob", b"x" * (256 * 1024))
        mark = self.sy.log_mark()
        slow = self.raw()
        for _ in range(20):
            slow.send_raw(b"GET blob\r\n" * 10)  # 50 MiB of replies asked for, none read
        self.sy.wait_for_log(r"redis client .*disconnected: \d+ reply bytes unread, above max_output", 10, after=mark)
        self.assertTrue(slow.closed_by_peer(10))
        self.assertEqual(self.client().get("blob"), b"x" * (256 * 1024))

    def test_bad_resp_gets_a_protocol_error_and_the_connection_closes(self):
        bad = self.raw()
        bad.send_raw(b"PING\r\n*1\r\n$x\r\n")
        self.assertEqual(bad.read(), "PONG")
        self.assertEqual(bad.read(), ("error", "ERR Protocol error: invalid bulk length"))
        self.assertTrue(bad.closed_by_peer(5))
        self.assertTrue(self.client().ping())

    def test_unknown_and_unsupported_commands_get_redis_errors_and_the_connection_stays(self):
        client = self.raw()
        self.assertEqual(client.call("MONITOR"),
                         ("error", "ERR unknown command 'MONITOR', with args beginning with: "))
        self.assertEqual(client.call("NOSUCH", "a", "b"),
                         ("error", "ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' "))
        self.assertEqual(client.call("GET"), ("error", "ERR wrong number of arguments for 'get' command"))
        self.assertEqual(client.call("PING"), "PONG")

    def test_what_drivers_send_at_connect_is_answered(self):
        client = self.raw()
        hello = client.call("HELLO", "3", "SETNAME", "worker-7")
        self.assertEqual((hello["server"], hello["proto"], hello["mode"]), (b"redis", 3, b"standalone"))
        self.assertEqual(client.call("CLIENT", "GETNAME"), b"worker-7")
        self.assertEqual(client.call("CLIENT", "SETINFO", "LIB-NAME", "redis-py"), "OK")
        client_id = client.call("CLIENT", "ID")
        self.assertIsInstance(client_id, int)
        info = client.call("CLIENT", "INFO").decode()
        self.assertIn(f"id={client_id} ", info)
        self.assertIn("name=worker-7", info)
        self.assertIn("resp=3", info)
        self.assertIn("lib-name=redis-py", info)
        self.assertEqual(client.call("ECHO", "hi"), b"hi")
        self.assertEqual(client.call("PING", "x"), b"x")
        server_info = client.call("INFO", "server").decode()
        self.assertIn("redis_version:", server_info)
        self.assertIn("role:master", client.call("INFO", "replication").decode())
        self.assertIsInstance(client.call("COMMAND", "COUNT"), int)
        self.assertEqual(client.call("RESET"), "RESET")
        self.assertEqual(client.call("CLIENT", "GETNAME"), None)
        self.assertEqual(client.call("HELLO", "4"), ("error", "NOPROTO unsupported protocol version"))
        self.assertEqual(client.call("QUIT"), "OK")
        self.assertTrue(client.closed_by_peer(5))

    def test_inline_commands_and_redis_cli(self):
        client = self.raw()
        client.send_raw(b'SET inline "two words"\r\nGET inline\r\n')
        self.assertEqual(client.read(), "OK")
        self.assertEqual(client.read(), b"two words")
        out = subprocess.run(["redis-cli", "-p", str(self.port), "-3", "HGETALL", "nothing"], capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.returncode, 0, out.stderr)
        out = subprocess.run(["redis-cli", "-p", str(self.port), "-n", "2", "SET", "cli", "v"], capture_output=True,
                             text=True, timeout=10)
        self.assertEqual(out.stdout.strip(), "OK")
        self.assertEqual(self.server.client(db=2).get("cli"), b"v")

    def test_redis_benchmark_runs_through_the_front(self):
        out = subprocess.run(["redis-benchmark", "-p", str(self.port), "-t", "set,get,lpush,lpop", "-n", "4000",
                              "-c", "20", "-P", "16", "-q", "--csv"], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = [line for line in out.stdout.splitlines() if line.startswith('"') and not line.startswith('"test"')]
        self.assertEqual(len(rows), 4, out.stdout)
        for row in rows:
            self.assertGreater(float(row.split(",")[1].strip('"')), 0, row)
        self.assertTrue(self.client().ping())

    def test_a_server_restart_fails_commands_in_flight_then_clients_go_on(self):
        client = RespClient(self.port, timeout=15)
        self.addCleanup(client.close)
        self.assertEqual(client.call("SET", "r", "1"), "OK")
        blocked = self.raw()
        blocked.send("BLPOP", "never", "0")
        time.sleep(0.2)
        self.server.kill()
        # The blocked client held state on the dead server: its connection closes.
        self.assertTrue(blocked.closed_by_peer(5))
        # No server: after failover_timeout (5 s by default) the command gets an error, the client stays.
        reply = client.call("GET", "r")
        self.assertEqual(reply, ("error", "ERR switchyard: no master available for backend cache"))
        self.server.launch()
        wait_for(lambda: client.call("SET", "r", "2") == "OK", 15, "writes after the restart")
        self.assertEqual(self.server.client().get("r"), b"2")

    def test_shutdown_ends_subscribers_blocked_and_idle_clients_in_time(self):
        subscriber, blocked, idle = self.raw(), self.raw(), self.raw()
        self.assertEqual(subscriber.call("SUBSCRIBE", "ch"), [b"subscribe", b"ch", 1])
        blocked.send("BLPOP", "never", "0")
        self.assertEqual(idle.call("PING"), "PONG")
        time.sleep(0.2)
        started = time.monotonic()
        self.assertEqual(self.sy.stop(timeout=10), 0)
        self.assertLess(time.monotonic() - started, 4, "shutdown_timeout is 2s")
        for client in (subscriber, blocked, idle):
            self.assertTrue(client.closed_by_peer(2))


class RedisFrontAuthTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self._own(RedisServer(self.workdir, "redis", password="server-secret")).start()
        self.sy = self.start_switchyard(front_config(self.server, {"password": "client-secret"},
                                                     {"password": "server-secret"}))
        self.port = self.sy.port("cache")

    def test_clients_authenticate_to_switchyard_and_switchyard_to_the_server(self):
        client = RespClient(self.port)
        self.addCleanup(client.close)
        self.assertEqual(client.call("GET", "k"), ("error", "NOAUTH Authentication required."))
        self.assertEqual(client.call("AUTH", "server-secret"),
                         ("error", "WRONGPASS invalid username-password pair or user is disabled."))
        self.assertEqual(client.call("AUTH", "default", "client-secret"), "OK")
        self.assertEqual(client.call("SET", "k", "v"), "OK")
        self.assertEqual(self.server.client().get("k"), b"v")
        other = RespClient(self.port)
        self.addCleanup(other.close)
        hello = other.call("HELLO", "3", "AUTH", "default", "client-secret")
        self.assertEqual(hello["proto"], 3)
        self.assertEqual(other.call("GET", "k"), b"v")
        driver = redis.Redis(host="127.0.0.1", port=self.port, password="client-secret", socket_timeout=5)
        self.assertEqual(driver.get("k"), b"v")


if __name__ == "__main__":
    unittest.main()
