"""The optimizer family: exact update formulas, known minima, schedules, clipping, noise, and the
teaching flags — through the library and through the CLI."""

import math
import re

import numpy as np
import pytest

from gradcli.engine.descent import descend
from gradcli.engine.loop import StopRules
from gradcli.engine.optimizers import RULES
from gradcli.engine.plan import EXACT, Transforms, make_plan
from gradcli.engine.problem import Problem
from gradcli.engine.schedules import parse_schedule
from tests.conftest import gradcli

QUADRATIC = Problem.from_text("(x - 1)**2 + 3*(y + 2)**2")
ROSENBROCK = Problem.resolve("rosenbrock")

# Documented settings (README, "Methods") with which each method reaches the minimum.
SETTINGS = {
    "gd": ((0.1, None), (0.001, None)),
    "momentum": ((0.05, None), (0.001, None)),
    "nesterov": ((0.05, None), (0.001, None)),
    "adagrad": ((1.0, None), (0.5, None)),
    "rmsprop": ((0.01, None), (0.01, "exp:0.999")),
    "adam": ((0.1, None), (0.1, None)),
    "newton": ((1.0, None), (1.0, None)),
}


def run(problem, start, lr, method, steps=100_000, tol=1e-6, schedule=None, line_search=False,
        transforms=EXACT, **params):
    plan = make_plan(method, params, schedule, transforms, line_search)
    return descend(problem, np.array([start], dtype=float), lr, plan, StopRules(steps, tol))[0]


@pytest.mark.parametrize("method", sorted(RULES))
@pytest.mark.parametrize("problem, start, minimum, which", [
    (QUADRATIC, [0.0, 0.0], [1.0, -2.0], 0),
    (ROSENBROCK, [-1.2, 1.0], [1.0, 1.0], 1),
])
def test_every_method_reaches_the_known_minimum(method, problem, start, minimum, which):
    lr, schedule = SETTINGS[method][which]
    result = run(problem, start, lr, method, schedule=schedule)
    assert result.status == "converged", result.message
    assert result.x == pytest.approx(minimum, abs=1e-5)


def reference(method, gradient, x, lr, steps, beta=0.9, decay=0.99, beta1=0.9, beta2=0.999,
              eps=None):
    """The update formulas of the help text, written out plainly for one coordinate vector."""
    x = np.array(x, dtype=float)
    v = np.zeros_like(x)
    s = np.zeros_like(x)
    m = np.zeros_like(x)
    path = [x.copy()]
    for t in range(1, steps + 1):
        g = gradient(x)
        if method == "gd":
            x = x - lr * g
        elif method == "momentum":
            v = beta * v + g
            x = x - lr * v
        elif method == "nesterov":
            v = beta * v + g
            x = x - lr * (g + beta * v)
        elif method == "adagrad":
            s = s + g * g
            x = x - lr * g / (np.sqrt(s) + (1e-10 if eps is None else eps))
        elif method == "rmsprop":
            s = decay * s + (1 - decay) * g * g
            x = x - lr * g / (np.sqrt(s) + (1e-8 if eps is None else eps))
        elif method == "adam":
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            x = x - lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + (eps or 1e-8))
        path.append(x.copy())
    return np.array(path)


@pytest.mark.parametrize("method", sorted(m for m in RULES if RULES[m].elementwise))
@pytest.mark.parametrize("batch", [False, True])
def test_updates_follow_the_stated_formula_exactly(method, batch):
    def gradient(x):
        return np.array([2 * (x[0] - 1), 6 * (x[1] + 2)])

    expected = reference(method, gradient, [0.3, 0.4], 0.02, 25)
    starts = np.array([[0.3, 0.4]] * (2 if batch else 1))
    plan = make_plan(method, {})
    result = descend(QUADRATIC, starts, 0.02, plan, StopRules(25, 0.0))[0]
    assert result.history.x == pytest.approx(expected, rel=1e-12, abs=1e-14)


def test_hyperparameters_change_the_update():
    def gradient(x):
        return np.array([2 * (x[0] - 1), 6 * (x[1] + 2)])

    expected = reference("adam", gradient, [0.3, 0.4], 0.05, 10, beta1=0.5, beta2=0.9, eps=1e-3)
    got = run(QUADRATIC, [0.3, 0.4], 0.05, "adam", steps=10, tol=0, beta1=0.5, beta2=0.9,
              eps=1e-3)
    assert got.history.x == pytest.approx(expected, rel=1e-12)


def test_every_method_returns_every_result_field():
    keys = {"name", "function", "variables", "method", "params", "start", "x", "f", "gradient",
            "grad_norm", "iterations", "evaluations", "status", "message", "history"}
    for method in RULES:
        data = gradcli("descend", "sphere", "--method", method, "--json").json()
        assert set(data) == keys, method
        assert data["method"] == method and data["status"] == "converged"
        assert set(data["params"]) >= {"lr", *(p.name for p in RULES[method].params)}


def test_newton_says_when_the_hessian_is_not_positive_definite_and_never_goes_uphill():
    problem = Problem.resolve("himmelblau")
    result = run(problem, [-0.2, -0.8], 1.0, "newton", line_search=True)  # near the maximum
    assert result.status == "converged"
    assert "The Hessian was not positive definite at" in result.message
    assert "those steps used H + μI." in result.message
    f = result.history.f
    assert np.all(np.diff(f) <= 1e-12)
    assert result.history.marked[1]  # the first step needed the shift


def test_line_search_accepts_steps_that_satisfy_armijo():
    data = gradcli("descend", "rosenbrock", "--line-search", "--lr", "1", "--steps", "200",
                   "--tol", "0", "--record-every", "1", "--json").json()
    rows = data["history"]
    assert data["params"]["line_search"] is True
    assert {row["lr"] for row in rows[1:]} - {1.0} != set()  # it had to shrink somewhere
    for before, after in zip(rows, rows[1:], strict=False):
        alpha = after["lr"]
        assert after["f"] <= before["f"] - 1e-4 * alpha * before["grad_norm"] ** 2 + 1e-15
        assert after["step"] == pytest.approx(alpha * before["grad_norm"], rel=1e-9)
    assert data["evaluations"] > data["iterations"] + 1  # the trials are counted


@pytest.mark.parametrize("spec, expected", [
    ("constant", [1, 1, 1]),
    ("step:0.5@2", [1, 1, 0.5, 0.5, 0.25]),
    ("exp:0.9", [1, 0.9, 0.81]),
    ("inv:0.5", [1, 1 / 1.5, 0.5]),
    ("cosine:4", [1, 0.5 * (1 + math.cos(math.pi / 4)), 0.5, 0.5 * (1 + math.cos(3 * math.pi / 4)),
                  0, 0]),
    ("cosine:6:2", [0.5, 1, 1, 0.5 * (1 + math.cos(math.pi / 4)), 0.5]),
])
def test_schedule_multipliers(spec, expected):
    multiplier = parse_schedule(spec).function()
    assert [multiplier(k) for k in range(len(expected))] == pytest.approx(expected, abs=1e-15)


@pytest.mark.parametrize("spec, message", [
    ("exp", "error: --schedule 'exp': the factor G must be a number, not ''; for example "
            "--schedule exp:0.99 (forms: constant, step:F@N, exp:G, inv:D, cosine:T or "
            "cosine:T:W).\n"),
    ("exp:1.5", "error: --schedule 'exp:1.5': the factor G must lie in (0, 1]; for example "
                "--schedule exp:0.99 (forms: constant, step:F@N, exp:G, inv:D, cosine:T or "
                "cosine:T:W).\n"),
    ("step:0.5", "error: --schedule 'step:0.5': write the factor and the period as F@N; for "
                 "example --schedule step:0.5@100 (forms: constant, step:F@N, exp:G, inv:D, "
                 "cosine:T or cosine:T:W).\n"),
    ("cosine:10:10", "error: --schedule 'cosine:10:10': the warm-up W must be shorter than the "
                     "length T; for example --schedule cosine:1000 or cosine:1000:100 (forms: "
                     "constant, step:F@N, exp:G, inv:D, cosine:T or cosine:T:W).\n"),
    ("linear:3", "error: --schedule 'linear:3': unknown schedule 'linear'; for example "
                 "--schedule exp:0.99 (forms: constant, step:F@N, exp:G, inv:D, cosine:T or "
                 "cosine:T:W).\n"),
])
def test_malformed_schedules(spec, message):
    result = gradcli("descend", "sphere", "--schedule", spec)
    assert (result.code, result.stdout, result.stderr) == (2, "", message)


@pytest.mark.parametrize("batch", [False, True])
def test_scheduled_rates_are_used_and_shown(batch):
    plan = make_plan("gd", {}, "step:0.5@3")
    starts = np.array([[3.0, 4.0]] * (2 if batch else 1))
    result = descend(QUADRATIC, starts, 0.1, plan, StopRules(10, 0.0))[0]
    rows = result.history.rows()
    assert [row["lr"] for row in rows] == [None, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025,
                                           0.025, 0.0125]
    table = gradcli("descend", "sphere", "--schedule", "step:0.5@3", "--steps", "4", "--tol", "0",
                    "--no-plot").stdout
    assert table.splitlines()[3].split()[-1] == "lr"


def test_clip_norm_bounds_every_step_and_marks_it():
    data = gradcli("descend", "x**2 + y**2", "--start", "30,40", "--lr", "0.1", "--clip-norm",
                   "1", "--steps", "1000", "--json").json()
    rows = data["history"]
    for before, after in zip(rows, rows[1:], strict=False):
        assert after["step"] <= 0.1 * 1.0 * (1 + 1e-12)
        assert after["clipped"] == (before["grad_norm"] > 1.0)
    assert data["status"] == "converged"
    assert "The gradient was clipped at" in data["message"]


def test_clip_value_bounds_each_component():
    result = run(QUADRATIC, [50.0, -50.0], 0.01, "gd", steps=30, tol=0,
                 transforms=Transforms(clip_value=2.0))
    moves = np.abs(np.diff(result.history.x, axis=0))
    assert np.all(moves <= 0.01 * 2.0 * (1 + 1e-12))
    assert result.history.marked[1:].all()


def test_noise_is_seeded_and_reproducible_bit_for_bit():
    args = ("descend", "sphere", "--noise", "0.5", "--steps", "200", "--tol", "0", "--json")
    first, again = gradcli(*args, "--seed", "7").json(), gradcli(*args, "--seed", "7").json()
    other = gradcli(*args, "--seed", "8").json()
    assert first == again
    assert first["x"] != other["x"]
    assert first["params"]["noise"] == 0.5 and first["params"]["seed"] == 7
    assert gradcli(*args).json()["params"]["seed"] == 0


def test_accumulate_sums_gradients_instead_of_resetting_them():
    result = run(Problem.from_text("x**2"), [1.0], 0.1, "gd", steps=6, tol=0,
                 transforms=Transforms(accumulate=True))
    x, total, expected = 1.0, 0.0, [1.0]
    for _ in range(6):
        total += 2 * x
        x -= 0.1 * total
        expected.append(x)
    assert result.history.x[:, 0] == pytest.approx(expected, rel=1e-15)
    assert gradcli("descend", "x**2", "--start", "1", "--accumulate", "--lr", "0.1",
                   "--json").json()["params"]["accumulate"] is True


@pytest.mark.parametrize("args, message", [
    (("--method", "sgd"), "error: unknown method 'sgd'; did you mean gd? known methods: gd, "
                          "momentum, nesterov, adagrad, rmsprop, adam, newton.\n"),
    (("--method", "momentum", "--momentum", "1"),
     "error: --momentum (momentum β) must lie in [0, 1), not 1.\n"),
    (("--method", "adam", "--eps", "0"), "error: --eps (ε, added to the denominator) must lie in "
                                         "(0, inf), not 0.\n"),
    (("--beta1", "0.5"), "error: gd has no hyperparameter 'beta1'; it applies to adam.\n"),
    (("--method", "adam", "--line-search"),
     "error: --line-search works with gd and newton, not adam.\n"),
    (("--method", "newton", "--clip-norm", "1"),
     "error: newton uses the exact gradient; drop --noise, --accumulate and "
     "--clip-norm/--clip-value, or choose a first-order method.\n"),
    (("--seed", "3"), "error: --seed seeds --noise and --starts random:N; add one of them or "
                      "drop --seed.\n"),
    (("--noise", "-1"), "error: --noise must be a number > 0 and at most 1e100, not -1.\n"),
])
def test_bad_method_options(args, message):
    result = gradcli("descend", "sphere", *args)
    assert (result.code, result.stdout, result.stderr) == (2, "", message)


def test_newton_searches_its_line_by_default_and_reaches_beales_minimum():
    data = gradcli("descend", "beale", "--method", "newton", "--json").json()
    assert data["status"] == "converged"
    assert abs(data["x"][0] - 3) < 1e-8 and abs(data["x"][1] - 0.5) < 1e-8
    assert data["params"]["line_search"] is True


def test_pure_newton_is_still_there_and_says_what_went_wrong():
    data = gradcli("descend", "beale", "--method", "newton", "--no-line-search", "--json").json()
    assert data["status"] == "max_steps" and "line_search" not in data["params"]
    message = data["message"]
    # the step where x freezes depends on the last bits of LAPACK's solves (80 on one machine,
    # 88 on another); that it freezes, early, at no minimum, does not
    frozen = re.search(r"stalled — x has not changed since step (\d+)", message)
    assert frozen is not None and 10 <= int(frozen.group(1)) <= 1000
    assert "This is no minimum (the Hessian is not positive definite here): start elsewhere." \
        in message
    assert "Pure Newton's step" in message and "far from a minimum the quadratic model " \
        "misleads" in message
    assert data["history"][1]["f"] > 1e13  # the first step: f from 14.2 to 4.3e13


def test_every_library_function_ends_newton_with_a_true_status():
    from gradcli import library

    functions, _ = library.load_all()
    for entry in functions:
        if entry.dim is not None:
            continue
        data = gradcli("descend", entry.name, "--method", "newton", "--json").json()
        status, message = data["status"], data["message"]
        if status == "converged":
            assert max(abs(g) for g in data["gradient"]) <= 1e-8, entry.name
            best = min(m.value for m in entry.minima)
            inside = all(lo <= v <= hi for v, (lo, hi) in zip(data["x"], entry.domain,
                                                              strict=True))
            if not inside:
                assert "lies outside" in message, (entry.name, message)
            elif data["f"] > best + 1e-6 * max(1, abs(best)):
                assert f"This is not {entry.name}'s global minimum" in message, entry.name
        elif status == "unbounded":
            assert data["f"] < -1e100, entry.name  # monkey_saddle, saddle: no minimum at all
        else:  # the one non-smooth function meets its ridge, where ∇f is undefined
            assert (status, entry.smooth) == ("domain_error", False), (entry.name, message)


@pytest.mark.parametrize("method", ["gd", "adam", "newton"])
def test_a_batch_cut_down_to_its_running_runs_gives_every_run_the_same_floats(method):
    from gradcli.engine.fusion import fuse_step
    from gradcli.engine.loop import run_batch
    from gradcli.engine.newton import matrix_step
    from gradcli.engine.recorder import Recorder

    # 300 starts: 290 on the plateau of 1 - exp(-(x²+y²)) far out (they stop at once) and 10
    # near the bowl (they walk), so the batch is cut down to a few runs after the first step
    problem = Problem.from_text("1 - exp(-(x**2 + y**2))")
    rng = np.random.default_rng(3)
    angles = rng.uniform(0, 2 * np.pi, 300)
    radii = np.where(np.arange(300) % 30 == 0, rng.uniform(0.5, 2, 300), 40.0)
    points = np.column_stack([radii * np.cos(angles), radii * np.sin(angles)])
    plan = make_plan(method, {})
    step = matrix_step(problem, plan) if not plan.compiled else fuse_step(problem, plan, False)
    size = 0 if not plan.compiled else len(plan.rule.state) * 2
    stop = StopRules(2000, 1e-8)

    def run(compact):
        state = tuple(np.zeros(300) for _ in range(size))
        return run_batch(step, points, state, 0.5, stop, Recorder(None, 50), None,
                         compact=compact)

    cut, whole = run(True), run(False)
    assert cut.reasons == whole.reasons
    assert np.array_equal(cut.iterations, whole.iterations)
    assert np.array_equal(cut.x, whole.x) and np.array_equal(cut.previous, whole.previous)
    assert np.array_equal(cut.evaluations, whole.evaluations)
    assert (cut.iterations == 0).sum() == 290 and cut.iterations.max() > 5
    # the rows a run's history reads (up to its stop) are the same too
    assert cut.recorder.steps == whole.recorder.steps
    for run_index in range(0, 300, 30):  # the runs that walk
        k = int(cut.iterations[run_index])
        for row, recorded in enumerate(cut.recorder.steps):
            if recorded <= k:
                assert np.array_equal(np.asarray(cut.recorder.points[row])[run_index],
                                      np.asarray(whole.recorder.points[row])[run_index])


def test_the_forgotten_zero_grad_is_named_not_called_still_descending():
    data = gradcli("descend", "x**2+y**2", "--start", "1,2", "--lr", "0.01", "--accumulate",
                   "--json").json()
    message = data["message"]
    assert data["status"] == "max_steps"
    assert "gradients summed and never zeroed (--accumulate, the forgotten zero_grad())" in message
    assert "the steps do not shrink near the minimum" in message
    assert message.endswith("Zero the gradient at every step: drop --accumulate.")
    assert "still descending" not in message and "raise --lr" not in message
    steps = [row["step"] for row in data["history"][1:]]
    assert max(steps[len(steps) // 2:]) > 0.1  # the swing the sentence names: no settling


@pytest.mark.parametrize(("lr", "words"), [
    (0.4999, "well below 2/λmax = 1"), (0.5, "within a factor of 2 below 2/λmax = 1"),
    (0.9999, "within a factor of 2 below 2/λmax = 1"), (1.0, "at 2/λmax = 1"),
    (1.0001, "above 2/λmax = 1"),
])
def test_one_wording_for_a_rate_against_the_stability_bound(lr, words):
    from gradcli.engine.diagnosis import rate_position

    assert rate_position(lr, 1.0) == words


@pytest.mark.parametrize(("lr", "advice"), [
    ("0.3", "raise --steps, or raise --lr: η = 0.3 is well below 2/λmax = 1 at the end point."),
    ("0.6", "raise --steps (η = 0.6 is within a factor of 2 below 2/λmax = 1 at the end point; "
            "above 2/λmax the steps would grow there)."),
])
def test_still_descending_advice_follows_the_one_wording(lr, advice):
    # (x-3)**2: λ = 2, so 2/λmax = 1 everywhere; x_k = 3 − 3·(1 − 2η)^k is still moving
    data = gradcli("descend", "(x-3)**2", "--start", "0", "--lr", lr, "--steps", "3", "--tol",
                   "0", "--json").json()
    assert data["status"] == "max_steps"
    assert data["message"].endswith(advice)
