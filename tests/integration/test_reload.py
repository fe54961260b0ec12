"""Reloading the configuration (ctl reload or SIGHUP): changes apply to new
connections, established ones carry on, and a bad file changes nothing."""
import collections
import unittest

from fixtures import NO_CHECKS, IntegrationTest, connect, hello_names, server, tcp_config, wait_for


def position(text, needle):
    """1-based (line, column) of the first occurrence of `needle` in `text`."""
    index = text.index(needle)
    return text.count("\n", 0, index) + 1, index - (text.rfind("\n", 0, index) + 1) + 1


class ReloadTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.a1, self.a2 = self.start_backends("a1", "a2")
        self.config = tcp_config([self.a1], workers=1, health=NO_CHECKS)
        self.sy = self.start_switchyard(self.config)
        self.port = self.sy.port()

    def config_with_a2(self):
        return tcp_config([self.a1, self.a2], workers=1, health=NO_CHECKS)

    # The second listener binds another loopback address: two listeners on
    # 127.0.0.1:0 are refused by the config check (see test_cli).
    API_HOST = "127.0.0.2"

    def config_with_listener(self, name):
        config = tcp_config([self.a1], workers=1, health=NO_CHECKS)
        config["listener"].append({"name": name, "bind": f"{self.API_HOST}:0", "backend": "app"})
        return config


class AppliedReloadTest(ReloadTest):
    def test_ctl_reload_adds_a_server_and_keeps_established_connections(self):
        established = self.conversation(self.port)
        self.assertEqual(established.name, "a1")
        self.sy.rewrite_config(self.config_with_a2())
        result = self.sy.reload()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("configuration reloaded\n"), result.stdout)
        self.assertIn(f"configuration reloaded from {self.sy.config_path}", self.sy.log_text())

        self.assertEqual([r["server"] for r in self.sy.servers()], ["a1", "a2"])
        self.assertEqual(hello_names(self.port, 10), collections.Counter({"a1": 5, "a2": 5}))
        for i in range(3):
            payload = f"after reload {i}\n".encode()
            self.assertEqual(established.echo(payload), payload)

    def test_sighup_reloads_like_ctl_reload(self):
        self.sy.rewrite_config(self.config_with_a2())
        line = self.sy.reload(via="sighup")
        self.assertIn("configuration reloaded", line)
        self.assertTrue(self.sy.running())
        self.assertEqual(hello_names(self.port, 10), collections.Counter({"a1": 5, "a2": 5}))

    def test_admin_state_survives_a_reload(self):
        self.sy.rewrite_config(self.config_with_a2())
        self.sy.ctl_ok("reload")
        self.sy.ctl_ok("drain", "app/a1")
        self.sy.ctl_ok("set", "weight", "app/a2", "7")
        self.sy.ctl_ok("reload")
        a1, a2 = self.sy.servers()
        self.assertEqual((a1["admin"], a2["weight"]), ("drain", 7))
        self.assertEqual(hello_names(self.port, 6), collections.Counter({"a2": 6}))


    def test_reload_moves_a_server_to_its_new_address(self):
        moved = self.start_backend("moved")
        established = self.conversation(self.port)
        self.sy.rewrite_config(tcp_config([server("a1", moved.address)], workers=1, health=NO_CHECKS))
        self.sy.ctl_ok("reload")
        self.assertEqual(self.sy.server("app", "a1")["address"], moved.address)
        self.assertEqual(hello_names(self.port, 4), collections.Counter({"moved": 4}))
        self.assertEqual(established.echo(b"old address\n"), b"old address\n")

    def test_reload_points_a_listener_at_another_backend(self):
        established = self.conversation(self.port)
        config = tcp_config([self.a1], workers=1, health=NO_CHECKS)
        other = dict(config["backend"][0], name="other", server=[server("a2", self.a2.address)])
        config["backend"].append(other)
        config["listener"][0]["backend"] = "other"
        self.sy.rewrite_config(config)
        self.sy.ctl_ok("reload")
        self.assertEqual(self.sy.listener("web")["backend"], "other")
        self.assertEqual(hello_names(self.port, 4), collections.Counter({"a2": 4}))
        self.assertEqual(established.echo(b"still on a1\n"), b"still on a1\n")

    def test_reload_says_which_changes_wait_for_a_restart(self):
        config = self.config_with_a2()
        config["global"]["workers"] = 2
        self.sy.rewrite_config(config)
        result = self.sy.reload()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("workers changed: takes effect after a restart", result.stdout)
        # Everything else did apply.
        self.assertEqual(hello_names(self.port, 10), collections.Counter({"a1": 5, "a2": 5}))


class RejectedReloadTest(ReloadTest):
    def assert_still_serving_the_old_config(self):
        self.assertTrue(self.sy.running())
        self.assertEqual([r["server"] for r in self.sy.servers()], ["a1"])
        self.assertEqual(hello_names(self.port, 5), collections.Counter({"a1": 5}))

    def test_unknown_key_is_rejected_with_its_position_and_nothing_changes(self):
        text = self.sy.render(self.config_with_a2()).replace('name = "app"\n', 'name = "app"\nretrys = 3\n', 1)
        self.sy.rewrite_config(text)
        line, column = position(text, "retrys")
        result = self.sy.reload()
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertIn("reload rejected", result.stderr)
        self.assertIn(f"{self.sy.config_path}:{line}:{column}: unknown key \"retrys\"", result.stderr)
        self.assertIn('did you mean "retries"?', result.stderr)
        self.assertRegex(self.sy.log_text(), rf"reload rejected: {self.sy.config_path}:{line}:{column}: ")
        self.assert_still_serving_the_old_config()

    def test_syntax_error_is_rejected_with_its_line_and_nothing_changes(self):
        text = self.sy.render(self.config_with_a2()).replace("[[backend]]\n", "[[backend]\n", 1)
        self.sy.rewrite_config(text)
        line, _ = position(text, "[[backend]\n")
        result = self.sy.reload()
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertRegex(result.stderr, rf"{self.sy.config_path}:{line}:\d+: ")
        self.assertIn("reload rejected", self.sy.log_text())
        self.assert_still_serving_the_old_config()

    def test_bad_file_on_sighup_is_rejected_and_the_process_keeps_serving(self):
        self.sy.rewrite_config(self.sy.render(self.config_with_a2()).replace('"round_robin"', '"fastest"'))
        line = self.sy.reload(via="sighup")
        self.assertIn("reload rejected", line)
        self.assertIn("balance", line)
        self.assert_still_serving_the_old_config()


class ListenerReloadTest(ReloadTest):
    def test_added_listener_accepts_connections(self):
        self.sy.rewrite_config(self.config_with_listener("api"))
        result = self.sy.reload()
        self.assertEqual(result.returncode, 0, result.stderr)
        port = self.sy.port("api")
        self.assertNotEqual(port, self.port)
        self.assertIn(f"listener api on {self.API_HOST}:{port}", result.stdout)
        self.assertEqual(hello_names(port, 3, host=self.API_HOST), collections.Counter({"a1": 3}))
        self.assertEqual(hello_names(self.port, 3), collections.Counter({"a1": 3}))

    def test_removed_listener_stops_accepting_and_its_connection_continues(self):
        self.sy.rewrite_config(self.config_with_listener("api"))
        self.sy.ctl_ok("reload")
        api_port = self.sy.port("api")
        established = self.conversation(api_port, host=self.API_HOST)

        self.sy.rewrite_config(self.config)
        result = self.sy.reload()
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("listener api closed", result.stdout)
        self.assertEqual([row["listener"] for row in self.sy.listeners()], ["web"])

        def refused():
            try:
                connect(api_port, timeout=2, host=self.API_HOST).close()
            except ConnectionRefusedError:
                return True
            return False
        wait_for(refused, 3, f"connections to the removed listener's port {api_port} to be refused")
        self.assertEqual(established.echo(b"listener gone, connection stays\n"), b"listener gone, connection stays\n")
        self.assertEqual(hello_names(self.port, 3), collections.Counter({"a1": 3}))


if __name__ == "__main__":
    unittest.main()
