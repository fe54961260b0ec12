# Entry point the bench/run.sh script calls: parses the options, runs each
# named suite (bench/suites/<name>.py, which exposes run(settings)), then
# prints and saves its report. Exits non-zero if any run saw errors.
import argparse
import importlib
import re
import signal
import sys
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BENCH_DIR))

from harness import report  # noqa: E402

ALL_SUITES = ["l4", "http", "tls", "postgres", "failover", "redis", "redis_failover"]


def parse_args():
    parser = argparse.ArgumentParser(description="side-by-side benchmarks of switchyard and its peers")
    parser.add_argument("suites", nargs="*", default=ALL_SUITES, help=f"suites to run (default: {ALL_SUITES})")
    parser.add_argument("--quick", action="store_true", help="smoke test: 3 s runs, 1 round, short warm-up")
    parser.add_argument("--duration", type=int, help="seconds per run (default 10, or 3 with --quick)")
    parser.add_argument("--rounds", type=int, help="rounds per scenario (default 3, or 1 with --quick)")
    parser.add_argument("--workers", type=int, default=1, help="switchyard workers = haproxy nbthread (default 1)")
    parser.add_argument("--only", type=re.compile, metavar="REGEX",
                        help="run only the scenarios whose title matches (redis and tls suites), e.g. '-P 1 '")
    parser.add_argument("--idle-clients", type=int, default=10000,
                        help="postgres suite: idle logged-in clients for the memory measurement (default 10000)")
    parser.add_argument("--revision", help="what the report names as the binary's source (default: the git "
                        "revision of this work tree), for a binary built elsewhere, e.g. from an export of a commit")
    parser.add_argument("--switchyard", type=Path, default=BENCH_DIR.parent / "build-release" / "switchyard",
                        help="switchyard binary (default build-release/switchyard)")
    settings = parser.parse_args()
    settings.rounds_given = settings.rounds is not None  # a suite with its own default (failover: 5 runs)
    settings.duration = settings.duration or (3 if settings.quick else 10)
    settings.rounds = settings.rounds or (1 if settings.quick else 3)
    settings.warmup = 1 if settings.quick else 2
    return settings


def main():
    settings = parse_args()
    failed = False
    for name in settings.suites:
        try:
            suite = importlib.import_module(f"suites.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"suites.{name}":
                raise
            print(f"no suite {name!r} (bench/suites/{name}.py)", file=sys.stderr)
            return 2
        print(f"== suite {name}: {settings.rounds} round(s) of {settings.duration} s per target and scenario",
              file=sys.stderr, flush=True)
        facts = report.machine_facts(settings.switchyard, BENCH_DIR.parent, getattr(suite, "VERSIONS", {}),
                                     settings.revision)
        try:
            result = suite.run(settings)
        except Exception:
            traceback.print_exc()
            print(f"!! suite {name} FAILED; no report written", file=sys.stderr)
            failed = True
            continue
        text = report.render(name, result, settings, facts)
        path = report.write(name + ("-quick" if settings.quick else ""), text)
        print(text)
        print(f"written to {path}", file=sys.stderr)
        if report.has_errors(result.scenarios) or result.problems:
            print(f"!! suite {name}: ERRORS during the runs, see the report", file=sys.stderr)
            failed = True
    return 1 if failed else 0


def interrupted(signum, frame):
    raise KeyboardInterrupt  # unwinds through the ProcessGroups, which stop their processes


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, interrupted)  # also when started in the background, where SIGINT is ignored
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the ProcessGroup context managers have stopped everything by now
        print("interrupted", file=sys.stderr)
        sys.exit(130)
