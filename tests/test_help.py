"""Every command explains itself with an example, fast, and appears in the README."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from gradcli.cli import app
from tests.conftest import gradcli

COMMANDS = sorted([command.name or command.callback.__name__ for command in app.registered_commands]
                  + [group.name for group in app.registered_groups])
README = (Path(__file__).parent.parent / "README.md").read_text()


def test_version():
    from gradcli import __version__

    run = gradcli("--version")
    assert (run.code, run.stdout) == (0, f"gradcli {__version__}\n")


def test_top_level_help_lists_every_command_and_an_example():
    run = gradcli("--help")
    assert run.code == 0
    assert "Example" in run.stdout
    for command in COMMANDS:
        assert re.search(rf"\b{command}\b", run.stdout)


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_a_purpose_and_an_example(command):
    run = gradcli(command, "--help")
    assert run.code == 0
    assert "Examples:" in run.stdout
    assert f"gradcli {command} " in run.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_is_in_the_readme(command):
    assert f"gradcli {command}" in README


def test_help_does_not_import_heavy_libraries():
    probe = ("import os, sys; sys.argv = ['gradcli', '--help']\n"
             "os._exit = lambda code: None  # main() ends the process; let it return here\n"
             "from gradcli.__main__ import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "heavy = [m for m in ('sympy', 'numpy', 'plotext') if m in sys.modules]\n"
             "print('HEAVY', heavy)")
    for args in ([], ["descend"]):
        script = probe.replace("['gradcli', '--help']", repr(["gradcli", *args, "--help"]))
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert "HEAVY []" in out.stdout, out.stdout + out.stderr


def test_python_dash_m_runs_the_cli():
    out = subprocess.run([sys.executable, "-m", "gradcli", "--version"], capture_output=True,
                         text=True)
    assert out.returncode == 0 and out.stdout.startswith("gradcli ")


def test_ci_runs_the_readme_test_command():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    command = 'python -m pip install -e ".[test]" && python -m pytest'
    assert command in README.split("## Usage")[0]
    assert command in ci


@pytest.mark.parametrize("command", ["grad", "hessian", "jacobian", "descend", "compare",
                                     "sweep", "critical", "taylor"])
def test_every_command_that_reads_a_function_takes_dim_and_the_readme_shows_it(command):
    run = gradcli(command, "--help")
    assert "--dim" in run.stdout
    assert re.search(rf"gradcli {command} [^\n]*--dim", README)


def test_record_x_is_documented():
    assert "--record-x" in gradcli("descend", "--help").stdout and "--record-x" in README


@pytest.mark.parametrize("command", ["descend", "compare", "sweep", "critical", "fit", "embed",
                                     "reparam"])
def test_save_is_in_the_help_with_an_example_and_in_the_readme(command):
    text = gradcli(command, "--help").stdout.replace(" \\\n", " ")  # folded examples, joined
    assert "--save" in text and re.search(rf"gradcli {command} [^\n]*--save", text)
    assert re.search(rf"gradcli {command} [^\n]*--save", README)


@pytest.mark.parametrize("command", ["descend", "compare"])
def test_animate_is_in_the_help_and_the_readme(command):
    assert "--animate" in gradcli(command, "--help").stdout
    assert "--animate" in README and "--fps" in README


def test_help_examples_are_whole_lines_or_folded_with_a_visible_continuation():
    from gradcli.cli.help_text import fold_example

    line = 'gradcli taylor "exp(x)*sin(y)" --at 0,1 --step 0.1 --step 0.01  # models and errors'
    assert fold_example(line, 200) == [line]
    assert fold_example(line, 40) == ['gradcli taylor "exp(x)*sin(y)" \\',
                                      '    --at 0,1 --step 0.1 --step 0.01',
                                      '    # models and errors']
    import os
    import subprocess
    import sys

    for width in (40, 60, 200):
        text = subprocess.run([sys.executable, "-m", "gradcli", "descend", "--help"],
                              capture_output=True, text=True, timeout=120,
                              env={**os.environ, "COLUMNS": str(width)}).stdout
        examples = text.split("Examples:")[1].split("Arguments:")[0].splitlines()
        assert all(len(row) < width for row in examples), (width, examples)
        assert sum(row.strip().startswith("gradcli ") for row in examples) == 10
        joined = text.replace(" \\\n", " ")
        assert "gradcli descend rosenbrock --method adam --lr 0.05 --save adam.png" in \
            " ".join(joined.split())
