#!/usr/bin/env python3
"""Set up and run ordofax on a fresh machine with nothing but Python 3.11+.

    python3 tasks.py demo    # create .venv, install, run the main job on the embedded defaults
    python3 tasks.py test    # create .venv, install system and Python test dependencies, lint, type-check, test

System packages (Ghostscript, Tesseract with French, poppler, PostgreSQL) are installed from Debian when
running as root with apt-get available; otherwise the tests that need them say what is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / "bin"
DEBIAN_PACKAGES = ["ghostscript", "tesseract-ocr", "tesseract-ocr-fra", "poppler-utils", "postgresql"]
NEEDED_COMMANDS = {"gs": "ghostscript", "tesseract": "tesseract-ocr", "pdftoppm": "poppler-utils"}


def sh(*cmd: str | Path, check: bool = True) -> int:
    print("+", " ".join(str(c) for c in cmd), flush=True)
    return subprocess.run([str(c) for c in cmd], cwd=ROOT, check=check).returncode


def venv(dev: bool) -> None:
    if not (BIN / "python").exists():
        sh(sys.executable, "-m", "venv", VENV)
        sh(BIN / "python", "-m", "pip", "install", "-q", "--upgrade", "pip")
    extra = ".[dev]" if dev else "."
    sh(BIN / "python", "-m", "pip", "install", "-q", "-e", extra)


def postgres_present() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/postgres"))


def system_packages() -> None:
    tessdata_fra = any(Path("/usr/share").glob("tesseract-ocr/*/tessdata/fra.traineddata"))
    missing = [pkg for cmd, pkg in NEEDED_COMMANDS.items() if shutil.which(cmd) is None]
    if not tessdata_fra:
        missing.append("tesseract-ocr-fra")
    if not postgres_present():
        missing.append("postgresql")
    if not missing:
        return
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        print(f"note: missing system packages {missing}; tests needing them will be skipped", flush=True)
        return
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *sorted(set(missing))], check=True, env=env)


def test() -> int:
    system_packages()
    venv(dev=True)
    sh(BIN / "ruff", "check", "gateway", "validators", "fakes", "tests", "benchmarks", "tasks.py")
    sh(BIN / "mypy")
    return sh(BIN / "pytest", *sys.argv[2:], check=False)


def demo() -> int:
    venv(dev=False)
    return sh(BIN / "ordofax", "demo", *sys.argv[2:], check=False)


def main() -> int:
    tasks = {"test": test, "demo": demo}
    if len(sys.argv) < 2 or sys.argv[1] not in tasks:
        print(__doc__)
        return 2
    try:
        return tasks[sys.argv[1]]()
    except subprocess.CalledProcessError as exc:
        return exc.returncode or 1


if __name__ == "__main__":
    raise SystemExit(main())
