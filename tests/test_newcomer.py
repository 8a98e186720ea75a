"""A newcomer's first mistakes: each ends in one sentence that names the fix (exit 2), and the
shell completes what gradcli knows."""

import os
import subprocess
import sys

import pytest

from tests.conftest import gradcli

MISTAKES = [
    (("descend", "x**2", "--start", "1", "--methods", "gd,adam"),
     "no such option --methods for descend; did you mean --method (or gradcli compare, which "
     "runs several methods)?"),
    (("descend", "x**2", "--start", "1", "--learning-rate", "0.1"),
     "no such option --learning-rate for descend; did you mean --lr?"),
    (("grad", "x**2", "--at=1", "--dirr", "1"),
     "no such option --dirr for grad; did you mean --dir?"),
    (("grad", "x**2", "+", "y**2"),
     "the function arrived in pieces (x**2, +, y**2): the shell splits unquoted text at spaces; "
     "put the function in quotes, such as gradcli grad \"x**2 + y**2\"."),
    (("descend", "x", "**2", "--start", "1", "--lr", "0.1"),  # option values are no pieces
     "the function arrived in pieces (x, **2): the shell splits unquoted text at spaces; put "
     "the function in quotes, such as gradcli descend \"x **2\"."),
    (("fit", "w*x + b", "--data", "anscombe", "--target", "y", "--accumulate", "4"),
     "--accumulate is a switch and takes no value; remove '4' (see gradcli fit --help)."),
    (("descend", "x**2", "--start", "1", "--method", "Adam"),
     "unknown method 'Adam'; did you mean adam? known methods: gd, momentum, nesterov, adagrad, "
     "rmsprop, adam, newton."),
    (("descend", "x**2", "--start", "1", "--lr", "0,1"),
     "--lr takes a number with a decimal point, not a comma: write --lr 0.1."),
    (("descend", "x**2", "--start", "1", "--lr", "abc"),
     "--lr takes a number, not 'abc'; for example --lr 0.1."),
    (("descend", "x**2", "--start", "1", "--steps", "1.5"),
     "--steps takes a whole number, not '1.5'; for example --steps 1000."),
    (("critical", "x**2 + y**2", "--box", "-1,1"),
     "--box takes ranges written LOW:HIGH; write -1:1 (not -1,1), or one range per variable "
     "separated by commas."),
    (("grad", "x**2", "--at"), "--at needs a value; for example --at 1,2."),
    (("taylor", "x**2"), "--at is required; for example --at 1,2."),
    (("grad",), "gradcli grad needs a function; give one in quotes, such as gradcli grad "
                "\"x**2 + y**2\"."),
    (("functions", "rosenbrock"),
     "no such command 'functions rosenbrock'; did you mean gradcli functions show rosenbrock?"),
    (("desend", "x**2"), "no such command 'desend'; did you mean descend?"),
    (("grad", "ln(x)"), "unknown function 'ln' at column 1; write log(…) (the natural "
                        "logarithm)."),
    (("grad", "log10(x)"), "unknown function 'log10' at column 1; write log(…, 10)."),
    (("grad", "arctan(x)"), "unknown function 'arctan' at column 1; write atan(…)."),
    (("grad", "arcsin(x)"), "unknown function 'arcsin' at column 1; write asin(…)."),
    (("grad", "Sin(x)"), "unknown function 'Sin' at column 1; function names are lower case: "
                         "write sin(…)."),
    (("grad", "Exp(x)"), "unknown function 'Exp' at column 1; function names are lower case: "
                         "write exp(…)."),
    (("grad", "|x|"), "'|' at column 1; write abs(x) for the absolute value |x|."),
    (("grad", "sin x"), "'sin' without parentheses at column 1; write sin(x)."),
    (("grad", "x y"), "implicit multiplication 'x y' at column 1; write x*y."),
    (("grad", "x**2 +"), "the expression ends with '+' at column 6; add what should follow it."),
]


@pytest.mark.parametrize("args, sentence", MISTAKES)
def test_each_mistake_gets_one_sentence_that_names_the_fix(args, sentence):
    run = gradcli(*args)
    assert (run.code, run.stdout, run.stderr) == (2, "", f"error: {sentence}\n")


def test_two_lines_on_stdin_are_one_expression_too_many():
    run = gradcli("grad", "-", stdin="x**2\ny**2\n")
    assert (run.code, run.stderr) == (2, "error: stdin holds 2 lines; gradcli reads one "
                                         "expression per input: give one line (join the parts "
                                         "with + or *).\n")


@pytest.mark.parametrize("args, expected", [
    (("grad", "π*x", "--json"), ["pi"]),
    (("grad", "e^x", "--json"), ["exp(x)"]),
    (("grad", "sigmoid(x)", "--json"), ["exp(-x)/(1 + exp(-x))**2"]),
    (("grad", "softplus(x)", "--json"), ["exp(x)/(exp(x) + 1)"]),
    (("descend", "x**2", "--start", "(1)", "--steps", "1e1", "--json"), None),
])
def test_notations_that_work(args, expected):
    run = gradcli(*args)
    assert run.code in (0, 3), run.stderr
    if expected is not None:
        assert run.json()["gradient"] == expected
    else:
        assert run.json()["iterations"] == 10


def test_relu_is_max_of_zero_and_x():
    data = gradcli("grad", "relu(x)", "--at", "2", "--json").json()
    assert data["function"] == "max(0, x)" and data["gradient_value"] == [1.0]


USAGE_ERRORS = [
    ("descend", "x**2", "--start"), ("descend", "x**2", "--start", "1", "--tol", "x"),
    ("compare", "x**2", "--start", "1", "--method", "gd"), ("sweep", "x**2", "--starts", "1"),
    ("hessian", "x**2", "--at", "1", "--json", "extra"), ("jacobian",), ("taylor", "x", "--at"),
    ("critical", "x", "--box"), ("functions", "show"), ("functions", "--bogus"),
    ("--bogus",), ("grad", "x", "--format"), ("descend", "x", "--start", "1", "--every", "z"),
    ("descend", "x", "--start", "1", "--seed", "1.5"), ("grad", "x", "--dim", "two"),
]


@pytest.mark.parametrize("args", USAGE_ERRORS)
def test_no_usage_error_prints_more_than_one_line(args):
    run = gradcli(*args)
    lines = run.stderr.splitlines()
    assert run.code == 2 and run.stdout == ""
    assert len(lines) == 1 and lines[0].startswith("error: "), run.stderr


def _complete(shell: str, words: str) -> list[str]:
    env = {**os.environ, "_GRADCLI_COMPLETE": f"complete_{shell}"}
    if shell == "bash":
        env.update(COMP_WORDS=words, COMP_CWORD=str(len(words.split()) - 1))
    else:
        env.update(_TYPER_COMPLETE_ARGS=words, _TYPER_COMPLETE_FISH_ACTION="get-args")
    out = subprocess.run([sys.executable, "-m", "gradcli"], env=env, capture_output=True,
                         text=True)
    return out.stdout.split()


@pytest.mark.parametrize("words, expected", [
    ("gradcli desc", ["descend"]),
    ("gradcli descend x --met", ["--method"]),
    ("gradcli descend x --method a", ["adagrad", "adam"]),
    ("gradcli compare x --methods gd,mo", ["gd,momentum"]),
    ("gradcli descend himm", ["himmelblau"]),
    ("gradcli functions show rosen", ["rosenbrock", "rosenbrock_nd"]),
    ("gradcli fit --data i", ["iris"]),
    ("gradcli data show en", ["engel"]),
])
def test_bash_completes_commands_options_methods_and_function_names(words, expected):
    assert _complete("bash", words) == expected


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_complete_too(shell):
    found = " ".join(_complete(shell, "gradcli descend x --method a"))
    assert "adagrad" in found and "adam" in found


@pytest.mark.parametrize("shell, marker", [("bash", "_gradcli_completion"),
                                           ("zsh", "#compdef gradcli"),
                                           ("fish", "complete --command gradcli")])
def test_show_completion_prints_each_shells_script(shell, marker):
    env = {**os.environ, "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    out = subprocess.run([sys.executable, "-m", "gradcli", "--show-completion", shell],
                         env=env, capture_output=True, text=True)
    assert out.returncode == 0 and marker in out.stdout


def test_color_always_never_and_a_wrong_value():
    args = ("descend", "x**2", "--start", "1", "--lr", "0.1", "--steps", "2", "--no-plot")
    assert "\x1b[" in gradcli(*args, "--color", "always").stdout  # even into a pipe
    assert "\x1b[" not in gradcli(*args, "--color=never").stdout
    assert "\x1b[" not in gradcli(*args).stdout  # auto: not a terminal here
    run = gradcli("grad", "x", "--color", "sometimes")
    assert (run.code, run.stderr) == (2, "error: --color takes auto, always or never, not "
                                         "'sometimes'.\n")
