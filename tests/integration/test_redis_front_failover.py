"""The Redis front following a Sentinel failover: a master, a replica and
three real Sentinels; a redis listener in front of a backend with
[backend.sentinel] and type = "redis" checks. Writers keep writing through
switchyard, an idle client waits, and the master is switched (a planned
SENTINEL FAILOVER) or killed hard. Writes reach the new master within ~1 s
of the first +switch-master a Sentinel publishes; the idle client sees no
error; no write acknowledged with WAIT 1 is missing on the new master; a
planned failover costs the writers no error at all."""
import os
import signal
import threading
import time
import unittest

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import start_redis_group

SWITCH_LATENCY = 1.0  # the issue: writes succeed again within 1 s of +switch-master
SLACK = 1.0           # a loaded 2-core machine


class SentinelEvents:
    """When any of the Sentinels first published each of `channels`;
    `on_event(channel)` runs on the listening thread at once."""

    def __init__(self, sentinels, channels, on_event=None):
        self.first = {}
        self.on_event = on_event
        self.pubsubs = []
        for sentinel in sentinels:
            pubsub = sentinel.client().pubsub()
            pubsub.subscribe(*channels)
            self.pubsubs.append(pubsub)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.stop.is_set():
            for pubsub in self.pubsubs:
                message = pubsub.get_message(timeout=0.01)
                if message and message["type"] == "message":
                    channel = message["channel"].decode()
                    if channel not in self.first:
                        self.first[channel] = time.monotonic()
                        if self.on_event:
                            self.on_event(channel)

    def close(self):
        self.stop.set()
        self.thread.join(2)
        for pubsub in self.pubsubs:
            pubsub.close()


class Writer(threading.Thread):
    """SET seq:<n> one at a time through switchyard, each followed by WAIT 1
    (a replica has it); records what was acknowledged, errors, and when
    writes succeeded."""

    def __init__(self, port, timeout=3):
        super().__init__(daemon=True)
        self.client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=timeout, retry_on_timeout=False)
        self.acknowledged = []
        self.replicated = []
        self.errors = []
        self.successes = []  # monotonic times
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                self.client.set(f"seq:{n}", n)
                self.acknowledged.append(n)
                self.successes.append(time.monotonic())
                if self.client.execute_command("WAIT", 1, 500) >= 1:
                    self.replicated.append(n)
            except (redis.ConnectionError, redis.ResponseError, redis.TimeoutError) as error:
                self.errors.append((time.monotonic(), repr(error)))
                time.sleep(0.02)
            time.sleep(0.005)

    def finish(self):
        self.stop.set()
        self.join(20)


class SwitchMasterClock(SentinelEvents):
    """The time of the first +switch-master any of the Sentinels publishes."""

    def __init__(self, sentinels):
        super().__init__(sentinels, ["+switch-master"])

    @property
    def at(self):
        return self.first.get("+switch-master")


class RedisFrontFailoverTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master, replicas, self.sentinels = start_redis_group(self, replicas=1, sentinels=3)
        self.replica = replicas[0]
        config = {
            "global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info"},
            "listener": [{"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache"}],
            "backend": [{"name": "cache", "connect_timeout": "500ms",
                         "redis": {"failover_timeout": "10s"},
                         "sentinel": {"master_name": "mymaster",
                                      "sentinels": [s.address for s in self.sentinels]},
                         "health_check": {"type": "redis", "interval": "200ms", "timeout": "150ms",
                                          "rise": 1, "fall": 2}}],
        }
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("cache")
        wait_for(lambda: self.primary() == self.master.address, 10, "the master to be the primary")

    def primary(self):
        rows = [row for row in self.sy.servers("cache") if row["role"] == "primary" and row["health"] == "up"]
        return rows[0]["server"] if len(rows) == 1 else None

    def run_failover(self, switch):
        idle = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
        self.assertTrue(idle.set("idle", "before"))
        writer = Writer(self.port)
        writer.start()
        wait_for(lambda: len(writer.replicated) >= 20, 10, "writes to flow")
        clock = SwitchMasterClock(self.sentinels)
        self.addCleanup(clock.close)
        switch()
        wait_for(lambda: clock.at is not None, 30, "+switch-master")
        wait_for(lambda: writer.successes and writer.successes[-1] > clock.at, 10, "a write after the switch")
        first_after = next(t for t in writer.successes if t > clock.at)
        time.sleep(0.5)
        writer.finish()
        # The idle client's connection was never touched.
        self.assertEqual(idle.get("idle"), b"before")
        self.assertTrue(idle.set("idle", "after"))
        self.assertEqual(self.replica.client().get("idle"), b"after")
        # Every write a replica acknowledged is on the new master.
        new_master = self.replica.client()
        missing = [n for n in writer.replicated if new_master.get(f"seq:{n}") is None]
        self.assertEqual(missing, [])
        print(f"\nfailover: first write {first_after - clock.at:.3f}s after +switch-master, "
              f"{len(writer.acknowledged)} writes, {len(writer.errors)} errors", flush=True)
        return first_after - clock.at, writer

    def test_a_planned_failover_moves_writes_to_the_new_master_without_an_error(self):
        latency, writer = self.run_failover(
            lambda: self.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", "mymaster"))
        self.assertLess(latency, SWITCH_LATENCY + SLACK, f"first write {latency:.2f}s after +switch-master")
        self.assertEqual(writer.errors, [])
        self.assertEqual(self.replica.role(), "master")

    def test_a_hard_kill_of_the_master_moves_writes_to_the_new_master(self):
        latency, writer = self.run_failover(self.master.kill)
        self.assertLess(latency, SWITCH_LATENCY + SLACK, f"first write {latency:.2f}s after +switch-master")
        # Only a command in flight when the master died may fail: the rest waited for the new master.
        self.assertLessEqual(len(writer.errors), 2, writer.errors)
        self.assertEqual(self.replica.role(), "master")

    def test_an_old_master_that_comes_back_as_a_master_gets_nothing(self):
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
        self.assertTrue(client.set("before", "1"))
        self.master.kill()
        wait_for(lambda: self.primary() == self.replica.address, 30, "the replica to be the primary")
        self.assertTrue(client.set("after-failover", "1"))
        new_master = self.replica.client()
        self.assertEqual(new_master.get("after-failover"), b"1")
        # Back on its port with an empty data set and no replicaof: it says master
        # until a Sentinel sees it (Sentinel waits ~8 s before converting it).
        self.master.launch()
        old_master = self.master.client(socket_timeout=2)
        self.assertEqual(self.master.role(), "master")
        window_start = time.monotonic()
        written_while_master = []
        on_old, missing_on_new, primaries = [], [], set()
        n = 0
        while time.monotonic() - window_start < 20:
            if self.master.role() != "master":
                break
            n += 1
            key = f"comeback:{n}"
            # A fresh client now and then: new connections must not reach the old master either.
            writer = client if n % 5 else redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=5)
            self.assertTrue(writer.set(key, n))
            self.assertEqual(int(writer.get(key)), n)
            if new_master.get(key) is None:
                missing_on_new.append(key)
            present_on_old = old_master.get(key) is not None
            still_master = self.master.role() == "master"  # once a replica, it copies everything
            if still_master:
                written_while_master.append(time.monotonic() - window_start)
                if present_on_old:
                    on_old.append(key)
            primaries.add(self.primary())
            time.sleep(0.05)
        self.assertEqual(missing_on_new, [])
        self.assertEqual(on_old, [], "keys written through switchyard found on the returned old master")
        self.assertEqual(primaries, {self.replica.address})
        # The window was real: several seconds with the old master answering as a master.
        self.assertGreater(written_while_master[-1], 2.0, f"{len(written_while_master)} writes")
        self.assertGreaterEqual(len(written_while_master), 20)
        # Sentinel demotes it in the end, and writes still go to the new master.
        wait_for(lambda: self.master.role() == "slave", 30, "Sentinel to turn the old master into a replica")
        self.assertTrue(client.set("after-demotion", "1"))
        self.assertEqual(new_master.get("after-demotion"), b"1")
        print(f"\nold master back as a master for {written_while_master[-1]:.1f}s: "
              f"{len(written_while_master)} writes, none on it", flush=True)

    def test_an_old_master_restarted_while_the_sentinels_fail_it_over_gets_nothing(self):
        # The failover is held between the replica's selection and its
        # promotion (the replica is stopped as soon as the leader selects it),
        # and the killed master comes back, empty, as a master, meanwhile.
        # The Sentinels still name it; only their failover says it is done for.
        replica_pid = self.replica.process.pid
        events = SentinelEvents(self.sentinels, ["+selected-slave", "+switch-master"],
                                lambda channel: channel == "+selected-slave" and os.kill(replica_pid, signal.SIGSTOP))
        self.addCleanup(events.close)
        self.addCleanup(lambda: os.kill(replica_pid, signal.SIGCONT))
        writer = Writer(self.port, timeout=15)  # writes wait for a master (failover_timeout 10s)
        writer.start()
        wait_for(lambda: len(writer.acknowledged) >= 20, 10, "writes to flow")
        self.master.kill()
        wait_for(lambda: "+selected-slave" in events.first, 30, "a Sentinel to select the replica")
        self.master.launch()
        old_master = self.master.client(socket_timeout=2)
        self.assertEqual(self.master.role(), "master")
        # switchyard's checks see it up (200ms interval, rise 1), and the Sentinels see it back.
        wait_for(lambda: any(row["server"] == self.master.address and row["health"] == "up"
                             for row in self.sy.servers("cache")), 5, "the old master to be up again")
        acknowledged_before = len(writer.acknowledged)
        time.sleep(1.0)
        flags = [s.client(socket_timeout=2).execute_command("SENTINEL", "MASTER", "mymaster") for s in self.sentinels]
        flags = [dict(zip(f[::2], f[1::2]))[b"flags"].decode() for f in flags]
        self.assertTrue(any("failover_in_progress" in f for f in flags), flags)
        self.assertNotIn("+switch-master", events.first)
        self.assertEqual(self.master.role(), "master")
        # The writes wait: none was acknowledged, none reached the old master.
        self.assertEqual(len(writer.acknowledged), acknowledged_before)
        self.assertEqual(old_master.dbsize(), 0, "writes reached the old master while it was being failed over")
        self.assertIsNone(self.primary())
        os.kill(replica_pid, signal.SIGCONT)
        wait_for(lambda: "+switch-master" in events.first, 30, "+switch-master")
        wait_for(lambda: len(writer.acknowledged) > acknowledged_before + 20, 15, "writes to flow again")
        writer.finish()
        new_master = self.replica.client()
        self.assertEqual(self.replica.role(), "master")
        # What a replica had acknowledged before the kill, and everything after, is on the new master.
        after = writer.acknowledged[acknowledged_before:]
        missing = [n for n in writer.replicated + after if new_master.get(f"seq:{n}") is None]
        self.assertEqual(missing, [], f"before={acknowledged_before} acknowledged={writer.acknowledged[:40]} "
                         f"replicated={writer.replicated[:40]} errors={writer.errors}")
        # At most the command in flight at the kill failed.
        self.assertLessEqual(len(writer.errors), 2, writer.errors)
        print(f"\nold master back while failed over: {len(after)} writes after the switch, none on it before; "
              f"{len(writer.errors)} errors", flush=True)


if __name__ == "__main__":
    unittest.main()
