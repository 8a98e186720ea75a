"""Hostile and malformed expressions: each is refused with one sentence and exit code 2.

No input may run code, create files, hang or print a traceback.
"""

import pytest

from tests.conftest import gradcli

PWN = "touch pwned"

HOSTILE = [
    # code execution attempts
    f"__import__('os').system('{PWN}')",
    f"__import__(\"os\").system(\"{PWN}\")",
    "eval('1')",
    "exec('import os')",
    "open('pwned', 'w').write('x')",
    "().__class__.__bases__[0].__subclasses__()",
    "x.__class__",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "lambda: 0",
    "(lambda: __import__('os'))()",
    "globals()",
    "locals()['x']",
    "getattr(x, 'y')",
    "sympify('x')",
    "Symbol('x')",
    "compile('1', 'a', 'eval')",
    "breakpoint()",
    "input()",
    "print(1)",
    "x.real",
    "sin.__globals__",
    "x[0]",
    "x[1:2]",
    "{'a': 1}",
    "{x}",
    "[x]",
    "f'{x}'",
    "'abc'",
    "b'abc'",
    "*x",
    "sin(*x)",
    "sin(x=1)",
    "sin(**x)",
    "x if y else z",
    "x and y",
    "not x",
    "(y := 2)",
    "import os",
    "from os import system",
    "def f(): pass",
    "yield x",
    "await x",
    "lambda_ = 1",
    # resource bombs
    "9**9**9**9",
    "10**10**100",
    "x**(10**10**100)",
    "2**(2**(2**(2**(2**20))))",
    "x**1000000",
    "1e999999",
    "1e-99999",
    "9" * 40,
    "-" * 1500 + "x",
    "x+" * 1200 + "x",
    "(" * 300 + "x" + ")" * 300,
    "sin(" * 80 + "x" + ")" * 80,
    "x" * 5000,
    # look-alikes and unicode
    "x²",
    "x³ + y",
    "𝑥 + 1",
    "ｘ + 1",
    "x − 1",
    "x·y",
    "x × y",
    "π*x",
    "αx",
    "x\u200b+1",
    "x\x00",
    # malformed syntax and unsupported operators
    "2x",
    "3xy",
    "2(x+1)",
    "(x+1)(x-1)",
    "x y",
    "x +",
    "(x",
    "x)",
    "x == 1",
    "x < y",
    "x // 2",
    "x % 2",
    "x & y",
    "x | y",
    "x << 2",
    "~x",
    "x @ y",
    "x!",
    "1j*x",
    "True + x",
    "None",
    "...",
    "foo(x)",
    "sin",
    "sin()",
    "atan2(x)",
    "log(x, 2, 3)",
    "_x + 1",
    "",
    "   ",
    "x, y",
    "sqrt(-1)*x",
    "5",
    "pi + E",
]


def test_the_corpus_is_large():
    assert len(HOSTILE) >= 60


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused_cleanly(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = gradcli("grad", text, "--at", "1,2")
    assert run.code == 2, (text, run.stdout, run.stderr)
    assert run.stdout == ""
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and lines[0].endswith((".", "?"))
    assert "Traceback" not in run.stderr
    assert list(tmp_path.iterdir()) == []  # no file created, no command run


@pytest.mark.parametrize("text, message", [
    ("2x", "error: implicit multiplication '2x' at column 1; write 2*x.\n"),
    ("x²", "error: superscript '²' at column 2; write **2 for powers.\n"),
    ("foo(x)", "error: unknown function 'foo' at column 1; known functions: abs, acos, acosh, "
               "asin, asinh, atan, atan2, atanh, cbrt, cos, cosh, exp, log, max, min, relu, "
               "sigmoid, sign, sin, sinh, softplus, sqrt, tan, tanh; for a product write "
               "foo*(…).\n"),
    ("x.real", "error: attribute access is not allowed at column 1; "
               "gradcli expressions have no attributes.\n"),
    ("x // 2", "error: '//' (floor division) is not allowed at column 1; use '/' for division.\n"),
    ("9**9**9**9", "error: the constant '9**9**9' is too large at column 4; constants are "
                   "limited to about 1e300.\n"),
    ("x**(2*1000)", "error: exponent too large at column 1; exponents are limited to ±1000.\n"),
    ("x+sin(exp(exp(20)))", "error: the constant 'exp(exp(20))' is too large at column 7; "
                            "constants are limited to about 1e300.\n"),
    ("sin((7**(exp(exp(exp(10*E)))))+1)", "error: the constant 'exp(exp(10*E))' is too large at "
                                          "column 14; constants are limited to about 1e300.\n"),
    ("max(x, acos(2))", "error: the constant 'acos(2)' is not a real number at column 8; gradcli "
                        "works with real functions (cbrt(-8) is the real cube root).\n"),
    ("x*(-8)**(1/3)", "error: the constant '(-8)**(1/3)' is not a real number at column 3; "
                      "gradcli works with real functions (cbrt(-8) is the real cube root).\n"),
    ("1 + 𝑥",
     "error: non-ASCII character '𝑥' (U+1D465) at column 5; write the plain letter 'x'.\n"),
    ("x + import", "error: 'import' is a Python keyword, not a variable or function at column 5; "
                   "rename it, for example to import_.\n"),
])
def test_exact_error_sentences(text, message):
    run = gradcli("grad", text)
    assert (run.code, run.stderr) == (2, message)


def test_symbolic_work_past_its_budget_exits_5():
    deep = "*".join(f"sin(x{i}*y{i} + exp(x{i}))**3" for i in range(12))
    run = gradcli("hessian", deep, "--at", ",".join(["1"] * 24),
                  env={"GRADCLI_TIME_BUDGET": "0.05"})
    assert run.code == 5
    assert run.stderr.startswith("error: ") and "budget" in run.stderr


@pytest.mark.parametrize("command", [
    ["grad"], ["hessian"], ["jacobian"], ["descend", "--start", "1"], ["compare", "--start", "1"],
    ["sweep", "--start", "1"], ["critical"], ["taylor", "--at", "1"],
])
def test_every_command_refuses_hostile_input(command, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    run = gradcli(command[0], f"__import__('os').system('{PWN}')", *command[1:])
    assert run.code == 2 and run.stdout == ""
    assert run.stderr == ("error: attribute access is not allowed at column 1; gradcli "
                          "expressions have no attributes.\n")
    assert list(tmp_path.iterdir()) == []


def test_big_numeric_searches_end_within_the_budget():
    expr = "*".join(f"sin(x{i}*y{i} + exp(x{i}))**3" for i in range(6))
    run = gradcli("critical", expr, "--numeric", env={"GRADCLI_TIME_BUDGET": "1"})
    assert run.code in (0, 5) and "Traceback" not in run.stderr
    if run.code == 5:
        assert run.stderr.startswith("error: ") and "budget" in run.stderr


def test_the_budget_counts_cpu_time_not_wall_time():
    """A block that waits (as a process on a busy machine waits for a core) spends no CPU time:
    a budget in wall time would trip here, one in CPU time does not."""
    import time

    from gradcli.symbolic.budget import time_budget

    with time_budget("waiting", 0.05):
        time.sleep(0.3)


def test_budgets_nest_without_losing_the_outer_deadline():
    import time

    from gradcli.errors import SymbolicTimeout
    from gradcli.symbolic.budget import time_budget

    started = time.process_time()
    with pytest.raises(SymbolicTimeout) as error, time_budget("outer", 0.3):
        with time_budget("inner", 0.1):
            pass  # the inner budget ends early; the outer one must still fire
        while True:
            pass  # CPU time: the budget counts it, however busy the machine is
    assert "outer" in str(error.value)
    assert time.process_time() - started < 2


@pytest.mark.parametrize("text, message", [
    ("x + 1 # + y", "error: '#' is not allowed at column 7; gradcli expressions have no "
                    "comments; remove it and what follows.\n"),
    ("0x10*x", "error: number '0x10' is not written in plain decimal digits at column 1; write "
               "numbers such as 16, 0.5 or 1e-3 (no 0x, 0o, 0b or '_').\n"),
    ("x*0b11", "error: number '0b11' is not written in plain decimal digits at column 3; write "
               "numbers such as 16, 0.5 or 1e-3 (no 0x, 0o, 0b or '_').\n"),
    ("x*0o17", "error: number '0o17' is not written in plain decimal digits at column 3; write "
               "numbers such as 16, 0.5 or 1e-3 (no 0x, 0o, 0b or '_').\n"),
    ("x*1e1_000", "error: number '1e1_000' is not written in plain decimal digits at column 3; "
                  "write numbers such as 16, 0.5 or 1e-3 (no 0x, 0o, 0b or '_').\n"),
    ("x + 1/0", "error: '1/0' is undefined (division by zero or a pole) at column 5; remove it "
                "or change the constant.\n"),
    ("x*0/0", "error: 'x*0/0' is undefined (division by zero or a pole) at column 1; remove it "
              "or change the constant.\n"),
    ("log(0) + x", "error: 'log(0)' is undefined (division by zero or a pole) at column 1; "
                   "remove it or change the constant.\n"),
    ("x + 0**-1", "error: '0**-1' is undefined (division by zero or a pole) at column 5; remove "
                  "it or change the constant.\n"),
])
def test_text_outside_the_language_is_refused_not_reinterpreted(text, message):
    run = gradcli("grad", text)
    assert (run.code, run.stdout, run.stderr) == (2, "", message)


@pytest.mark.parametrize("args, expected", [
    (("grad", "-tanh(x)", "--json"), ["tanh(x)**2 - 1"]),
    (("grad", "--json", "-tanh(x)"), ["tanh(x)**2 - 1"]),
    (("grad", "-xq**2 + xq**4", "--json"), ["4*xq**3 - 2*xq"]),
])
def test_an_expression_starting_with_minus_is_an_expression(args, expected):
    run = gradcli(*args)
    assert run.code == 0 and run.json()["gradient"] == expected


def test_a_leading_minus_is_not_read_as_short_options_by_descend():
    quiet = gradcli("descend", "-xq**2 + xq**4", "--start", "1", "--lr", "0.1", "--json").json()
    assert quiet["variables"] == ["xq"]
    assert quiet["x"][0] == pytest.approx(2**-0.5, abs=1e-8)
    run = gradcli("descend", "-exp(m)", "--start", "0", "--steps", "3", "--json")
    assert run.code == 3 and run.json()["method"] == "gd"
    assert gradcli("jacobian", "-y", "x", "--json").json()["functions"] == ["-y", "x"]


def test_library_coordinates_follow_the_variable_order():
    swapped = gradcli("descend", "rosenbrock", "--vars", "y,x", "--steps", "1", "--json").json()
    assert swapped["variables"] == ["y", "x"] and swapped["start"] == [1.0, -1.2]
    critical = gradcli("critical", "himmelblau", "--vars", "y,x", "--numeric", "--json").json()
    assert any(p["x"] == pytest.approx([2.0, 3.0]) for p in critical["points"])
    run = gradcli("descend", "rosenbrock", "--vars", "x,y,z")
    assert (run.code, run.stderr) == (2, "error: rosenbrock is a function of x, y; --vars may "
                                         "reorder them but not add 'z'.\n")


def test_csv_columns_are_unique_whatever_the_variables_are_called():
    run = gradcli("descend", "k**2 + x_k**2 + f**2 + x_f**2", "--start", "1,1,1,1", "--steps",
                  "1", "--csv")
    header = run.stdout.splitlines()[0].split(",")
    assert header == ["k", "x_x_f", "x_x_k", "x_f", "x_k", "f", "grad_norm", "step"]
