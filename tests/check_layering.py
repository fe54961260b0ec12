#!/usr/bin/env python3
"""Checks that every #include follows the layering in docs/architecture.md.

Each folder may include itself and the folders listed for it here; anything
else (a lower layer reaching up, or two fronts reaching into each other) is
reported with file and line, and the script exits non-zero. The table is the
architecture picture in executable form: change both together.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent

LIBRARIES = ["conf", "balancer", "healthcheck", "pgwire", "resp", "tls", "sentinel"]
FRONTS = ["proxy/tcp", "proxy/http", "proxy/postgres", "proxy/redis"]

# folder -> the folders (besides itself) it may include
ALLOWED = {
    "conf": [],
    "pgwire": [],
    "resp": [],
    "tls": [],
    "balancer": ["conf"],
    "healthcheck": ["conf", "balancer", "pgwire", "resp", "tls"],
    # Sentinel following: reads Sentinels with healthcheck's Redis client and ROLE reader.
    "sentinel": ["conf", "healthcheck", "resp"],
    "proxy/core": ["conf", "balancer", "tls"],
    # The PROXY protocol codec and reader: below the fronts, which send headers.
    "proxy/proxy_protocol": ["conf", "balancer", "proxy/core"],
    **{front: LIBRARIES + ["proxy/core", "proxy/proxy_protocol"] for front in FRONTS},
    "proxy/control": LIBRARIES + ["proxy/core"] + FRONTS,
    "proxy/admin": LIBRARIES + ["proxy/core", "proxy/control"] + FRONTS,
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def folder_of(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if parts[0] == "proxy" and len(parts) > 2 else parts[0]


def main() -> int:
    problems = []
    for folder, allowed in ALLOWED.items():
        base = ROOT / folder
        if not base.is_dir():
            continue
        for source in sorted(base.rglob("*")):
            if source.suffix not in (".cpp", ".hpp", ".h"):
                continue
            for number, line in enumerate(source.read_text().splitlines(), 1):
                match = INCLUDE.match(line)
                if not match:
                    continue
                target = folder_of(match.group(1))
                if target == folder or target in allowed or target not in ALLOWED:
                    continue  # itself, a lower layer, or not one of ours (e.g. a package header)
                problems.append(f"{source.relative_to(ROOT)}:{number}: {folder} must not include {match.group(1)}")
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} include(s) against the layering in docs/architecture.md")
        return 1
    print(f"layering ok: {len(ALLOWED)} folders checked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
