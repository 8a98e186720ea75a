"""Laws: the exact gradient and Hessian agree with finite differences on generated functions."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.engine.compile import evaluate
from gradcli.engine.plan import make_plan
from gradcli.engine.problem import Problem
from gradcli.explore.at_point import finite_difference_gradient

GD = make_plan("gd", {})
LEAVES = st.sampled_from(["x", "y", "z", "1", "2", "0.5", "3"])
SMOOTH_WRAPPERS = ["sin({})", "cos({})", "exp(sin({}))", "log(2 + cos({}))", "sqrt(3 + sin({}))",
                   "atan({})", "tanh({})", "({})**2", "({})**3", "1/(2 + cos({}))"]


def _extend(children):
    unary = st.tuples(st.sampled_from(SMOOTH_WRAPPERS), children).map(lambda t: t[0].format(t[1]))
    binary = st.tuples(children, st.sampled_from(["+", "-", "*"]), children).map(
        lambda t: f"({t[0]} {t[1]} {t[2]})")
    return unary | binary


EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=8)
POINTS = st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3)


def _problem(text):
    return Problem.from_text(text, "x,y,z")


@settings(max_examples=60, deadline=None)
@given(EXPRESSIONS, POINTS)
def test_gradient_matches_central_differences(text, point):
    problem = _problem(text)
    at = np.array(point)
    exact = evaluate(problem.value_and_gradient, at[None, :])[0, 1:]
    estimate = finite_difference_gradient(problem, at)
    scale = max(1.0, float(np.max(np.abs(exact))))
    assert np.max(np.abs(exact - estimate)) <= 1e-5 * scale, text


@settings(max_examples=40, deadline=None)
@given(EXPRESSIONS, POINTS)
def test_hessian_matches_differences_of_the_gradient(text, point):
    problem = _problem(text)
    at = np.array(point)
    n = at.size
    hessian = evaluate(problem.hessian_function, at[None, :]).reshape(n, n)
    steps = 6e-6 * np.maximum(1.0, np.abs(at))
    shifted = np.repeat(at[None, :], 2 * n, axis=0)
    shifted[np.arange(n), np.arange(n)] += steps
    shifted[n + np.arange(n), np.arange(n)] -= steps
    gradients = evaluate(problem.value_and_gradient, shifted)[:, 1:]
    estimate = (gradients[:n] - gradients[n:]) / (2 * steps[:, None])
    scale = max(1.0, float(np.max(np.abs(hessian))))
    assert np.allclose(hessian, hessian.T)
    assert np.max(np.abs(hessian - estimate)) <= 1e-4 * scale, text


@settings(max_examples=40, deadline=None)
@given(EXPRESSIONS, st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
       st.sampled_from([1e-3, 1e-2, 0.1]))
def test_fused_and_batched_loops_agree(text, start, lr):
    """The single-run scalar loop and the NumPy batch loop are two compilations of one method.

    `math` and NumPy may round sin or exp differently in the last bit, and on a chaotic
    surface (x·e^(sin y) at lr 0.1) such a bit grows without bound; over a short horizon the
    two loops must agree to rounding.
    """
    from gradcli.engine.descent import descend
    from gradcli.engine.loop import StopRules

    problem = _problem(text)
    stop = StopRules(25, 1e-10)
    single = descend(problem, np.array([start]), lr, GD, stop)[0]
    pair = descend(problem, np.array([start, start]), lr, GD, stop)[0]
    assert single.status == pair.status
    assert single.iterations == pair.iterations
    assert np.allclose(single.history.k, pair.history.k)
    scale = np.maximum(1.0, np.abs(single.history.x))
    assert np.all(np.abs(single.history.x - pair.history.x) <= 1e-9 * scale), text
