"""An unplanned failover under load: four writers (one connection each,
one INSERT per transaction, transaction mode) and two readers run through
switchyard while the primary is stopped hard (pg_ctl -m immediate), the most
advanced replica is promoted and the other re-pointed to it. Writes must be
acknowledged again within 2 x the check interval of the promotion; only
transactions in flight on the dying primary may fail, with an ErrorResponse,
on connections that go on working; idle clients and readers see no error;
and every acknowledged commit is on the new primary.

Replication is synchronous (ANY 1 of the replicas, see PostgresCluster.
replicated): without it a commit acknowledged by the old primary could be
lost by PostgreSQL itself, and the last check would blame the proxy."""
import re
import sys
import time
import unittest

import psycopg

from fixtures import wait_for
from fixtures.waiting import GiveUp
from fixtures.pg_ha import (CHECK_INTERVAL, SERVER_LOST_STATES, HaClusterTest, ha_database, start_load,
                            wait_progress)
from fixtures.switchyard import log_line_time

# What a loaded 2-core machine may add to 2 x interval between the promotion
# and the first acknowledged write (thread scheduling, the writer's own round
# trip, pg_ctl's polling).
SLACK = 1.0


class FailoverTest(HaClusterTest):
    cluster_name = "fo"
    synchronous = True

    def test_hard_failover_under_load(self):
        old, replica1, replica2 = self.servers
        self.start_proxy([ha_database("app", "primary"), ha_database("app_ro", "replica")])
        self.wait_roles({old.name: "primary", replica1.name: "replica", replica2.name: "replica"})

        idle = [self.connect3("app") for _ in range(4)]
        idle_ids = iter(range(900_000, 901_000))
        idle_acknowledged, idle_errors = [], []

        def idle_round():
            for conn in idle:
                key = next(idle_ids)
                try:
                    conn.execute("INSERT INTO ledger (id, writer, port) VALUES (%s, -1, inet_server_port())", (key,))
                    idle_acknowledged.append(key)
                except psycopg.Error as error:
                    idle_errors.append((key, error.sqlstate, str(error).strip()))

        idle_round()
        writers = start_load(self, self.port, "app", 4, write=True)
        readers = start_load(self, self.port, "app_ro", 2, write=False, first_client=10)
        wait_progress(writers + readers, 10, 60, "load before the failover")

        log_mark = self.sy.log_mark()
        kill_started = time.monotonic()
        self.cluster.stop_primary("immediate")
        killed = time.monotonic()
        new = self.cluster.most_advanced([replica1, replica2])
        other = replica2 if new is replica1 else replica1
        promote_started = time.monotonic()
        self.cluster.promote(new)
        promoted = time.monotonic()

        def first_write_after_the_kill():
            # nothing can be acknowledged between the kill and the promotion
            acks = [t for w in writers for t in w.acknowledged if t.ended >= promote_started]
            if acks:
                return min(acks, key=lambda t: t.ended)
            if all(w.fatal for w in writers):
                raise GiveUp(f"every writer stopped: {[w.fatal for w in writers]}")
            return None
        first = wait_for(first_write_after_the_kill, 40, "a write acknowledged after the failover")

        self.cluster.repoint(other, new)
        repointed = time.monotonic()
        wait_progress(writers + readers, 10, 60, "load after the failover")
        settled = repointed + 2 * CHECK_INTERVAL  # the checks have seen the re-pointed replica by then
        wait_for(lambda: all(any(t.started > settled for t in r.acknowledged) for r in readers)
                 or any(r.fatal for r in readers), 30, "reads after the re-pointing")
        idle_round()
        for thread in writers + readers:
            thread.stop()
        for thread in writers + readers:
            thread.join(timeout=30)

        noticed = self.sy.find_log(rf"cluster main: {new.name} is the primary now", after=log_mark)
        noticed_after = (log_line_time(noticed) - (time.time() - (time.monotonic() - promoted))) if noticed else None
        failover = first.ended - promoted
        sys.stderr.write(
            f"\n  failover: primary stopped in {(killed - kill_started) * 1000:.0f}ms, promote of {new.name} took "
            f"{(promoted - promote_started) * 1000:.0f}ms; first acknowledged write "
            f"{failover * 1000:.0f}ms after the promote returned ({(first.ended - promote_started) * 1000:.0f}ms "
            f"after it started); switchyard logged the new primary "
            f"{'%.0fms' % (noticed_after * 1000) if noticed_after is not None else '(never)'} after the promote "
            f"returned\n")

        with self.subTest("the new primary is found and logged"):
            self.assertIsNotNone(noticed, "no 'is the primary now' log line for the promoted replica")
            self.assertRegex(noticed, rf"{new.name} is the primary now \(timeline 2, was replica, noticed within "
                                      rf"\d+ms\); previous primary: {old.name}, lost \d+ms ago")
            self.assertIsNotNone(self.sy.find_log(r"cluster main: no primary", after=log_mark),
                                 "the loss of the primary was not logged")
            self.wait_roles({new.name: "primary", other.name: "replica"})
            self.assertNotEqual(self.roles()[old.name], "primary")

        with self.subTest("writes are acknowledged again within 2 x interval of the promotion"):
            self.assertLessEqual(failover, 2 * CHECK_INTERVAL + SLACK,
                                 f"first write acknowledged {failover:.3f}s after the promotion returned")

        with self.subTest("only transactions in flight on the dying primary fail, with an ErrorResponse"):
            bad = [t for w in writers for t in w.errors
                   if t.started >= killed or t.sqlstate not in SERVER_LOST_STATES or t.closed_after]
            self.assertEqual(bad, [], "writer transactions that failed although they started after the primary "
                                      "was gone, or without an ErrorResponse of a lost server, or closed the "
                                      "connection")
            for writer in writers:
                self.assertIsNone(writer.fatal, f"writer {writer.client}: {writer.fatal}")
                self.assertLessEqual(len(writer.errors), 1, f"writer {writer.client} failed more than its "
                                                            f"transaction in flight: {writer.errors}")
                if writer.errors:
                    last_error = writer.errors[-1]
                    self.assertTrue(any(t.started > last_error.ended for t in writer.acknowledged),
                                    f"writer {writer.client}'s connection committed nothing after {last_error}")
            in_flight_errors = sum(len(w.errors) for w in writers)
            sys.stderr.write(f"  failover: {in_flight_errors} writer transaction(s) in flight failed: "
                             f"{[(t.sqlstate, t.message) for w in writers for t in w.errors]}\n")

        with self.subTest("idle clients and readers see no error"):
            self.assertEqual(idle_errors, [], "clients idle during the failover got errors")
            reader_errors = [t for r in readers for t in r.errors]
            self.assertEqual(reader_errors, [], "readers got errors")
            for reader in readers:
                self.assertIsNone(reader.fatal, f"reader {reader.client}: {reader.fatal}")

        with self.subTest("reads after the failover go to the remaining replica"):
            late = [t for r in readers for t in r.acknowledged if t.started > settled]
            self.assertTrue(late, "no reads after the re-pointing")
            wrong = [t for t in late if t.answer != (True, other.port)]
            self.assertEqual(wrong, [], f"reads of target = replica answered by others than {other.name}")

        with self.subTest("every acknowledged commit is on the new primary"):
            rows = dict(new.sql("SELECT id, port FROM ledger", dbname="app"))
            acknowledged = {t.key for w in writers for t in w.acknowledged} | set(idle_acknowledged)
            attempted = {t.key for w in writers for t in w.transactions} | set(idle_acknowledged) | {
                key for key, _, _ in idle_errors}
            missing = sorted(acknowledged - rows.keys())
            self.assertEqual(missing, [], f"{len(missing)} acknowledged commits are not on the new primary")
            self.assertEqual(sorted(rows.keys() - attempted), [], "rows nobody wrote")
            after = {t.key for w in writers for t in w.acknowledged if t.started >= killed}
            self.assertEqual({rows[key] for key in after if key in rows}, {new.port},
                             "writes after the failover were not made on the new primary")
            sys.stderr.write(f"  failover: {len(acknowledged)} acknowledged commits, all on {new.name}\n")


if __name__ == "__main__":
    unittest.main()
