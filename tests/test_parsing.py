"""The expression language: what it accepts, what it means, and the variable order."""

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.errors import InputError
from gradcli.symbolic.parsing import natural_key, order_variables, parse

x, y, z = sp.symbols("x y z", real=True)


def one(text):
    return parse(text).components[0]


@pytest.mark.parametrize("text, expected", [
    ("x**2 + y**2", x**2 + y**2),
    ("x^2*3", 3 * x**2),                      # ^ is power, with power's precedence
    ("2^3^2", sp.Integer(512)),               # right-associative like **
    ("-x**2 + y", -x**2 + y),
    ("0.1*x", x / 10),                        # decimals are exact
    ("1e-3", sp.Rational(1, 1000)),
    ("log(x, 10)", sp.log(x) / sp.log(10)),
    ("atan2(y, x)", sp.atan2(y, x)),
    ("min(x, y) + max(x, y, z)", sp.Min(x, y) + sp.Max(x, y, z)),
    ("abs(x) + sign(y)", sp.Abs(x) + sp.sign(y)),
    ("e + E + pi", 2 * sp.E + sp.pi),
    ("sqrt(x) + exp(y)", sp.sqrt(x) + sp.exp(y)),
])
def test_accepted_expressions_mean_what_they_say(text, expected):
    assert sp.simplify(one(text) - expected) == 0


def test_sympy_special_names_are_plain_real_variables():
    parsed = parse("N + S + Q + I + O + beta + gamma + zeta + lambda_")
    assert set(parsed.names) == {"N", "S", "Q", "I", "O", "beta", "gamma", "zeta", "lambda_"}
    assert all(symbol.is_Symbol and symbol.is_real for symbol in parsed.components[0].args)


def test_cbrt_is_the_real_cube_root():
    assert one("cbrt(-8)") == -2
    assert sp.diff(one("cbrt(x)"), x).subs(x, 8) == sp.Rational(1, 12)


def test_natural_variable_order():
    names = parse("x10 + x2 + x1 + y").names
    assert [str(v) for v in order_variables(names, None)] == ["x1", "x2", "x10", "y"]
    assert sorted(["b2", "a", "b10"], key=natural_key) == ["a", "b2", "b10"]


def test_vars_gives_the_order_and_may_add_absent_variables():
    names = parse("x + y").names
    assert [str(v) for v in order_variables(names, "y,x,t")] == ["y", "x", "t"]


@pytest.mark.parametrize("requested, message", [
    ("x", "the function uses 'y' but --vars does not list it; add it, for example --vars x,y."),
    ("x,x,y", "--vars names 'x' twice; give each variable once."),
    ("x,,y", "--vars has an empty name; give names separated by commas, such as --vars y,x."),
    ("x,sin", "'sin' is a function or constant, not a variable; choose another name."),
])
def test_bad_vars(requested, message):
    with pytest.raises(InputError) as error:
        order_variables(("x", "y"), requested)
    assert str(error.value) == message


def test_several_components_for_jacobians():
    assert parse("x*y, x + y", several=True).components == (x * y, x + y)


MATHY = st.text(alphabet="xyz0123456789.+-*/^()e, _sincoexplgqrtabmd!<>=[]'\"", max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=40), MATHY))
def test_any_text_parses_or_is_refused_with_a_sentence(text):
    """Untrusted text: either an expression or an InputError, never any other failure."""
    try:
        parsed = parse(text)
    except InputError as error:
        message = str(error)
        assert message.endswith((".", "?")) and "\n" not in message
        return
    assert all(isinstance(c, sp.Expr) for c in parsed.components)
