"""Ctrl-C and SIGTERM at random moments, in every loop, on a busy machine.

Each command runs in its own process. Once the process has installed its handlers (read from
/proc: a signal that lands before Python runs gradcli's first line kills any program), it is
signalled at a random moment from 0 to 1.6 s later (while Python imports, while the problem is
set up, while the loop steps, while a picture is drawn) and
must end as the README says: exit 130, one line on stderr, no traceback, and with --json exactly
one whole JSON document that says `interrupted`. Two busy processes compete for the 2 cores
meanwhile. GRADCLI_INTERRUPTS sets the number of signals per command (the suite sends 2; the
reliability issue's stress run sends 50 or more).
"""

import json
import os
import random
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.conftest import handles_signals, wait_until

PER_COMMAND = int(os.environ.get("GRADCLI_INTERRUPTS", "2"))
LONGEST_DELAY = 1.6
COMMANDS = {
    "fit": ["fit", "--model", "softmax", "--data", "iris", "--target", "species", "--batch", "1",
            "--epochs", "1e9", "--tol", "0"],
    "embed": ["embed", "--steps", "1e9", "--tol", "0"],
    "vectors": ["descend", "sphere_nd", "--dim", "1000000", "--steps", "1e9", "--tol", "0"],
    "descend": ["descend", "rosenbrock", "--steps", "1e9", "--tol", "0"],
    "compare": ["compare", "rosenbrock", "--methods", "gd,adam,newton", "--steps", "1e8",
                "--tol", "0"],
    "reparam": ["reparam", "rosenbrock", "--map", "x=u, y=10*v", "--steps", "1e8", "--tol", "0"],
    "picture": ["descend", "rosenbrock", "--save", "{tmp}/path.gif"],
    "race": ["compare", "rosenbrock", "--methods", "gd,adam,newton", "--save", "{tmp}/race.gif"],
}


@pytest.fixture(scope="module")
def busy_machine():
    """Two processes that keep both cores busy while the signals are sent."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    yield
    for spinner in spinners:
        spinner.kill()
        spinner.wait()


def _interrupted(document) -> bool:
    """The document says so: its status, or (compare, reparam) the status of one of its runs."""
    if isinstance(document, dict):
        return document.get("status") == "interrupted" or any(
            _interrupted(value) for value in document.values())
    return isinstance(document, list) and any(_interrupted(item) for item in document)


def _signal_once(args: list[str], delay: float, kind: signal.Signals) -> tuple:
    process = subprocess.Popen([sys.executable, "-m", "gradcli", *args, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: handles_signals(process.pid) or process.poll() is not None)
    try:
        process.communicate(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(kind)
    stdout, stderr = process.communicate(timeout=120)
    return process.returncode, stdout, stderr


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_interrupt_ends_with_130_one_line_and_one_json_document(command, tmp_path,
                                                                      busy_machine):
    args = [word.format(tmp=tmp_path) for word in COMMANDS[command]]
    chooser = random.Random(command)
    moments = [(chooser.uniform(0, LONGEST_DELAY), chooser.choice([signal.SIGINT,
                                                                   signal.SIGTERM]))
               for _ in range(PER_COMMAND)]
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda moment: _signal_once(args, *moment), moments))
    for (delay, kind), (code, stdout, stderr) in zip(moments, outcomes, strict=True):
        where = f"{command} signalled with {kind.name} after {delay:.2f} s"
        assert code == 130, (where, code, stderr)
        assert "Traceback" not in stderr and len(stderr.splitlines()) == 1, (where, stderr)
        name = "Ctrl-C" if kind == signal.SIGINT else "SIGTERM"
        if "Interrupted (" in stderr:  # the signal is named as it came
            assert f"Interrupted ({name})" in stderr, (where, stderr)
        document = json.loads(stdout)  # exactly one whole document: nothing before or after
        assert _interrupted(document), (where, stdout[:300])
    assert not list(tmp_path.glob("*.gif")) and not list(tmp_path.glob(".*"))  # no picture
