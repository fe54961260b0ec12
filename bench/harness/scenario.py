# One scenario of a suite: the same load run against every target (direct
# backend, haproxy, switchyard) in alternating order for several rounds, and
# the totals that the report turns into rates, CPU per unit and ratios.
import sys
from dataclasses import dataclass, field


@dataclass
class Target:
    name: str            # "direct", "haproxy", "switchyard": the keys ratios use
    label: str           # what the table shows, e.g. "haproxy 2.6.12 (mode tcp)"
    port: int
    process: object = None  # procs.Process of the proxy; None for the direct baseline


@dataclass
class Scenario:
    title: str
    load: str            # the load command, for the report
    value_label: str     # e.g. "GB/s"
    value_scale: float   # work units per value unit (1e9 bytes per GB)
    cpu_label: str       # e.g. "CPU s / GB"
    cpu_scale: float     # work units per CPU unit (1e4 connections)
    work: object         # wrk.Run -> amount of work (bytes, requests)
    runs: dict = field(default_factory=dict)  # target name -> [wrk.Run]
    latency_label: str = "worst p99 ms"
    latency: object = None  # [runs] -> ms for the table; None: the worst p99 of a round
    backend_cpu_label: str = ""  # e.g. "PostgreSQL CPU s / 100k tx", when runs carry backend_cpu_seconds
    # target name -> why its errors are a known limitation of that peer (reported, not
    # counted as a failed run, and no ratio is drawn from it)
    expected_errors: dict = field(default_factory=dict)
    extra_columns: list = field(default_factory=list)  # (label, [runs] -> text) for the scenario table

    def total(self, name):
        runs = self.runs.get(name, [])
        return (sum(self.work(r) for r in runs), sum(r.seconds for r in runs),
                sum(r.cpu_seconds for r in runs))

    def value(self, name):
        work, seconds, _ = self.total(name)
        return work / seconds / self.value_scale if seconds else 0.0

    def cpu_busy(self, name):
        """Share of one core the proxy used while loaded (1.0 = one core saturated)."""
        _, seconds, cpu = self.total(name)
        return cpu / seconds if seconds else 0.0

    def round_values(self, name):
        return [self.work(r) / r.seconds / self.value_scale for r in self.runs.get(name, [])]

    def cpu_per_unit(self, name):
        work, _, cpu = self.total(name)
        return cpu / (work / self.cpu_scale) if work else float("nan")

    def backend_cpu_per_unit(self, name):
        runs = self.runs.get(name, [])
        work = sum(self.work(r) for r in runs)
        return sum(r.backend_cpu_seconds for r in runs) / (work / self.cpu_scale) if work else float("nan")

    def latency_ms(self, name):
        runs = self.runs.get(name, [])
        if self.latency:
            return self.latency(runs)
        return max((r.p99_ms for r in runs), default=0)

    def errors(self, name):
        """Error kind -> count over all rounds of NAME, zero counts left out."""
        totals = {}
        for run in self.runs.get(name, []):
            for kind, count in run.errors.items():
                if count:
                    totals[kind] = totals.get(kind, 0) + count
        return totals


def wanted(settings, title):
    """Whether --only (a regex over scenario titles) lets this scenario run."""
    return settings.only is None or settings.only.search(title) is not None


def run_rounds(scenario, targets, rounds, warmup, load):
    """LOAD(target, seconds=None) -> wrk.Run. Round i starts at target i (mod n), so each
    target takes each place in the order equally often; a WARMUP-second run per target
    comes first and is dropped."""
    if warmup:
        for target in targets:
            load(target, warmup)
    for i in range(rounds):
        order = targets[i % len(targets):] + targets[:i % len(targets)]
        for target in order:
            run = load(target)
            scenario.runs.setdefault(target.name, []).append(run)
            errors = f", ERRORS {run.errors}" if run.error_count else ""
            print(f"  [{scenario.title}] round {i + 1}/{rounds} {target.name:<10} "
                  f"{scenario.work(run) / run.seconds / scenario.value_scale:10.3f} {scenario.value_label}"
                  f"  cpu {run.cpu_seconds:6.2f}s{errors}", file=sys.stderr, flush=True)
            if not run.proxy_alive:
                raise RuntimeError(f"{target.name} {target.process.exit_description()} during {scenario.title}:\n"
                                   + "\n".join(target.process.log_tail()))
    return scenario
