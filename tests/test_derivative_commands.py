"""`grad`, `hessian` and `jacobian` through the CLI: exact numbers, parsed JSON, exit codes."""

import math

import pytest

from tests.conftest import assert_golden, gradcli


def test_seed_example_gradient_at_1_1_2():
    data = gradcli("grad", "x**2+y**2+z**3", "--at", "1,1,2", "--json").json()
    assert data["variables"] == ["x", "y", "z"]
    assert data["gradient"] == ["2*x", "2*y", "3*z**2"]
    assert data["gradient_value"] == [2.0, 2.0, 12.0]
    assert data["exact"]["gradient_value"] == ["2", "2", "12"]
    assert data["value"] == 10.0


def test_seed_example_gradient_norm_is_root_20():
    data = gradcli("grad", "x**2+y**2", "--at", "1,2", "--json").json()
    assert data["function"] == "x**2 + y**2"
    assert data["point"] == [1.0, 2.0]
    assert data["gradient_value"] == [2.0, 4.0]
    assert data["norm"] == math.sqrt(20)
    assert data["exact"]["norm"] == "2*sqrt(5)"
    assert data["direction"] == pytest.approx([1 / math.sqrt(5), 2 / math.sqrt(5)], abs=1e-15)
    assert data["descent_direction"] == pytest.approx([-1 / math.sqrt(5), -2 / math.sqrt(5)])


def test_gradient_json_without_point_has_only_symbolic_keys():
    data = gradcli("grad", "x*y", "--json").json()
    assert data == {"function": "x*y", "variables": ["x", "y"], "gradient": ["y", "x"]}


def test_directional_derivative_normalises_u():
    data = gradcli("grad", "x**2+y**2", "--at", "1,2", "--dir", "3,4", "--json").json()
    assert data["dir"] == [3.0, 4.0]
    assert data["unit_direction"] == [0.6, 0.8]
    assert data["directional_derivative"] == pytest.approx(2 * 0.6 + 4 * 0.8, rel=1e-15)


def test_check_compares_with_finite_differences():
    data = gradcli("grad", "sin(x)*exp(y)", "--at", "0.3,0.7", "--check", "--json").json()
    assert data["check"]["max_relative_error"] < 1e-8


def test_stationary_point_has_no_direction():
    data = gradcli("grad", "x**2+y**2", "--at", "0,0", "--json").json()
    assert data["norm"] == 0.0
    assert data["direction"] is None and data["descent_direction"] is None


def test_leading_minus_and_stdin():
    assert gradcli("grad", "-x**2+y", "--json").json()["gradient"] == ["-2*x", "1"]
    assert gradcli("grad", "-", "--json", stdin="x*y\n").json()["gradient"] == ["y", "x"]


def test_vars_sets_the_meaning_of_the_point():
    data = gradcli("grad", "x**2 + 3*y", "--vars", "y,x", "--at", "1,2", "--json").json()
    assert data["variables"] == ["y", "x"]
    assert data["gradient_value"] == [3.0, 4.0]


@pytest.mark.parametrize("style, expected", [
    ("plain", "∂f/∂x    2*x*y"),
    ("compact", "∂f/∂x    2·x·y"),
    ("latex", "∂f/∂x    2 x y"),
])
def test_formats(style, expected):
    run = gradcli("grad", "x**2*y", "--format", style)
    assert expected in run.stdout.splitlines()


@pytest.mark.parametrize("args, code, message", [
    (["grad", "x*y", "--at", "1"], 2,
     "error: --at has 1 value but the function has 2 variables; give 2 numbers separated by "
     "commas.\n"),
    (["grad", "x*y", "--at", "1,a"], 2,
     "error: --at value 2 ('a') is not a number; give numbers separated by commas, such as "
     "1,-2.5.\n"),
    (["grad", "x*y", "--at", "1,inf"], 2,
     "error: --at value 2 ('inf') is not finite; give ordinary numbers such as 1,2.\n"),
    (["grad", "x*y", "--dir", "1,0"], 2,
     "error: --dir, --check and --explain need a point; add --at, e.g. --at 1,1.\n"),
    (["grad", "x*y", "--at", "1,1", "--dir", "0,0"], 2,
     "error: --dir is the zero vector; give a direction such as --dir 1,0.\n"),
    (["grad", "x", "--format", "fancy"], 2,
     "error: --format must be compact, plain, pretty or latex, not 'fancy'.\n"),
    (["grad", "log(x)", "--at", "-1"], 4,
     "error: f is not real at x = -1 (for example the log or square root of a negative number); "
     "choose a point inside the domain.\n"),
    (["grad", "1/x", "--at", "0"], 4,
     "error: f is undefined at x = 0 (a division by zero or a pole there); choose another "
     "point.\n"),
])
def test_bad_points(args, code, message):
    run = gradcli(*args)
    assert (run.code, run.stdout, run.stderr) == (code, "", message)


def test_hessian_at_a_saddle():
    data = gradcli("hessian", "x**2 - y**2", "--at", "0,0", "--json").json()
    assert data["hessian"] == [["2", "0"], ["0", "-2"]]
    assert data["hessian_value"] == [[2.0, 0.0], [0.0, -2.0]]
    assert data["eigenvalues"] == [-2.0, 2.0]
    assert data["definiteness"] == "indefinite"
    assert data["condition_number"] == 1.0
    assert data["stability_bound"] == 1.0


@pytest.mark.parametrize("expr, definiteness, bound, condition", [
    ("x**2 + 100*y**2", "positive definite", 0.01, 100.0),
    ("-x**2 - y**2", "negative definite", None, 1.0),
    ("x**2", "positive definite", 1.0, 1.0),
    ("x**2 + 0*y", "positive semidefinite", 1.0, None),
    ("x**3 + y**3", "zero", None, None),
])
def test_definiteness_and_stability_bound(expr, definiteness, bound, condition):
    data = gradcli("hessian", expr, "--at", "0" if expr == "x**2" else "0,0", "--json").json()
    assert data["definiteness"] == definiteness
    assert data["stability_bound"] == bound
    assert data["condition_number"] == condition  # null (not Infinity) when singular


def test_jacobian_of_polar_coordinates():
    data = gradcli("jacobian", "r*cos(t), r*sin(t)", "--vars", "r,t", "--at", "2,0",
                   "--json").json()
    assert data["functions"] == ["r*cos(t)", "r*sin(t)"]
    assert data["jacobian"] == [["cos(t)", "-r*sin(t)"], ["sin(t)", "r*cos(t)"]]
    assert data["value"] == [2.0, 0.0]
    assert data["jacobian_value"] == [[1.0, 0.0], [0.0, 2.0]]


def test_jacobian_from_repeated_arguments():
    data = gradcli("jacobian", "x*y", "x+y", "x**2", "--json").json()
    assert data["jacobian"] == [["y", "x"], ["1", "1"], ["2*x", "0"]]


def test_golden_grad():
    run = gradcli("grad", "x**2+y**2+z**3", "--at", "1,1,2", "--dir", "1,0,0")
    assert run.code == 0
    assert_golden("grad.txt", run.stdout)


def test_golden_hessian():
    run = gradcli("hessian", "(x**2 + y - 11)**2 + (x + y**2 - 7)**2", "--at", "3,2")
    assert_golden("hessian.txt", run.stdout)


def test_golden_hessian_pretty():
    assert_golden("hessian_pretty.txt", gradcli("hessian", "x**2*y", "--format", "pretty").stdout)


def test_golden_jacobian():
    run = gradcli("jacobian", "r*cos(t), r*sin(t)", "--vars", "r,t", "--at", "2,0")
    assert_golden("jacobian.txt", run.stdout)


@pytest.mark.parametrize("expr, words", [
    ("x**2 + y**2", "near here plain gradient descent settles only with a learning rate below it"),
    ("x**2 - y**2", "H is indefinite, so along its negative-curvature direction descent moves "
                    "away from here at any rate"),
])
def test_the_stability_sentence_fits_the_curvature(expr, words):
    text = gradcli("hessian", expr, "--at", "0,0", env={"COLUMNS": "200"}).stdout
    assert words in " ".join(text.split())


def test_taylor_order_one_speaks_of_the_first_order_error_only():
    text = gradcli("taylor", "exp(x)", "--at", "0", "--order", "1", "--step", "0.1",
                   env={"COLUMNS": "200"}).stdout
    assert "second-order" not in text and "shrinks like ‖h‖²" in text
