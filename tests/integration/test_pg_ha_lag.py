"""Replica lag limits: a replica whose replay is paused (pg_wal_replay_pause())
while the primary writes past max_replica_lag_bytes — or whose replay falls
further behind than max_replica_lag — gets no new reads: a `replica` database
reads from the other replica, a `prefer_replica` one from the primary when no
replica qualifies. After pg_wal_replay_resume() and catching up, it gets
reads again. Where a read ran is read from inet_server_port()."""
import unittest

from fixtures import wait_for
from fixtures.pg_ha import HaClusterTest, ha_database

LIMIT = 64 * 1024
LIMITS = {"max_replica_lag_bytes": "64KiB", "max_replica_lag": "0s"}
DATABASES = [
    ha_database("app", "primary"),
    ha_database("app_ro", "replica", **LIMITS),
    ha_database("app_pref", "prefer_replica", **LIMITS),
    ha_database("app_ro_time", "replica", max_replica_lag="1s", max_replica_lag_bytes=0),
]


class ReplicaLagTest(HaClusterTest):
    cluster_name = "lg"

    def setUp(self):
        super().setUp()
        self.primary, self.replica1, self.replica2 = self.servers
        self.start_proxy(DATABASES)
        self.wait_roles({self.primary.name: "primary", self.replica1.name: "replica",
                         self.replica2.name: "replica"})
        self.next_id = iter(range(self.id_base(), self.id_base() + 10_000_000))

    def id_base(self):
        return 10_000_000 * (1 + sorted(name for name in dir(self) if name.startswith("test_")).index(
            self._testMethodName))

    def pause(self, replica):
        replica.pause_replay()
        self.addCleanup(lambda: replica.running() and replica.resume_replay())

    def write_wal(self, rows=10_000):
        """About 1 MB of WAL on the primary (well past the 64KiB limit)."""
        first = next(self.next_id)
        for _ in range(rows):
            next(self.next_id)
        self.primary.sql("INSERT INTO ledger (id, writer, port) SELECT g, 0, 0 FROM generate_series(%s, %s) g",
                         (first, first + rows - 1), dbname="app")

    def lag(self, replica):
        row = self.clusters()[replica.name]
        return row["lag_bytes"], row["lag_ms"]

    def wait_lag(self, replica, predicate, what, timeout=15):
        return wait_for(lambda: predicate(*self.lag(replica)), timeout, f"show clusters: {replica.name} {what}")

    def test_a_replica_past_max_replica_lag_bytes_gets_no_reads_until_it_catches_up(self):
        before = self.who_answers_concurrently("app_ro", 6)
        self.assertEqual(set(before), {self.replica1.name, self.replica2.name}, "reads before the pause")

        self.pause(self.replica1)
        self.write_wal()
        self.cluster.wait_caught_up([self.replica2])
        self.wait_lag(self.replica1, lambda nbytes, ms: nbytes > LIMIT, "more than 64KiB behind")
        self.wait_lag(self.replica2, lambda nbytes, ms: nbytes <= LIMIT, "within 64KiB")

        during = self.who_answers_concurrently("app_ro", 6) + [name for _, name in self.who_answers("app_ro", 4)]
        self.assertEqual(set(during), {self.replica2.name},
                         f"reads while {self.replica1.name} lags past max_replica_lag_bytes went to {during}")
        pref = self.who_answers_concurrently("app_pref", 4)
        self.assertEqual(set(pref), {self.replica2.name}, "prefer_replica while one replica lags")

        self.replica1.resume_replay()
        self.cluster.wait_caught_up([self.replica1])
        self.wait_lag(self.replica1, lambda nbytes, ms: nbytes <= LIMIT, "back within 64KiB")
        after = self.who_answers_concurrently("app_ro", 12)
        self.assertIn(self.replica1.name, after, f"{self.replica1.name} got no reads after catching up: {after}")

    def test_prefer_replica_reads_from_the_primary_while_every_replica_lags(self):
        self.pause(self.replica1)
        self.pause(self.replica2)
        self.write_wal()
        for replica in (self.replica1, self.replica2):
            self.wait_lag(replica, lambda nbytes, ms: nbytes > LIMIT, "more than 64KiB behind")

        during = self.who_answers_concurrently("app_pref", 4)
        self.assertEqual(set(during), {self.primary.name},
                         f"prefer_replica reads while both replicas lag went to {during}")

        for replica in (self.replica1, self.replica2):
            replica.resume_replay()
        self.cluster.wait_caught_up()
        for replica in (self.replica1, self.replica2):
            self.wait_lag(replica, lambda nbytes, ms: nbytes <= LIMIT, "back within 64KiB")
        after = self.who_answers_concurrently("app_pref", 6) + [name for _, name in self.who_answers("app_pref", 4)]
        self.assertNotIn(self.primary.name, after,
                         f"prefer_replica reads still go to the primary after the replicas caught up: {after}")

    def test_a_replica_further_behind_than_max_replica_lag_gets_no_reads(self):
        self.pause(self.replica1)
        # a small write (far below any byte limit), then wait for its age to pass 1s
        self.write_wal(rows=10)
        self.wait_lag(self.replica1, lambda nbytes, ms: ms > 1000, "more than 1s behind")

        during = self.who_answers_concurrently("app_ro_time", 6)
        self.assertEqual(set(during), {self.replica2.name},
                         f"reads while {self.replica1.name} lags past max_replica_lag went to {during}")

        self.replica1.resume_replay()
        self.cluster.wait_caught_up([self.replica1])
        self.wait_lag(self.replica1, lambda nbytes, ms: ms <= 1000, "back within 1s")
        after = self.who_answers_concurrently("app_ro_time", 12)
        self.assertIn(self.replica1.name, after, f"{self.replica1.name} got no reads after catching up: {after}")


if __name__ == "__main__":
    unittest.main()
