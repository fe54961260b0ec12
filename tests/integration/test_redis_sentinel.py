"""Sentinel following (sentinel/follower.hpp) against a real master, replica and
three Sentinels, through the sy-sentinel-watch driver (the follower printing
each change as a line): it names the master and replica from one seed
Sentinel and learns the other two; after a planned SENTINEL FAILOVER and after
a hard kill of the master it reports the new master within ~1 s of the first
+switch-master any Sentinel publishes; a Sentinel that goes away is reported
and the follower goes on with the others."""
import os
import subprocess
import threading
import time
import unittest
from pathlib import Path

import redis

from fixtures import IntegrationTest, wait_for
from fixtures.redis import start_redis_group
from fixtures.switchyard import binary
from fixtures.waiting import track, untrack

SWITCH_LATENCY = 1.0  # the brief: the new master within ~1 s of +switch-master
SLACK = 0.5           # a loaded 2-core machine


def watch_binary():
    path = os.environ.get("SENTINEL_WATCH_BIN") or str(Path(binary()).parent / "sentinel" / "sy-sentinel-watch")
    if not os.access(path, os.X_OK):
        raise FileNotFoundError(f"sy-sentinel-watch not found at {path}: build it or set SENTINEL_WATCH_BIN")
    return path


class Watcher:
    """sy-sentinel-watch as a process; its lines parsed into (unix seconds, kind, fields)."""

    def __init__(self, master_name, sentinels, *args):
        self.command = [watch_binary(), master_name, *sentinels, "--poll-interval", "1000", *args]
        self.lines = []
        self.lock = threading.Lock()
        self.process = None

    def start(self):
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        track(self.process)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        return self

    def _read(self):
        for line in self.process.stdout:
            with self.lock:
                self.lines.append(line.rstrip("\n"))

    def events(self, kind):
        with self.lock:
            lines = list(self.lines)
        found = []
        for line in lines:
            stamp, _, rest = line.partition(" ")
            what, _, text = rest.partition(" ")
            if what == kind:
                found.append((int(stamp) / 1000.0, text))
        return found

    def masters(self):
        """[(time, master, [replicas], reason)] in order."""
        result = []
        for at, text in self.events("master"):
            master, rest = text.split(" replicas ", 1)
            replicas, reason = rest.split(" reason ", 1)
            result.append((at, master, [] if replicas == "-" else replicas.split(","), reason))
        return result

    def wait_master(self, address, timeout):
        return wait_for(lambda: next((m for m in self.masters() if m[1] == address), None), timeout,
                        f"the follower to report master {address}; lines: {self.lines[-10:]}")

    def close(self):
        """Stops the driver; it must exit cleanly on SIGTERM (the follower's stop() closes everything)."""
        if self.process is None:
            return
        exit_code = self.process.poll()
        if exit_code is None:
            self.process.terminate()
            try:
                exit_code = self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        untrack(self.process)
        self.reader.join(timeout=5)
        self.process.stdout.close()
        if exit_code != 0:
            raise AssertionError(f"sy-sentinel-watch exited with {exit_code}:\n" + "\n".join(self.lines[-40:]))

    def report(self):
        with self.lock:
            return "sy-sentinel-watch output:\n" + "\n".join(self.lines[-40:])


class SwitchMasterListener:
    """The time of the first +switch-master any of the Sentinels publishes."""

    def __init__(self, sentinels):
        self.first = None
        self.pubsubs = []
        for sentinel in sentinels:
            pubsub = redis.Redis(host="127.0.0.1", port=sentinel.port).pubsub()
            pubsub.subscribe(**{"+switch-master": self._on_message})
            self.pubsubs.append(pubsub)
        for pubsub in self.pubsubs:
            wait_for(lambda: pubsub.get_message(timeout=0.1) is not None or pubsub.subscribed, 5, "subscribed")
        self.threads = [pubsub.run_in_thread(sleep_time=0.01, daemon=True) for pubsub in self.pubsubs]

    def _on_message(self, message):
        if self.first is None:
            self.first = time.time()

    def close(self):
        for thread in self.threads:
            thread.stop()
            thread.join(timeout=2)
        for pubsub in self.pubsubs:
            pubsub.close()


class SentinelFollowingTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.master, (self.replica,), self.sentinels = start_redis_group(self, replicas=1, sentinels=3)
        # One seed: the follower learns the other Sentinels from it.
        self.watch = self._own(Watcher("mymaster", [self.sentinels[0].address])).start()
        first = self.watch.wait_master(self.master.address, 5)
        self.assertEqual(first[2], [self.replica.address])
        self.assertIn("1/1 Sentinels name", first[3])  # the first round asks the seed alone

    def wait_all_sentinels_known(self):
        everyone = sorted(s.address for s in self.sentinels)
        wait_for(lambda: any(sorted(text.split(",")) == everyone for _, text in self.watch.events("sentinels")), 5,
                 f"the follower to know all three Sentinels; lines: {self.watch.lines[-5:]}")

    def failover_and_measure(self, trigger, sentinels=None, agreed=r"[23]/3"):
        listener = SwitchMasterListener(sentinels or self.sentinels)
        try:
            trigger()
            wait_for(lambda: listener.first, 20, "a +switch-master from a Sentinel")
            at, master, replicas, reason = self.watch.wait_master(self.replica.address, SWITCH_LATENCY + SLACK + 5)
            took = at - listener.first
            if os.environ.get("SY_TEST_VERBOSE"):
                print(f"\n  new master reported {took * 1000:.0f}ms after the first +switch-master: {reason}")
            self.assertLessEqual(took, SWITCH_LATENCY + SLACK,
                                 f"new master reported {took:.3f}s after the first +switch-master ({reason})")
            self.assertIn("ROLE says master", reason)
            self.assertRegex(reason, agreed + r" Sentinels name " + self.replica.address.replace(".", r"\."))
            return replicas, reason
        finally:
            listener.close()

    def test_planned_failover_is_reported_within_a_second_of_switch_master(self):
        self.wait_all_sentinels_known()

        def failover():
            self.sentinels[1].client().execute_command("SENTINEL", "FAILOVER", "mymaster")
        replicas, reason = self.failover_and_measure(failover)
        # Each change is reported once, in order: the first master, then the new one.
        self.assertEqual([m[1] for m in self.watch.masters()][:2], [self.master.address, self.replica.address])
        # The old master is demoted and comes back as a replica of the new one.
        wait_for(lambda: self.watch.masters()[-1][2] == [self.master.address], 15,
                 f"the old master to be listed as a replica; lines: {self.watch.lines[-5:]}")

    def test_hard_kill_of_the_master_is_reported_within_a_second_of_switch_master(self):
        self.wait_all_sentinels_known()
        self.failover_and_measure(self.master.kill)
        self.assertEqual(self.watch.masters()[-1][1], self.replica.address)

    def test_a_sentinel_going_away_is_reported_and_the_others_still_decide(self):
        self.wait_all_sentinels_known()
        self.sentinels[2].kill()
        wait_for(lambda: any(f"Sentinel {self.sentinels[2].address}" in text for _, text in self.watch.events("problem")),
                 5, f"the lost Sentinel to be reported; lines: {self.watch.lines[-5:]}")
        self.failover_and_measure(
            lambda: self.sentinels[0].client().execute_command("SENTINEL", "FAILOVER", "mymaster"),
            sentinels=self.sentinels[:2], agreed="2/2")  # the majority of those that answer


if __name__ == "__main__":
    unittest.main()
