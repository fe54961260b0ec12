"""node-redis (Debian's node-redis 4.x, promise API, RESP2 only: RESP3 came
with node-redis 5) through the Redis front against a real redis-server:
SET/GET of many keys with checked values, 1000 commands pipelined in one
tick and a 1000-command batch, MULTI/EXEC, pub/sub with counted messages,
and SELECT of another database. The values are checked again on the server
itself, so a reply matched to the wrong command cannot pass."""
import json
import subprocess
import unittest
from pathlib import Path

from fixtures import IntegrationTest
from fixtures.drivers import node_redis_path
from fixtures.redis import RedisServer

PROGRAM = Path(__file__).parent / "clients" / "node_redis_front.js"
KEYS = 500
MESSAGES = 200


class NodeRedisFrontTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.server = self._own(RedisServer(self.workdir, "redis")).start()
        config = {"global": {"workers": 2, "shutdown_timeout": "2s", "log_level": "info"},
                  "listener": [{"name": "cache", "bind": "127.0.0.1:0", "protocol": "redis", "backend": "cache"}],
                  "backend": [{"name": "cache", "server": [{"name": "r1", "address": self.server.address}]}]}
        self.sy = self.start_switchyard(config)
        self.port = self.sy.port("cache")

    def run_node(self):
        result = subprocess.run(["node", str(PROGRAM), "127.0.0.1", str(self.port), str(KEYS), str(MESSAGES)],
                                capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
                                env={"NODE_PATH": node_redis_path(), "PATH": "/usr/bin:/bin"})
        lines = result.stdout.strip().splitlines()
        self.assertTrue(lines, f"no report from node (exit {result.returncode}): {result.stderr[-2000:]}")
        return json.loads(lines[-1])

    def test_node_redis_commands_pipelines_transactions_pubsub_and_select(self):
        report = self.run_node()
        self.assertEqual(report["errors"], [])
        self.assertEqual(report["ping"], "PONG")
        self.assertEqual(report["setget"], {"keys": KEYS, "wrong": 0})
        self.assertEqual(report["pipeline"], {"replies": 1000, "inOrder": True, "batchReplies": 1000,
                                              "batchWrong": 0})
        self.assertEqual(report["multi"], ["OK", 2, "ab"])
        self.assertEqual(report["pubsub"], {"published": MESSAGES, "delivered": MESSAGES, "received": MESSAGES,
                                            "wrongOrder": 0})
        self.assertEqual(report["select"], {"fromFive": "five", "fromZero": None})
        # What node-redis was told is what the server holds.
        direct = self.server.client(decode_responses=True)
        self.assertEqual(direct.get(f"node:{KEYS - 1}"), f"value-{KEYS - 1}")
        self.assertEqual(direct.get("node:counter"), "1000")
        self.assertEqual(direct.get("node:tx"), "ab")
        self.assertEqual(self.server.client(db=5, decode_responses=True).get("node:db"), "five")
        self.assertIsNone(direct.get("node:db"))


if __name__ == "__main__":
    unittest.main()
