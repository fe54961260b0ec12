# Turns a suite's scenarios into a markdown report: the machine it ran on, a
# summary of switchyard/incumbent ratios (haproxy, pgbouncer...), one detail table
# per scenario, and any errors in bold. Writes bench/results/<suite>-<UTC time>.md and returns the text.
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
    incumbent: str = "haproxy"  # the target switchyard's ratios are taken against
    direct_label: str = "direct nginx"  # the summary's column for the no-proxy baseline
    sections: list = field(default_factory=list)  # extra markdown lines after the summary
    # lines that replace the rate/CPU summary, for a suite whose runs are not throughput runs (failover)
    summary: list = None
    problems: list = field(default_factory=list)  # switchyard broke a promise of the suite: banner, exit status 1


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


def machine_facts(switchyard_binary, root, tools, revision=None):
    """TOOLS: name -> argv printing its version (a suite's VERSIONS). REVISION: where the binary was
    built from, when not from ROOT's work tree as it is."""
    facts = {
        "cpus (nproc)": str(os.cpu_count()),
        "cpu model": _cpu_model(),
        "kernel": platform.release(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
        "switchyard": f"{_first_line([str(switchyard_binary), '--version'])} "
                      f"(Release build, {revision or 'git ' + _git_revision(root)})",
    }
    facts.update({name: _first_line(argv) for name, argv in tools.items()})
    return facts


def _fmt(x, digits=3):
    if x != x:  # nan
        return "–"
    return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"


def _ratio(a, b):
    return f"{a / b:.2f}×" if b and a == a and b == b else "–"


def _errors_text(s, name):
    errors = s.errors(name)
    if not errors:
        return "0"
    text = "**" + ", ".join(f"{k} {v:,}" for k, v in errors.items()) + "**"
    return text + " (expected, see notes)" if name in s.expected_errors else text


def _compared(s, name, value, unit=""):
    """VALUE as text, flagged when NAME's runs had errors (then no ratio is drawn from it)."""
    return f"{_fmt(value)}{unit}" + (" (**errors**)" if s.errors(name) else "")


def _ratio_unless_errors(s, a_name, a, b_name, b):
    failed = [n for n in (a_name, b_name) if s.errors(n)]
    return f"n/a: {' and '.join(failed)} had errors" if failed else _ratio(a, b)


def summary_table(scenarios, targets, incumbent="haproxy", direct_label="direct nginx"):
    """One row per scenario: incumbent vs switchyard (rates and CPU per unit, with ratios), then
    any further targets (e.g. switchyard with more workers) against the incumbent, then direct."""
    extra = [t for t in targets if t.name not in ("direct", incumbent, "switchyard")]
    header = (f"| scenario | {incumbent} | switchyard | **switchyard / {incumbent}** | {incumbent} CPU "
              f"| switchyard CPU | **CPU switchyard / {incumbent}** |")
    header += "".join(f" {t.label} (/ {incumbent}) | {t.label} CPU (/ {incumbent}) |" for t in extra)
    lines = [header + f" {direct_label} |", "|---" + "|---:" * (7 + 2 * len(extra)) + "|"]
    for s in scenarios:
        row = (f"| {s.title} | {_compared(s, incumbent, s.value(incumbent), ' ' + s.value_label)} "
               f"| {_compared(s, 'switchyard', s.value('switchyard'), ' ' + s.value_label)} "
               f"| **{_ratio_unless_errors(s, 'switchyard', s.value('switchyard'), incumbent, s.value(incumbent))}** "
               f"| {_fmt(s.cpu_per_unit(incumbent))} {s.cpu_label} | {_fmt(s.cpu_per_unit('switchyard'))} {s.cpu_label} "
               f"| **{_ratio_unless_errors(s, 'switchyard', s.cpu_per_unit('switchyard'), incumbent, s.cpu_per_unit(incumbent))}** |")
        for t in extra:
            row += (f" {_compared(s, t.name, s.value(t.name))} "
                    f"({_ratio_unless_errors(s, t.name, s.value(t.name), incumbent, s.value(incumbent))}) "
                    f"| {_fmt(s.cpu_per_unit(t.name))} "
                    f"({_ratio_unless_errors(s, t.name, s.cpu_per_unit(t.name), incumbent, s.cpu_per_unit(incumbent))}) |")
        direct = f"{_fmt(s.value('direct'))} {s.value_label}" if s.runs.get("direct") else "–"
        lines.append(row + f" {direct} |")
    return lines


def scenario_table(s, targets):
    direct = s.value("direct")
    backend = f" {s.backend_cpu_label} |" if s.backend_cpu_label else ""
    extra = "".join(f" {label} |" for label, _ in s.extra_columns)
    lines = [f"### {s.title}", "", f"Load: `{s.load}`", "",
             f"| target | {s.value_label} | per round | % of direct | {s.cpu_label} | proxy CPU busy |{backend} "
             f"{s.latency_label} | peak RSS MiB | requests |{extra} errors |",
             "|---|---:|---|---:|---:|---:|" + ("---:|" if backend else "") + "---:|---:|---:|"
             + "---:|" * len(s.extra_columns) + "---:|"]
    for t in targets:
        runs = s.runs.get(t.name, [])
        rss = max((r.peak_rss for r in runs), default=0)
        lines.append(
            f"| {t.label} | {_fmt(s.value(t.name))} | {', '.join(_fmt(v) for v in s.round_values(t.name))} "
            + (f"| {100 * s.value(t.name) / direct:.0f}% | " if direct else "| – | ")
            + (f"{_fmt(s.cpu_per_unit(t.name))} | {100 * s.cpu_busy(t.name):.0f}%" if t.process else "– | –")
            + (f" | {_fmt(s.backend_cpu_per_unit(t.name))}" if backend else "")
            + f" | {_fmt(s.latency_ms(t.name))} | "
            + (f"{rss / 2**20:.1f}" if t.process else "–")
            + f" | {sum(r.requests for r in runs):,} |"
            + "".join(f" {column(runs)} |" for _, column in s.extra_columns)
            + f" {_errors_text(s, t.name)} |")
    return lines


def failing_targets(scenarios):
    """Names of targets with errors that are not a known limitation, or a proxy that died."""
    return sorted({name for s in scenarios for name, runs in s.runs.items() for r in runs
                   if (r.error_count and name not in s.expected_errors) or not r.proxy_alive})


def has_errors(scenarios):
    return bool(failing_targets(scenarios))


def render(suite, result, settings, facts):
    targets, scenarios = result.targets, result.scenarios
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"# switchyard bench: {suite} — {now:%Y-%m-%d %H:%M} UTC", "", result.description, ""]
    failing = failing_targets(scenarios)
    if any(name.startswith("switchyard") for name in failing):
        lines += ["> **SWITCHYARD ERRORS: switchyard had errors (see the errors columns) or died. "
                  "The numbers below are not trustworthy.**", ""]
    if failing:
        lines += [f"> **ERRORS: runs through {', '.join(failing)} had load-generator errors (socket errors, "
                  "timeouts, non-2xx responses, failed transactions or aborted clients) or a dead proxy. "
                  "The numbers below are not trustworthy.**", ""]
    if result.problems:
        lines += ["> **SWITCHYARD PROBLEMS:** " + " ".join(f"**{p}.**" for p in result.problems), ""]
    if getattr(settings, "only", None) is not None:
        lines += [f"Only the scenarios whose title matches `{settings.only.pattern}` ran (--only).", ""]
    if result.summary is None:
        lines += [f"Each run lasts {settings.duration} s; {settings.rounds} round(s) per scenario, the order "
                  "of targets rotating each round; proxies run with "
                  f"{settings.workers} worker thread(s). CPU is utime+stime of the proxy process (all threads) "
                  "from /proc/PID/stat over the run. Ratios: higher is better for rates, lower for CPU.", "",
                  "## Summary", ""] + summary_table(scenarios, targets, result.incumbent, result.direct_label) + [""]
    else:
        lines += result.summary
    lines += result.sections
    if scenarios:
        lines += ["## Scenarios", ""]
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
