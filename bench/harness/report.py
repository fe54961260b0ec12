# Turns a suite's scenarios into a markdown report: the machine it ran on, a
# summary of switchyard/haproxy ratios, one detail table per scenario, and any
# errors in bold. Writes bench/results/<suite>-<UTC time>.md and returns the text.
import datetime
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"


@dataclass
class SuiteResult:
    """What a suite's run() hands back: its targets and scenarios plus what it noticed."""
    description: str
    targets: list
    scenarios: list
    notes: list = field(default_factory=list)
    logs: dict = field(default_factory=dict)  # process name -> last log lines worth showing


def _first_line(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    text = (out.stdout + out.stderr).strip()
    return text.splitlines()[0] if text else "?"


def _cpu_model():
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _git_revision(root):
    rev = _first_line(["git", "-C", str(root), "rev-parse", "--short", "HEAD"])
    if not rev or " " in rev:
        rev = "no commit"
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain"],
                           capture_output=True, text=True).stdout.strip()
    return rev + (" + uncommitted changes" if dirty else "")


def machine_facts(switchyard_binary, root):
    return {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _cpu_model(),
        "kernel": platform.release(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "switchyard": f"{_first_line([str(switchyard_binary), '--version'])} (Release build, git {_git_revision(root)})",
        "haproxy": _first_line(["haproxy", "-v"]),
        "nginx": _first_line(["nginx", "-v"]),
        "wrk": _first_line(["wrk", "-v"]),
    }


def _fmt(x, digits=3):
    if x != x:  # nan
        return "–"
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def _ratio(a, b):
    return f"{a / b:.2f}×" if b and a == a and b == b else "–"


def _errors_text(runs):
    totals = {}
    for run in runs:
        for kind, count in run.errors.items():
            totals[kind] = totals.get(kind, 0) + count
    bad = {k: v for k, v in totals.items() if v}
    return "0" if not bad else "**" + ", ".join(f"{k} {v}" for k, v in bad.items()) + "**"


def summary_table(scenarios):
    lines = ["| scenario | haproxy | switchyard | **switchyard / haproxy** | haproxy CPU | switchyard CPU "
             "| **CPU switchyard / haproxy** | direct nginx |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s in scenarios:
        lines.append(
            f"| {s.title} | {_fmt(s.value('haproxy'))} {s.value_label} | {_fmt(s.value('switchyard'))} {s.value_label} "
            f"| **{_ratio(s.value('switchyard'), s.value('haproxy'))}** "
            f"| {_fmt(s.cpu_per_unit('haproxy'))} {s.cpu_label} | {_fmt(s.cpu_per_unit('switchyard'))} {s.cpu_label} "
            f"| **{_ratio(s.cpu_per_unit('switchyard'), s.cpu_per_unit('haproxy'))}** "
            f"| {_fmt(s.value('direct'))} {s.value_label} |")
    return lines


def scenario_table(s, targets):
    direct = s.value("direct")
    lines = [f"### {s.title}", "", f"Load: `{s.load}`", "",
             f"| target | {s.value_label} | per round | % of direct | {s.cpu_label} | proxy CPU busy "
             "| worst p99 ms | peak RSS MiB | requests | errors |",
             "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for t in targets:
        runs = s.runs.get(t.name, [])
        rss = max((r.peak_rss for r in runs), default=0)
        lines.append(
            f"| {t.label} | {_fmt(s.value(t.name))} | {', '.join(_fmt(v) for v in s.round_values(t.name))} "
            f"| {100 * s.value(t.name) / direct:.0f}% | "
            + (f"{_fmt(s.cpu_per_unit(t.name))} | {100 * s.cpu_busy(t.name):.0f}%" if t.process else "– | –")
            + f" | {_fmt(max((r.p99_ms for r in runs), default=0))} | "
            + (f"{rss / 2**20:.1f}" if t.process else "–")
            + f" | {sum(r.requests for r in runs):,} | {_errors_text(runs)} |")
    return lines


def has_errors(scenarios):
    return any(r.error_count or not r.proxy_alive for s in scenarios for runs in s.runs.values() for r in runs)


def render(suite, result, settings, facts):
    targets, scenarios = result.targets, result.scenarios
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"# switchyard bench: {suite} — {now:%Y-%m-%d %H:%M} UTC", "", result.description, ""]
    if has_errors(scenarios):
        lines += ["> **ERRORS: some runs had wrk errors (socket errors, timeouts or non-2xx responses) "
                  "or a dead proxy. The numbers below are not trustworthy.**", ""]
    lines += [f"Each run lasts {settings.duration} s; {settings.rounds} round(s) per scenario, the order "
              "of targets rotating each round; proxies run with "
              f"{settings.workers} worker thread(s). CPU is utime+stime of the proxy process (all threads) "
              "from /proc/PID/stat over the run. Ratios: higher is better for rates, lower for CPU.", "",
              "## Summary", ""] + summary_table(scenarios) + ["", "## Scenarios", ""]
    for s in scenarios:
        lines += scenario_table(s, targets) + [""]
    if result.notes:
        lines += ["## Notes", ""] + [f"- {n}" for n in result.notes] + [""]
    for name, tail in result.logs.items():
        if tail:
            lines += [f"## {name} log (last lines)", "", "```"] + tail + ["```", ""]
    lines += ["## Machine", ""] + [f"- {k}: {v}" for k, v in facts.items()]
    lines.append(f"- load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return "\n".join(lines) + "\n"


def write(suite, text):
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    path = RESULTS_DIR / f"{suite}-{now:%Y-%m-%dT%H%MZ}.md"
    path.write_text(text)
    return path
