"""Hardening: no wrong answer, hang, crash or memory blow-up on any input, option, file or channel.

The corpus holds the cases found by attacking gradcli and many more of their kinds; each names
its exit code and a fragment of the sentence it must print, and none may print a traceback, an
internal error, or take more than a few seconds.
"""

import json
import math
import os
import resource
import signal
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import cpu_seconds, gradcli, handles_signals, wait_until

NINES = "9" * 5000
LARGE = "constants are limited to about 1e300"
NOT_REAL = "is not a real number"
BUDGET = "budget"

# (arguments, environment, exit code, fragment of stderr — or of stdout when the code is 0 or 3)
CASES = [
    # constants that used to hang before any budget started
    (["grad", "x+sin(exp(exp(20)))"], None, 2, "the constant 'exp(exp(20))' is too large"),
    (["grad", "x**sin(exp(exp(20)))"], None, 2, LARGE),
    (["grad", "sin((7**(exp(exp(exp(10*E)))))+1)"], None, 2, LARGE),
    (["grad", "x*1e99_999_999"], None, 2, "not written in plain decimal digits"),
    (["grad", "exp(800)*x"], None, 2, LARGE),
    (["grad", "cosh(1000)+x"], None, 2, LARGE),
    (["grad", "x + 10**400"], None, 2, LARGE),
    (["grad", "x*E**E**E**E"], None, 2, LARGE),
    (["grad", "x+tan(exp(exp(7)))"], None, 2, LARGE),
    (["grad", "x+log(exp(exp(exp(3))))"], None, 2, LARGE),
    (["grad", "x**(exp(exp(9)))"], None, 2, LARGE),
    # constants that are not real numbers
    (["grad", "max(x, acos(2))"], None, 2, "the constant 'acos(2)' is not a real number"),
    (["grad", "cbrt(asin(2))*x"], None, 2, "the constant 'asin(2)' is not a real number"),
    (["grad", "x*(-8)**(1/3)"], None, 2, NOT_REAL),
    (["grad", "x + log(-1)"], None, 2, NOT_REAL),
    (["grad", "x + sqrt(-2)"], None, 2, NOT_REAL),
    (["grad", "x*acosh(0.5)"], None, 2, NOT_REAL),
    (["grad", "x*atanh(2)"], None, 2, NOT_REAL),
    (["descend", "x*(-8)**(1/3)", "--start", "1", "--method", "newton"], None, 2, NOT_REAL),
    # undefined constants
    (["grad", "min(x, 1/0)"], None, 2, "'1/0' is undefined"),
    (["descend", "log(x, 1)", "--start", "2"], None, 2, "is undefined"),
    (["descend", "x*1/0", "--start", "1"], None, 2, "is undefined"),
    (["grad", "x + 0**-1"], None, 2, "is undefined"),
    (["grad", "x + log(0)"], None, 2, "is undefined"),
    # exact arithmetic that exploded on a decimal point
    (["grad", "x**x", "--at", "0.7724"], None, 0, "0.6076105739"),
    (["grad", "x**1000", "--at", "1.23456789"], None, 0, "2.65132027e+94"),
    (["grad", "x**2 + 1e-300*y", "--at", "1,1"], None, 0, "1e-300"),
    (["grad", "cosh(cosh(x + 94057922927632911171459619914))", "--at", "1"], None, 4,
     "f is beyond the float range (about 1e308) at x = 1"),
    (["grad", "exp(x)", "--at", "800"], None, 4, "beyond the float range"),
    # time budget settings
    (["grad", "x**2"], {"GRADCLI_TIME_BUDGET": "inf"}, 2, "GRADCLI_TIME_BUDGET is 'inf'"),
    (["grad", "x**2"], {"GRADCLI_TIME_BUDGET": "1e10"}, 2, "from 0.01 to 3600"),
    (["grad", "x**2"], {"GRADCLI_TIME_BUDGET": "1e-5"}, 2, "from 0.01 to 3600"),
    (["grad", "x**2"], {"GRADCLI_TIME_BUDGET": "abc"}, 2, "GRADCLI_TIME_BUDGET is 'abc'"),
    (["grad", "x**2"], {"GRADCLI_TIME_BUDGET": "-1"}, 2, "from 0.01 to 3600"),
    (["critical", "himmelblau"], {"GRADCLI_TIME_BUDGET": "0.01"}, 5, BUDGET),
    # abs, sign, min, max of what SymPy cannot prove real
    (["hessian", "abs(log(x))", "--at", "2"], None, 0, "GD stability"),
    (["hessian", "sign(log(x))"], None, 0, "H ="),
    (["descend", "sign(log(x))", "--start", "2"], None, 3, ", on a plateau: the Hessian is zero"),
    (["critical", "min(sqrt(x), y)", "--numeric"], None, 0, ""),
    (["grad", "abs(x**x)"], None, 0, "sign(x^x)"),
    (["grad", "abs(sqrt(x) - 1)", "--at", "4"], None, 0, "0.25"),
    (["grad", "max(log(x), sqrt(x))", "--at", "4"], None, 0, "0.25"),
    (["hessian", "min(log(x), y)", "--at", "2,3"], None, 0, "H ="),
    (["grad", "sign(log(x))*x", "--at", "3"], None, 0, "1"),
    # constants folded before compiling; complex values in the loop are domain errors
    (["descend", "x**2 + sin(15834021267053374293671735118)*x", "--start", "1", "-q"], None, 0,
     "-0.397314"),
    (["descend", "x**(1/3)", "--start", "-1", "-q"], None, 4,
     "x**(1/3) (a fractional power of a negative number; cbrt(…) is the real cube root)"),
    (["descend", "x**(2/3) + x**2", "--start", "-2", "--steps", "10"], None, 4, "Domain error"),
    (["descend", "x**1.5", "--start", "-1"], None, 4, "Domain error"),
    # options out of range
    (["descend", "x**2", "--start", "1", "--tol", "1e155"], None, 2, "--tol must be a number"),
    (["descend", "x**2", "--start", "1", "--step-tol", "1e155"], None, 2, "at most 1e100"),
    (["descend", "x**2", "--start", "1", "--clip-norm", "1.5e154"], None, 2, "at most 1e100"),
    (["descend", "x**2", "--start", "1", "--clip-value", "1e200"], None, 2, "at most 1e100"),
    (["descend", "x**2", "--start", "1", "--lr", "1e300"], None, 2, "at most 1e100"),
    (["descend", "x**2", "--start", "1", "--f-tol", "1e120"], None, 2, "at most 1e100"),
    (["descend", "x**2", "--starts", "random:10", "--box", "-1e308:1e308"], None, 2,
     "goes beyond ±1e100"),
    (["critical", "x**2", "--box", "-1e200:1"], None, 2, "goes beyond ±1e100"),
    (["grad", "x**2+y", "--at", "1,1", "--dir", "1e-3000,0"], None, 0,
     "(U = (1.000000000e-3000, 0) normalised)"),
    (["taylor", "x**2", "--at", "1", "--step", "1e-300"], None, 0, "settle"),
    (["descend", "x**2+y**2", "--starts", "grid:²", "--box", "-1:1"], None, 2,
     "write random:N or grid:G"),
    (["descend", "x**2+y**2", "--starts", "random:٣", "--box", "-1:1"], None, 2,
     "write random:N or grid:G"),
    (["sweep", "x**2", "--start", "1", "--lr", "1e-4:1:²"], None, 2, "COUNT must be a whole"),
    (["sweep", "x**2", "--start", "1", "--lr", f"1e-4:1:{NINES}"], None, 2,
     "COUNT must be a whole"),
    (["descend", "x**2", "--start", "1", "--schedule", f"step:0.5@{NINES}"], None, 2,
     "must be a whole number"),
    (["descend", "x**2+y**2", "--starts", f"random:{NINES}", "--box", "-1:1"], None, 2,
     "write random:N or grid:G"),
    (["descend", "rosenbrock", "--vars", "x,y,z"], None, 2, "may reorder them but not add 'z'"),
    (["critical", "himmelblau", "--vars", "x,y,z"], None, 2, "not add 'z'"),
    (["taylor", "x**2", "--at", "1"] + ["--step", "0.1"] * 101, None, 2,
     "101 --step values; the limit is 100"),
    # memory estimated before allocating
    (["descend", "+".join(f"x{i}**2" for i in range(40)), "--starts", "random:250000",
      "--box", "-5:5"], None, 2, "with 40 variables needs about 7.7 GB; the limit is 1 GB, so "
     "give at most 30000 starts"),
    (["descend", "rosenbrock", "--steps", "10000000", "--tol", "0", "--record-every", "1",
      "-q"], None, 2, "give --record-every 9 or more"),
    (["descend", "x**2+y**2", "--starts", "grid:2000", "--box", "-1:1"], None, 2,
     "the limit is 250000"),
    # a flat sum is one level deep
    (["grad", "+".join(f"x{i}" for i in range(62)), "--json"], None, 0, "x61"),
    (["grad", "*".join(f"x{i}" for i in range(80)), "--json"], None, 0, "x79"),
    (["grad", "-".join(f"x{i}" for i in range(100)), "--json"], None, 0, "x99"),
]


def _generated_cases():
    """Every refused expression refused alike by every command that reads one."""
    refused = [
        ("exp(exp(20))*x", LARGE), ("x/0", "undefined"), ("acos(3)*x", NOT_REAL),
        ("x**(10**4)", "exponent too large"), ("2x", "implicit multiplication"),
        ("x # comment", "'#' is not allowed"), ("0x10*x", "plain decimal digits"),
        ("x + 1_000", "plain decimal digits"), ("x²", "superscript"), ("x +", "ends with"),
        ("sin x", "without parentheses"), ("ln(x)", "write log"), ("x[0]", "vector x"),
        ("__import__('os')", "unknown function '__import__'"), ("x if x else 1", "conditional"),
        ("10**400*x", LARGE), ("x + 1e400", "out of range"), ("sqrt(-1)*x", NOT_REAL),
        ("log(-5) + x", NOT_REAL), ("x*(-1)**0.5", NOT_REAL), ("sinh(900)*x", LARGE),
        ("1e-31**-20*x", LARGE), ("x and 1", "logical operator"), ("x % 2", "remainder"),
        ("x // 2", "floor division"), ("x == 1", "comparison"), ("x.real", "attribute"),
        ("lambda: x", "lambda"), ("'x'", "strings"), ("x; y", "invalid syntax"),
        ("Sin(x)", "lower case"), ("x ^^ 2", "invalid syntax"), ("(x", "never closed"),
        ("x)", "unmatched"), ("min(x)", "takes 2 to 16"), ("log(x, 1, 2)", "takes 1 to 2"),
        ("9" * 40 + "*x", "digits"), ("x**2**2000", LARGE), ("exp(exp(exp(1)))**x", ""),
        ("1/(1-1)*x", "undefined"),
    ]
    commands = [
        lambda e: ["grad", e], lambda e: ["hessian", e],
        lambda e: ["descend", e, "--start", "1", "--steps", "5"],
        lambda e: ["critical", e, "--numeric"], lambda e: ["taylor", e, "--at", "1"],
    ]
    out = []
    for text, fragment in refused:
        for command in commands:
            out.append((command(text), None, 2 if fragment else None, fragment))
    return out


ALL_CASES = CASES + _generated_cases()


def test_the_corpus_is_large():
    assert len(ALL_CASES) >= 260


@pytest.mark.parametrize("args,env,code,fragment", ALL_CASES,
                         ids=[" ".join(case[0])[:60] for case in ALL_CASES])
def test_corpus(args, env, code, fragment, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    started = time.process_time()
    run = gradcli(*args, env=env)
    elapsed = time.process_time() - started
    assert elapsed < 5, f"took {elapsed:.1f} s of CPU"  # a hang guard, not a speed test
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    if code is not None:
        assert run.code == code, (run.code, run.stdout[-300:], run.stderr)
    else:
        assert run.code in (0, 2, 3, 4), (run.code, run.stderr)
    if run.code == 2:
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and run.stdout == ""
    assert fragment in run.stdout + run.stderr, (fragment, run.stdout[-300:], run.stderr)
    assert list(tmp_path.iterdir()) == []


def test_the_corpus_stays_within_a_gigabyte():
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    assert usage < 1024 * 1024, f"{usage / 1024:.0f} MiB"


# -- a grammar of expressions, and mutations of it, through every command --------------------

ATOMS = st.sampled_from(["x", "y", "1", "0", "2.5", "1e-300", "1e300", "pi", "E", "-1", "0.5",
                         "123456789012345678901234567890", "1e-31", "3"])
UNARY = ["sin", "cos", "tan", "exp", "log", "sqrt", "abs", "sign", "cbrt", "asin", "acos",
         "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "sigmoid", "relu",
         "softplus"]


def _expressions():
    return st.recursive(
        ATOMS,
        lambda inner: st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), inner),
            st.builds(lambda a, o, b: f"({a}){o}({b})", inner,
                      st.sampled_from(["+", "-", "*", "/", "**", "^"]), inner),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max", "atan2",
                                                                         "log"]), inner, inner),
        ),
        max_leaves=8,
    )


@st.composite
def _mutated(draw):
    text = draw(_expressions())
    for _ in range(draw(st.integers(0, 3))):
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "swap"]))
        if kind == "insert":
            text = text[:position] + draw(st.sampled_from(list("()+-*/^,.e0x9 #_²−"))) + \
                text[position:]
        elif kind == "delete" and text:
            text = text[:position] + text[position + 1:]
        elif len(text) > 1:
            position = min(position, len(text) - 2)
            text = text[:position] + text[position + 1] + text[position] + text[position + 2:]
    return text


FUZZED_COMMANDS = [
    lambda e: ["grad", e, "--at", "0.7,1.3"],
    lambda e: ["hessian", e, "--at", "0.7,1.3"],
    lambda e: ["descend", e, "--start", "0.7,1.3", "--steps", "30", "--json", "--vars", "x,y"],
    lambda e: ["critical", e, "--numeric", "--vars", "x,y"],
    lambda e: ["taylor", e, "--at", "0.7,1.3", "--step", "0.1", "--vars", "x,y"],
    lambda e: ["compare", e, "--start", "0.7,1.3", "--steps", "20", "--methods", "gd,adam",
               "--vars", "x,y"],
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutated(), st.integers(0, len(FUZZED_COMMANDS) - 1))
def test_fuzzed_expressions_end_with_a_documented_code(text, which):
    run = gradcli(*FUZZED_COMMANDS[which](text), env={"GRADCLI_TIME_BUDGET": "3"})
    assert run.code in (0, 2, 3, 4, 5), (text, run.code, run.stderr)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, (text, run.stderr)
    if run.code in (2, 5):
        assert run.stderr.startswith("error: ") and len(run.stderr.splitlines()) == 1
    if "--json" in FUZZED_COMMANDS[which](text) and run.stdout:
        json.loads(run.stdout)


MODERATE = st.sampled_from(["x", "y", "1", "0", "2.5", "pi", "E", "-1", "0.5", "3", "1e-31",
                            "0.001", "7e12"])


def _moderate_expressions():
    return st.recursive(
        MODERATE,
        lambda inner: st.one_of(
            st.builds(lambda f, a: f"{f}({a})", st.sampled_from(UNARY), inner),
            st.builds(lambda a, o, b: f"({a}){o}({b})", inner,
                      st.sampled_from(["+", "-", "*", "/", "**"]), inner),
            st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["min", "max", "atan2",
                                                                         "log"]), inner, inner),
        ),
        max_leaves=8,
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_moderate_expressions())
def test_every_printed_expression_parses_back_to_the_same_function(text):
    """gradcli's own text for f and ∇f is gradcli syntax for the very same functions (within
    the parser's limits: constants near 1e±300 can need more digits than it reads)."""
    import sympy as sp

    from gradcli.engine.problem import Problem
    from gradcli.errors import GradcliError
    from gradcli.symbolic.parsing import parse
    from gradcli.symbolic.printing import plain

    try:
        problem = Problem.from_text(text, "x,y")
        printed = [problem.function, *problem.gradient]
    except GradcliError:
        return
    symbols = problem.variables
    for expr in printed:
        again = parse(plain(expr)).components[0]
        renamed = again.xreplace({sp.Symbol(s.name, real=True): s for s in symbols})
        for point in ((0.7, 1.3), (2.1, 0.4)):
            mapping = {s: sp.Float(v) for s, v in zip(symbols, point, strict=True)}
            try:
                first = complex(expr.xreplace(mapping).evalf(20))
                second = complex(renamed.xreplace(mapping).evalf(20))
            except (TypeError, ValueError, ArithmeticError, KeyError):
                continue  # SymPy cannot evaluate it there (0**x's log(0), cosh of cosh of 1e29)
            if not (math.isfinite(abs(first)) and abs(first.imag) <= 1e-12 * abs(first)):
                continue  # outside f's real domain, where gradcli computes nothing
            assert abs(first - second) <= 1e-9 * max(1.0, abs(first)), (plain(expr), point)


@pytest.mark.parametrize("value", [
    "1/10**31", "3*10**40", "1/(3*10**31)", "(123456789/10**8)**3", "2**200", "-5/10**20",
    "246913578024691357802469135785/2", "1/10**600", "7/(3*10**400)", "10**40/7"])
def test_long_numbers_print_in_a_form_that_parses_back_exactly(value):
    import sympy as sp

    from gradcli.symbolic.parsing import parse
    from gradcli.symbolic.printing import plain

    number = sp.Rational(*(int(part) if part else 1 for part in
                           (str(sp.sympify(value).p), str(sp.sympify(value).q))))
    x = sp.Symbol("x", real=True)
    assert parse(plain(number) + " + x").components[0] - x == number


# -- channels: closed, full, ASCII-only, and a reader that goes away ---------------------------

def _cli(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "gradcli", *args], capture_output=True,
                          text=True, **kwargs)


def test_a_closed_stdin_is_named():
    run = subprocess.run([sys.executable, "-m", "gradcli", "grad", "-"], capture_output=True,
                         text=True, stdin=subprocess.DEVNULL, close_fds=True,
                         preexec_fn=lambda: os.close(0))
    assert run.returncode == 2
    assert run.stderr == ("error: '-' reads the expression from stdin, but stdin is closed; give "
                          "the expression as an argument.\n")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["grad", "x**2"], ["--help"], ["--version"],
                                  ["descend", "x**2+y**2", "--start", "1,2", "--lr", "0.1",
                                   "--json"]])
def test_a_full_disk_is_exit_74_with_a_sentence(args):
    with open("/dev/full", "w") as full:
        run = subprocess.run([sys.executable, "-m", "gradcli", *args], stdout=full,
                             stderr=subprocess.PIPE, text=True)
    assert run.returncode == 74
    assert run.stderr == ("error: the output could not be written (No space left on device); "
                          "free some space or write elsewhere.\n")


def test_an_ascii_only_output_gets_ascii_notation():
    run = _cli("grad", "x**2+y**2", "--at", "1,2", env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert run.returncode == 0, run.stderr
    assert "x^2 + y^2" in run.stdout and "||grad f||" in run.stdout
    assert run.stdout.isascii()


@pytest.mark.parametrize("args", [
    ["descend", "rosenbrock", "--lr", "0.001", "--steps", "100000", "--tol", "0", "--json",
     "--record-every", "1"],
    ["descend", "rosenbrock", "--lr", "0.001", "--steps", "100000", "--tol", "0",
     "--record-every", "1", "--all"],
])
def test_a_reader_that_goes_away_ends_the_run_with_141(args):
    process = subprocess.Popen([sys.executable, "-m", "gradcli", *args], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.stdout.read(10)
    process.stdout.close()
    assert process.wait(timeout=60) == 141
    assert b"Traceback" not in process.stderr.read()


# -- Ctrl-C and SIGTERM at any moment --------------------------------------------------------

INTERRUPTIBLE = [
    ["descend", "rosenbrock", "--lr", "0.001", "--steps", "3000000", "--tol", "0"],
    ["compare", "rosenbrock", "--methods", "gd,adam", "--steps", "3000000", "--tol", "0"],
    ["sweep", "rosenbrock", "--lr", "1e-4:1e-3:5", "--steps", "3000000", "--tol", "0"],
    ["descend", "rosenbrock", "--starts", "random:20", "--lr", "1e-4", "--steps", "3000000",
     "--tol", "0"],
    ["critical", "+".join(f"x{i}**2*y{i}" for i in range(8))],
]


@pytest.mark.parametrize("moment", [0.3, 0.6, 1.2])
@pytest.mark.parametrize("kind", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("args", INTERRUPTIBLE, ids=[a[0] + str(i) for i, a in
                                                      enumerate(INTERRUPTIBLE)])
def test_an_interrupt_at_any_moment_ends_with_130_and_whole_json(args, kind, moment):
    process = subprocess.Popen([sys.executable, "-m", "gradcli", *args, "--json"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: handles_signals(process.pid) or process.poll() is not None)
    time.sleep(moment)  # a moment after start-up: imports, set-up or the loop
    process.send_signal(kind)
    stdout, stderr = process.communicate(timeout=60)
    assert "Traceback" not in stderr
    json.loads(stdout)  # one whole JSON document, whatever the moment
    if process.returncode == 0:  # a loaded machine: the command ended before the signal came
        return
    assert process.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    name = "Ctrl-C" if kind == signal.SIGINT else "SIGTERM"  # each named as it came
    assert last == "error: interrupted." or last.startswith(f"interrupted: Interrupted ({name})")


def test_an_interrupt_in_a_terminal_prints_one_line(tmp_path):
    """On a terminal (a pty), Ctrl-C mid-run: exit 130, the table so far, one status line."""
    import pty

    leader, follower = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "gradcli", "descend", "rosenbrock",
                                "--lr", "0.001", "--steps", "5000000", "--tol", "0",
                                "--no-plot"],
                               stdin=follower, stdout=follower, stderr=follower,
                               env={**os.environ, "COLUMNS": "100"}, start_new_session=True)
    os.close(follower)
    wait_until(lambda: cpu_seconds(process.pid) >= 1.0 or process.poll() is not None)
    os.killpg(process.pid, signal.SIGINT)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert process.wait(timeout=60) == 130
    text = output.decode("utf-8", "replace")
    assert "Traceback" not in text and "Interrupted (Ctrl-C) at step" in text


# -- function files ---------------------------------------------------------------------------

def _functions_dir(tmp_path):
    directory = tmp_path / "functions"
    directory.mkdir()
    os.mkfifo(directory / "ff.toml")
    (directory / "zero.toml").symlink_to("/dev/zero")
    (directory / "nested.toml").write_text("a = " + "[" * 20000 + "]" * 20000 + "\n")
    (directory / "big.toml").write_text("# " + "a" * 100_000 + "\n")
    (directory / "x.toml").write_text('name = "x"\nexpression = "x**2+\n')
    (directory / "hang.toml").write_text(
        'name = "hang"\ntitle = "t"\nvariables = ["x"]\nexpression = "x+sin(exp(exp(20)))"\n'
        'start = [1]\nlr = 0.1\ndomain = [[-1, 1]]\n')
    return directory


@pytest.mark.parametrize("args,code,fragment", [
    (["functions", "show", "ff"], 2, "ff.toml: is not a regular file"),
    (["functions", "show", "zero"], 2, "zero.toml: is not a regular file"),
    (["functions", "show", "nested"], 2, "nested.toml: is nested too deeply"),
    (["functions", "show", "big"], 2, "big.toml: is larger than 64 KiB"),
    (["descend", "hang"], 2, "hang.toml: key 'expression' is not usable: the constant"),
    (["functions", "--json"], 0, "rosenbrock"),
    (["grad", "x", "--json"], 0, '"1"'),
    (["grad", "rosenbrock", "--at", "1,1", "--json"], 0, '"norm"'),
])
def test_one_bad_function_file_affects_nothing_else(tmp_path, args, code, fragment):
    directory = _functions_dir(tmp_path)
    started = time.process_time()
    run = gradcli(*args, env={"GRADCLI_FUNCTIONS_PATH": str(directory)})
    assert time.process_time() - started < 5  # CPU seconds: a hang guard
    assert run.code == code, run.stderr
    assert fragment in (run.stdout if code == 0 else run.stderr)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr


@pytest.mark.parametrize("name", ["ff", "zero", "nested", "big", "x", "hang", "slow"])
def test_usage_errors_never_fail_on_a_broken_or_slow_library(tmp_path, name):
    directory = _functions_dir(tmp_path)
    (directory / "slow.toml").write_text(
        'name = "slow"\ntitle = "t"\nvariables = ["x"]\nexpression = "' +
        "+".join(f"sin(x*{k})**{k % 7 + 2}" for k in range(60)) +
        '"\nstart = [1]\nlr = 0.1\ndomain = [[-1, 1]]\nnote = "n"\nsource = "s"\n')
    env = {"GRADCLI_FUNCTIONS_PATH": str(directory), "GRADCLI_TIME_BUDGET": "0.01"}
    run = gradcli("functions", name, env=env)  # a newcomer's `functions NAME`
    assert run.code == 2
    assert run.stderr.startswith(f"error: no such command '{name}'")
    assert "Traceback" not in run.stderr and len(run.stderr.splitlines()) == 1
    for usage in (["functions", "rosenbrok"], ["functions", "show", name],
                  ["functions", "show", "rosenbrok"], ["descend", "rosenbrock", "--lrate", "1"],
                  ["descend", "--lr", "x", name], ["descnd", name], ["functions", "--jsn"],
                  ["grad"]):
        other = gradcli(*usage, env=env)  # a short name may be noted, then read as maths
        lines = other.stderr.splitlines()
        assert other.code in (2, 5) and "Traceback" not in other.stderr, (usage, other.stderr)
        assert lines[-1].startswith("error: ") and len(lines) <= 2, (usage, other.stderr)
        assert all(line.startswith("note: ") for line in lines[:-1]), (usage, other.stderr)


def test_a_broken_file_named_like_a_variable_leaves_the_variable(tmp_path):
    directory = _functions_dir(tmp_path)
    run = gradcli("grad", "x", "--json", env={"GRADCLI_FUNCTIONS_PATH": str(directory)})
    assert run.code == 0 and json.loads(run.stdout)["gradient"] == ["1"]
    assert run.stderr.startswith("note: ") and "x.toml: is not valid TOML" in run.stderr


def test_a_huge_columns_setting_is_clamped():
    from gradcli.render.console import MAX_WIDTH, output_width

    os.environ["COLUMNS"] = "1000000"
    try:
        assert output_width() == MAX_WIDTH == 500
    finally:
        del os.environ["COLUMNS"]
    run = gradcli("descend", "x**2+y**2", "--start", "1,2", "--lr", "0.1", "--plot",
                  env={"COLUMNS": "1000000"})
    assert run.code == 0 and max(len(line) for line in run.stdout.splitlines()) <= 500


def test_basins_are_grouped_without_comparing_every_pair():
    """Grid cells group nearby ends in O(N log N); ends either side of a cell wall still join."""
    import numpy as np

    from gradcli.explore.multistart import group_ends

    rng = np.random.default_rng(1)
    centres = np.array([[0.0, 0.0], [3.0, 1.0], [-2.0, 4.0]])
    ends = np.repeat(centres, 2000, axis=0) + rng.normal(scale=1e-4, size=(6000, 2))
    labels = group_ends(ends, 1e-2)
    assert len(set(labels.tolist())) == 3
    assert all(len(set(labels[i * 2000:(i + 1) * 2000].tolist())) == 1 for i in range(3))
    many = group_ends(rng.uniform(-5, 5, size=(20000, 2)), 1e-6)  # every end its own basin
    assert len(set(many.tolist())) == 20000


def test_numeric_hazards_leave_no_runtime_warning_on_stderr():
    for args in (["descend", "exp(x)", "--start", "0", "--lr", "100", "--steps", "50"],
                 ["descend", "log(x)", "--start", "1", "--lr", "2"],
                 ["sweep", "x**2", "--start", "1", "--lr", "0.1,5", "--steps", "2000"]):
        run = _cli(*args)
        assert "RuntimeWarning" not in run.stderr and "Traceback" not in run.stderr, args


def test_an_interrupt_is_a_flag_and_raises_only_where_raising_is_safe():
    """Outside `raising()` the handler only notes the signal (loops act on it at their next
    step); inside, it raises at once, except in a callback whose errors the interpreter drops
    (an import lock's weakref callback): there it signals again a moment later instead."""
    from gradcli import interrupts

    def cb():  # the name of importlib's module-lock callback
        return sys._getframe()

    received = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    try:
        interrupts.interrupt(signal.SIGUSR1, sys._getframe())  # noted, not raised
        assert interrupts.pending()
        with pytest.raises(KeyboardInterrupt):  # a noted signal is acted on at a safe point
            interrupts.check()
        interrupts.consume()
        assert not interrupts.pending()
        with interrupts.raising():
            interrupts.interrupt(signal.SIGUSR1, cb())  # no raise here ...
            for _ in range(10_000):  # ... but the signal comes again (10 ms later)
                if received:
                    break
                time.sleep(0.001)
            assert received == [signal.SIGUSR1]
            with pytest.raises(KeyboardInterrupt):  # anywhere else it raises at once
                interrupts.interrupt(signal.SIGUSR1, sys._getframe())
            with interrupts.deferred():  # numeric loops and output only note it
                interrupts.interrupt(signal.SIGUSR1, sys._getframe())
    finally:
        interrupts.consume()
        signal.signal(signal.SIGUSR1, previous)
