"""Every example the README and the commands' --help show runs as shown and ends with the code
it documents: 0, unless it is shown to demonstrate a failure (its comment says so).

Examples run in a scratch folder holding the files they name (points.csv, notes.txt), with a
generous CPU budget, since a shown example must never hit one on a slow machine.
"""

import re
import shlex
from pathlib import Path

import pytest

from tests.conftest import gradcli

README = (Path(__file__).parent.parent / "README.md").read_text()
COMMANDS = ["grad", "hessian", "jacobian", "taylor", "critical", "descend", "compare", "sweep",
            "functions", "fit", "data", "embed", "reparam"]
SHOWN_FAILING = {  # an example shown to fail, with the code it documents
    'gradcli descend "x**2" --start 1 --lr 1.5': 4,  # "too big a step: diverges"
}
STDIN = {"--data -": "x,label\n1,a\n2,b\n3,a\n4,b\n"}


def _command(line: str) -> str:
    """The command of an example line: no comment, no pipe into another program."""
    return re.split(r"\s+#\s|\s\|\s", line)[0].strip()


def _readme_examples() -> list[str]:
    blocks = re.findall(r"```[a-z]*\n(.*?)```", README, re.S)
    return [_command(line) for block in blocks for line in block.splitlines()
            if line.startswith("gradcli ")]


def _help_examples() -> list[str]:
    """Each command's examples, a folded one joined back as a shell joins its lines."""
    found = []
    for command in COMMANDS:
        text = gradcli(command, "--help").stdout.replace(" \\\n", " ")
        found += [_command(" ".join(line.split())) for line in text.splitlines()
                  if line.strip().startswith("gradcli ")]
    return found


EXAMPLES = sorted(set(_readme_examples() + _help_examples()))


def test_every_command_shows_examples_and_the_readme_many():
    assert len(_readme_examples()) >= 40 and len(_help_examples()) >= 40


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_example_runs_as_shown(example, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("points.csv").write_text("x,y\n" + "".join(f"{k / 10},{2 * k / 10 + 1}\n"
                                                    for k in range(40)))
    Path("notes.txt").write_text("the cat sat on the mat\nthe dog sat on the rug\n" * 20)
    stdin = next((text for marker, text in STDIN.items() if marker in example), None)
    run = gradcli(*shlex.split(example)[1:], stdin=stdin, env={"GRADCLI_TIME_BUDGET": "60"})
    assert run.code == SHOWN_FAILING.get(example, 0), (run.code, run.stderr[-400:])
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
