"""Shared test set-up: plain, colourless, fixed-width CLI runs with stdout and stderr apart."""

import os

os.environ["_TYPER_FORCE_DISABLE_TERMINAL"] = "1"
for variable in ("FORCE_COLOR", "PY_COLORS", "GITHUB_ACTIONS", "GRADCLI_TIME_BUDGET",
                 "GRADCLI_FUNCTIONS_PATH"):
    os.environ.pop(variable, None)

import json  # noqa: E402
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from gradcli.cli import app  # noqa: E402

GOLDEN = Path(__file__).parent / "golden"

# CI explores the same examples every run (reproducible); a developer's run explores new ones.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


class Run:
    """One CLI invocation's outcome."""

    def __init__(self, result):
        self.code = result.exit_code
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.exception = result.exception

    def json(self):
        return json.loads(self.stdout)


def gradcli(*args: str, stdin: str | None = None, env: dict | None = None) -> Run:
    return Run(CliRunner().invoke(app, list(args), input=stdin, env=env))


# A number printed below 1e-12 is at rounding level for the goldens' functions (each starts
# with f of order 1 to 100): its digits depend on the BLAS, the NumPy and the processor (Newton's
# final f on rosenbrock is 3.7447e-21 on one machine and 3.7421e-21 on another). A golden pins
# only that such a value is there; the maths that fixes it is tested by rule elsewhere.
ROUNDING_LEVEL = re.compile(r"\d+(?:\.\d*)?e-(?:1[2-9]|[2-9]\d|\d{3,})")


def masked(text: str) -> str:
    return ROUNDING_LEVEL.sub("<1e-12>", text)


def assert_golden(name: str, text: str) -> None:
    """Compare with tests/golden/NAME (values at rounding level masked on both sides);
    GRADCLI_UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("GRADCLI_UPDATE_GOLDEN"):
        path.write_text(text)
    assert masked(text) == masked(path.read_text())


@pytest.fixture
def cli():
    return gradcli


def handles_signals(pid: int) -> bool:
    """Has the process installed handlers for SIGINT and SIGTERM (its SigCgt mask in /proc)?"""
    import signal

    try:
        with open(f"/proc/{pid}/status") as status:
            caught = next(int(line.split()[1], 16) for line in status
                          if line.startswith("SigCgt:"))
    except (OSError, StopIteration):
        return False
    wanted = (1 << (signal.SIGINT - 1)) | (1 << (signal.SIGTERM - 1))
    return caught & wanted == wanted


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (0 once it has gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_until(ready, polls: int = 200_000) -> None:
    """Poll a readiness condition (never a clock); a bounded number of tries, 1 ms apart."""
    import time

    for _ in range(polls):
        if ready():
            return
        time.sleep(0.001)


def interrupted_run(args: list[str], after: float) -> tuple[int, dict, str]:
    """Run `gradcli ARGS --json` in a process and press Ctrl-C once it has spent `after` seconds
    of CPU (it is then past start-up, in its loop, however busy the machine); return the exit
    code, the JSON it printed and its stderr."""
    import signal
    import subprocess
    import sys

    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "gradcli", *args, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    wait_until(lambda: cpu_seconds(process.pid) >= after or process.poll() is not None)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, json.loads(stdout) if stdout else {}, stderr
