"""`cmake --install` into a scratch root: every file lands where the
packaging promises, the installed binary runs and accepts the installed
configuration, the man page renders without warnings, and systemd-analyze
finds nothing wrong with the unit. Usage: check_install.py BUILD_DIR"""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

EXPECTED = ["usr/bin/switchyard", "usr/share/man/man8/switchyard.8", "usr/lib/systemd/system/switchyard.service",
            "usr/share/doc/switchyard/README.md", "usr/share/doc/switchyard/LICENSE",
            "usr/share/doc/switchyard/configuration.md", "usr/share/doc/switchyard/operations.md",
            "usr/share/doc/switchyard/examples/minimal.toml"]


def run(*args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=120, **kw)


def main(build_dir):
    failures = []
    with tempfile.TemporaryDirectory(prefix="sy-install-") as root:
        result = run("cmake", "--install", build_dir, "--prefix", "/usr", env={**os.environ, "DESTDIR": root})
        if result.returncode != 0:
            print(result.stdout, result.stderr)
            return 1
        root = Path(root)
        failures += [f"missing after install: /{path}" for path in EXPECTED if not (root / path).is_file()]
        # The configuration's directory comes from the configure-time prefix (/etc for /usr).
        configs = sorted(root.glob("**/switchyard/switchyard.toml"))
        if len(configs) != 1:
            failures.append(f"expected one installed switchyard.toml, found {configs}")
        binary = root / "usr/bin/switchyard"
        if binary.is_file():
            version = run(str(binary), "--version")
            if not version.stdout.startswith("switchyard "):
                failures.append(f"installed binary --version: {version.stdout!r} {version.stderr!r}")
            for config in configs:
                check = run(str(binary), "--check", str(config))
                if check.returncode != 0:
                    failures.append(f"--check {config}: {check.stdout}{check.stderr}")
        man = root / "usr/share/man/man8/switchyard.8"
        if man.is_file() and shutil.which("groff"):
            rendered = run("groff", "-man", "-Tutf8", "-ww", "-z", str(man))
            if rendered.returncode != 0 or rendered.stderr:
                failures.append(f"man page warnings: {rendered.stderr}")
        unit = root / "usr/lib/systemd/system/switchyard.service"
        if unit.is_file() and shutil.which("systemd-analyze"):
            # The unit names /usr/bin/switchyard; point it at the installed copy so verify can check it.
            checked = root / "switchyard.service"
            checked.write_text(unit.read_text().replace("/usr/bin/switchyard", str(binary)))
            verify = run("systemd-analyze", "verify", "--man=no", str(checked))
            if verify.returncode != 0 or verify.stderr.strip():
                failures.append(f"systemd-analyze verify: {verify.stdout}{verify.stderr}")
    for failure in failures:
        print("FAIL:", failure)
    print(f"install check: {len(EXPECTED) + 3 - len(failures)} checks passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
