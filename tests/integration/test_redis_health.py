"""Redis health checks (type = "redis"): AUTH, PING and ROLE against real
redis-server processes (a master and its replica). `show servers` gives each
server's role (primary for the master, replica) and, in last_check, what ROLE
said with the replication offset; a killed master is DOWN after `fall`
checks; a replica promoted with REPLICAOF NO ONE becomes the primary once the
old master is gone (and while it still runs, two masters mean no primary); a
wrong password is DOWN with Redis' own reason. The Redis front is not needed
for this: a tcp listener fronts the backend."""
import time
import unittest

from fixtures import IntegrationTest, log_line_time, server, tcp_config, wait_for
from fixtures.redis import start_redis_group

INTERVAL = 0.2
FALL = 2
REDIS_CHECKS = {"type": "redis", "interval": "200ms", "timeout": "150ms", "rise": 2, "fall": FALL, "passive_fall": 0}
SLACK = 1.0  # a loaded 2-core machine


def redis_config(servers, health=None):
    return tcp_config(servers, health={**REDIS_CHECKS, **(health or {})})


class RedisRolesTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master, (self.replica,), _ = start_redis_group(self, replicas=1)
        self.sy = self.start_switchyard(redis_config([server("master", self.master.address),
                                                      server("replica", self.replica.address)]))

    def wait_role(self, name, role, timeout=5):
        return wait_for(lambda: (row := self.sy.server("app", name))["role"] == role and row["health"] == "up" and row,
                        timeout, f"{name} to be up as {role}")

    def test_show_servers_lists_roles_and_offsets(self):
        master_row = self.wait_role("master", "primary")
        replica_row = self.wait_role("replica", "replica")
        self.assertRegex(master_row["last_check"], r"^ok: master, offset \d+, 1 replica, answered in \d+ms$")
        self.assertRegex(replica_row["last_check"],
                         rf"^ok: replica of 127\.0\.0\.1:{self.master.port} \(link connected\), offset \d+")
        self.assertIsNotNone(self.sy.find_log(r"cluster app: master is the primary now"))

        # The offsets move with the writes, and the replica's lag drops to 0 once it has them.
        offset_before = int(master_row["last_check"].split("offset ")[1].split(",")[0])
        client = self.master.client()
        for i in range(200):
            client.set(f"key{i}", "x" * 100)
        wait_for(lambda: int(self.sy.server("app", "master")["last_check"].split("offset ")[1].split(",")[0]) >=
                 offset_before + 200 * 100, 5, "the master's offset to grow by the writes")

        def replica_caught_up():
            rows = {row["server"]: row for row in self.sy.ctl_json("show", "clusters")}
            return rows["replica"]["lag_bytes"] == 0 and rows["replica"]["role"] == "replica" and rows
        rows = wait_for(replica_caught_up, 5, "the replica's lag to be 0 in show clusters")
        self.assertEqual(rows["master"]["role"], "primary")
        self.assertEqual(rows["master"]["lag_bytes"], "-")

    def test_killed_master_is_down_after_fall_and_the_cluster_has_no_primary(self):
        self.wait_role("master", "primary")
        self.wait_role("replica", "replica")
        mark = self.sy.log_mark()
        killed_at = time.time()
        self.master.kill()
        line = self.sy.wait_for_log(r"server app/master DOWN", timeout=FALL * INTERVAL * 1.1 + SLACK + 3, after=mark)
        self.assertIn(f"connection refused ({FALL}/{FALL})", line)
        took = log_line_time(line) - killed_at
        self.assertLessEqual(took, FALL * INTERVAL * 1.1 + SLACK, f"DOWN {took:.3f}s after the kill")
        self.sy.wait_for_log(r"cluster app: no primary", timeout=2, after=mark)
        row = self.sy.server("app", "master")
        self.assertEqual(row["health"], "down")
        self.assertIn("connection refused", row["health_reason"])
        self.assertEqual(self.sy.server("app", "replica")["role"], "replica")

    def test_promoted_replica_becomes_the_primary(self):
        self.wait_role("master", "primary")
        self.wait_role("replica", "replica")
        # While the old master still runs, two servers claim it: no one gets
        # to be primary (there is no timeline to tell them apart).
        mark = self.sy.log_mark()
        self.replica.client().execute_command("REPLICAOF", "NO", "ONE")
        self.sy.wait_for_log(r"cluster app: no primary \(several servers claim it", timeout=3, after=mark)
        wait_for(lambda: {self.sy.server("app", n)["role"] for n in ("master", "replica")} == {"fenced"}, 3,
                 "both masters to be fenced")
        self.assertRegex(self.sy.server("app", "replica")["last_check"], r"^ok: master, offset \d+")

        # The old master goes: the promoted one is the primary.
        mark = self.sy.log_mark()
        self.master.kill()
        self.sy.wait_for_log(r"cluster app: replica is the primary now", timeout=FALL * INTERVAL + SLACK + 3,
                             after=mark)
        self.wait_role("replica", "primary")


class RedisAuthTest(IntegrationTest):
    def test_password_logs_in_and_a_wrong_one_is_down_with_the_reason(self):
        master, (replica,), _ = start_redis_group(self, replicas=1, password="s3cret")
        servers = [server("master", master.address), server("replica", replica.address)]
        sy = self.start_switchyard(redis_config(servers, {"password": "s3cret"}))
        wait_for(lambda: sy.server("app", "master")["role"] == "primary" and
                 sy.server("app", "replica")["role"] == "replica", 5, "roles with the right password")

        mark = sy.log_mark()
        sy.rewrite_config(redis_config(servers, {"password": "wrong"}))
        sy.reload()
        line = sy.wait_for_log(r"server app/master DOWN", timeout=FALL * INTERVAL + SLACK + 3, after=mark)
        self.assertIn("AUTH failed: WRONGPASS invalid username-password pair or user is disabled.", line)
        row = sy.server("app", "master")
        self.assertEqual(row["health"], "down")
        self.assertIn("WRONGPASS", row["health_reason"])

    def test_no_password_against_a_server_that_needs_one_is_down_with_noauth(self):
        master, _, _ = start_redis_group(self, replicas=0, password="s3cret")
        sy = self.start_switchyard(redis_config([server("master", master.address)], {"rise": 1}))
        line = sy.wait_for_log(r"server app/master DOWN", timeout=FALL * INTERVAL + SLACK + 3)
        self.assertIn("PING: NOAUTH Authentication required.", line)

    def test_acl_user_and_password(self):
        master, _, _ = start_redis_group(self, replicas=0)
        master.client().execute_command("ACL", "SETUSER", "monitor", "on", ">monpw", "+ping", "+role")
        sy = self.start_switchyard(redis_config([server("master", master.address)],
                                                {"user": "monitor", "password": "monpw"}))
        wait_for(lambda: sy.server("app", "master")["role"] == "primary", 5, "the master's role, as user monitor")
        self.assertRegex(sy.server("app", "master")["last_check"], r"^ok: master, offset \d+, 0 replicas")


class RedisCheckTimeoutTest(IntegrationTest):
    def test_server_that_never_answers_is_down_by_the_check_timeout(self):
        hole = self.blackhole()
        sy = self.start_switchyard(redis_config([server("hole", hole.address)]))
        line = sy.wait_for_log(r"server app/hole DOWN", timeout=FALL * (INTERVAL + 0.15) * 1.1 + SLACK + 3)
        self.assertRegex(line, rf"no (reply|connection) within 150ms \({FALL}/{FALL}\)")


if __name__ == "__main__":
    unittest.main()
