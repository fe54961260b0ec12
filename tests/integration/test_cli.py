"""The command line: --version, --help, --check diagnostics, and ctl's exit
codes and messages against a running instance."""
import os
import signal
import stat
import unittest
from pathlib import Path

from fixtures import NO_CHECKS, IntegrationTest, run_binary, tcp_config, wait_for

GOOD_CONFIG = """\
[global]
workers = 1
admin_socket = "/tmp/switchyard-check-only.sock"

[[listener]]
name = "web"
bind = "127.0.0.1:0"
backend = "app"

[[backend]]
name = "app"

[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"
"""

# Four independent mistakes; each must be reported at its own line:column.
BAD_CONFIG = """\
[global]
workers = 1
admin_socket = "/tmp/switchyard-check-only.sock"
shutdwn_timeout = "1s"

[[listener]]
name = "web"
bind = "127.0.0.1:0"
backend = "nope"

[[backend]]
name = "app"
connect_timeout = "2 parsecs"

[[backend.server]]
name = "a1"
address = "127.0.0.1:9001"

[[backend.server]]
name = "a1"
address = "127.0.0.1:9002"
"""


def position(text, needle, occurrence=1):
    """1-based (line, column) of the n-th occurrence of `needle` in `text`."""
    index = -1
    for _ in range(occurrence):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


class CommandLineTest(IntegrationTest):
    def write(self, name, text):
        path = Path(self.workdir) / name
        path.write_text(text)
        return str(path)

    def test_version_prints_the_project_version(self):
        result = run_binary("--version")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, "switchyard 0.1.0\n")

    def test_help_prints_usage_with_every_mode(self):
        result = run_binary("--help")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertTrue(result.stdout.startswith("usage: switchyard"), result.stdout)
        for mode in ("--config FILE", "--check FILE", "ctl", "--version", "--help"):
            self.assertIn(mode, result.stdout)

    def test_check_accepts_a_valid_file(self):
        path = self.write("good.toml", GOOD_CONFIG)
        result = run_binary("--check", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{path}: ok (1 listeners, 1 backends)\n")
        self.assertEqual(result.stderr, "")

    def test_check_reports_each_error_at_its_line_and_column(self):
        path = self.write("bad.toml", BAD_CONFIG)
        result = run_binary("--check", path)
        self.assertEqual(result.returncode, 1, result.stdout)
        self.assertEqual(result.stdout, "")
        lines = result.stderr.splitlines()

        def expect(line, column, needle, occurrence, *message_parts):
            # The literal position keeps the test readable; the guard keeps it true if BAD_CONFIG is edited.
            self.assertEqual(position(BAD_CONFIG, needle, occurrence), (line, column), f"BAD_CONFIG moved {needle}")
            prefix = f"{path}:{line}:{column}: "
            matching = [entry for entry in lines if entry.startswith(prefix)]
            self.assertEqual(len(matching), 1, f"expected one diagnostic at {prefix!r} in:\n{result.stderr}")
            for part in message_parts:
                self.assertIn(part, matching[0])

        with self.subTest("unknown key, with the nearest known key suggested"):
            expect(4, 1, "shutdwn_timeout", 1, 'unknown key "shutdwn_timeout"', 'did you mean "shutdown_timeout"?')
        with self.subTest("undefined backend, at the value"):
            expect(9, 11, '"nope"', 1, 'backend "nope" is not defined')
        with self.subTest("bad duration, at the value"):
            expect(13, 19, '"2 parsecs"', 1, "connect_timeout", '"2 parsecs"')
        with self.subTest("duplicate server name, at the second name"):
            expect(20, 8, '"a1"', 2, 'duplicate server name "a1"', "line 16")
        self.assertEqual(len(lines), 4, f"expected exactly four diagnostics:\n{result.stderr}")

    def test_check_accepts_two_listeners_on_port_0(self):
        # Port 0 asks the kernel for a free port: two such listeners never
        # collide, and it is how tests (and ctl show listeners users) run them.
        text = GOOD_CONFIG.replace("[[backend]]", '[[listener]]\nname = "api"\nbind = "127.0.0.1:0"\n'
                                                   'backend = "app"\n\n[[backend]]')
        path = self.write("two-port-0.toml", text)
        result = run_binary("--check", path)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout, f"{path}: ok (2 listeners, 1 backends)\n")

    def test_check_reports_toml_syntax_errors_with_a_position(self):
        text = '[global]\nworkers = 1\n\n[[listener]\nname = "web"\n'
        path = self.write("syntax.toml", text)
        result = run_binary("--check", path)
        self.assertEqual(result.returncode, 1)
        self.assertRegex(result.stderr, rf"^{path}:4:\d+: ")

    def test_check_of_a_missing_file_fails(self):
        path = str(Path(self.workdir) / "absent.toml")
        result = run_binary("--check", path)
        self.assertEqual(result.returncode, 1)
        self.assertIn(path, result.stderr)


class ControlClientTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.backend = self.start_backend("a1")
        self.sy = self.start_switchyard(tcp_config([self.backend], health=NO_CHECKS))

    def test_help_lists_the_commands(self):
        result = self.sy.ctl("help")
        self.assertEqual(result.returncode, 0, result.stderr)
        for command in ("show servers", "show listeners", "set weight", "drain", "maint", "ready", "reload"):
            self.assertIn(command, result.stdout)

    def test_unknown_command_exits_1_with_a_message(self):
        result = self.sy.ctl("frobnicate", "everything")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertIn('unknown command "frobnicate everything"', result.stderr)

    def test_unknown_server_exits_1_naming_it(self):
        for args in (["drain", "app/x"], ["maint", "app/x"], ["ready", "app/x"], ["set", "weight", "app/x", "5"]):
            with self.subTest(command=" ".join(args)):
                result = self.sy.ctl(*args)
                self.assertEqual(result.returncode, 1, result.stdout)
                self.assertEqual(result.stderr.strip(), 'no server "app/x"')
        with self.subTest(command="drain nope/a1"):
            result = self.sy.ctl("drain", "nope/a1")
            self.assertEqual(result.returncode, 1)
            self.assertEqual(result.stderr.strip(), 'no server "nope/a1"')

    def test_unknown_backend_in_show_servers_exits_1(self):
        result = self.sy.ctl("show", "servers", "nope")
        self.assertEqual(result.returncode, 1)
        self.assertIn('no backend "nope"', result.stderr)

    def test_malformed_server_argument_exits_1(self):
        result = self.sy.ctl("drain", "a1")
        self.assertEqual(result.returncode, 1)
        self.assertIn("BACKEND/SERVER", result.stderr)

    def test_unreachable_socket_exits_2(self):
        missing = os.path.join(self.workdir, "nobody-here.sock")
        result = run_binary("ctl", "--socket", missing, "show", "servers")
        self.assertEqual(result.returncode, 2)
        self.assertIn(missing, result.stderr)

    def test_admin_socket_is_owner_only(self):
        mode = os.stat(self.sy.admin_socket).st_mode
        self.assertTrue(stat.S_ISSOCK(mode))
        self.assertEqual(stat.S_IMODE(mode), 0o600, oct(stat.S_IMODE(mode)))

    def test_ctl_finds_the_admin_socket_through_the_config_file(self):
        result = run_binary("ctl", "--config", self.sy.config_path, "--json", "show", "servers")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('"server":"a1"', result.stdout.replace(" ", ""))

    def test_show_listeners_reports_the_actual_port(self):
        [row] = self.sy.listeners()
        self.assertEqual(row["listener"], "web")
        self.assertEqual(row["bind"], "127.0.0.1:0")
        self.assertIsInstance(row["port"], int)
        self.assertGreater(row["port"], 0)
        self.assertIn(f":{row['port']} -> backend app", self.sy.log_text())


class AdminSocketOwnershipTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.a1, self.b1 = self.start_backends("a1", "b1")
        self.first = self.start_switchyard(tcp_config([self.a1], health=NO_CHECKS), name="first")

    def second_config(self):
        config = tcp_config([self.b1], health=NO_CHECKS)
        config["global"]["admin_socket"] = self.first.admin_socket
        return config

    def test_second_instance_does_not_take_over_a_live_admin_socket(self):
        second = self.launch_switchyard(self.second_config(), name="second")
        wait_for(lambda: not second.running() or second.find_log(r"switchyard started"), 10,
                 "the second instance to start or give up")
        # The operator's ctl must still reach the instance that owns the socket.
        self.assertEqual([row["server"] for row in self.first.servers()], ["a1"],
                         "the admin socket now leads to the second instance")
        self.assertFalse(second.running(), "a second instance runs on a live admin socket")
        self.assertEqual(second.process.returncode, 1)
        self.assertIn(self.first.admin_socket, second.log_text())

    def test_socket_left_by_a_killed_instance_is_replaced(self):
        self.first.stop(signal.SIGKILL)
        self.assertTrue(os.path.exists(self.first.admin_socket), "SIGKILL should leave the socket file behind")
        second = self.start_switchyard(self.second_config(), name="second")
        self.assertEqual([row["server"] for row in second.servers()], ["b1"])
        self.assertEqual(stat.S_IMODE(os.stat(self.first.admin_socket).st_mode), 0o600)


if __name__ == "__main__":
    unittest.main()
