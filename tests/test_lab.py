"""`compare` and `sweep`: one batch, and every run in it equal to the same run made alone."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import assert_golden, gradcli
from tests.test_properties import EXPRESSIONS

QUADRATIC = "x**2 + 10*y**2"


def alone(expr, start, lr, method, steps, **options):
    args = ["descend", expr, "--start", start, "--lr", str(lr), "--method", method, "--steps",
            str(steps), "--json"]
    for key, value in options.items():
        args += [f"--{key}", str(value)]
    return gradcli(*args).json()


def test_compare_runs_each_method_as_it_would_run_alone():
    data = gradcli("compare", QUADRATIC, "--start", "3,1", "--lr", "0.05", "--methods",
                   "gd,momentum:momentum=0.5,adam:lr=0.2,newton", "--steps", "3000",
                   "--json").json()
    assert data["function"] == "x**2 + 10*y**2" and data["start"] == [3.0, 1.0]
    labels = [r["label"] for r in data["results"]]
    assert labels == ["gd", "momentum:momentum=0.5", "adam:lr=0.2", "newton"]
    assert [r["params"]["lr"] for r in data["results"]] == [0.05, 0.05, 0.2, 1.0]
    assert data["results"][1]["params"]["momentum"] == 0.5
    expected = [alone(QUADRATIC, "3,1", 0.05, "gd", 3000),
                alone(QUADRATIC, "3,1", 0.05, "momentum", 3000, momentum=0.5),
                alone(QUADRATIC, "3,1", 0.2, "adam", 3000),
                alone(QUADRATIC, "3,1", 1.0, "newton", 3000)]
    for got, want in zip(data["results"], expected, strict=True):
        assert (got["status"], got["iterations"]) == (want["status"], want["iterations"])
        assert got["x"] == pytest.approx(want["x"], rel=1e-9, abs=1e-12)
        assert got["message"] == want["message"]
    assert data["results"][3]["iterations"] == 1  # Newton solves a quadratic in one step


def test_sweep_runs_each_rate_as_it_would_run_alone_even_beside_diverging_ones():
    data = gradcli("sweep", "x**2 + y**2", "--start", "1,2", "--lr", "1e-4:3:13", "--steps",
                   "1000", "--json").json()
    assert data["stability_bound"] == {"start": 1.0, "end": pytest.approx(1.0)}
    rates = [r["lr"] for r in data["results"]]
    assert rates == pytest.approx(list(np.geomspace(1e-4, 3, 13)))
    verdicts = [r["verdict"] for r in data["results"]]
    assert verdicts == ["too small"] * 6 + ["good"] * 5 + ["diverged"] * 2
    for result in data["results"]:
        want = alone("x**2 + y**2", "1,2", result["lr"], "gd", 1000)
        assert (result["status"], result["iterations"]) == (want["status"], want["iterations"])
        assert result["x"] == pytest.approx(want["x"], rel=1e-9, abs=1e-300)


def test_sweep_says_too_big_when_a_rate_oscillates_without_diverging():
    data = gradcli("sweep", "x**2", "--start", "1", "--lr", "0.5,1.0", "--steps", "50",
                   "--json").json()
    assert [r["verdict"] for r in data["results"]] == ["good", "too big: oscillates"]


def test_sweep_of_another_method_with_its_hyperparameters():
    data = gradcli("sweep", "sphere", "--method", "momentum", "--momentum", "0.5", "--lr",
                   "0.01,0.1", "--json").json()
    assert data["method"] == "momentum"
    assert [r["params"]["momentum"] for r in data["results"]] == [0.5, 0.5]


@pytest.mark.parametrize("args, message", [
    (("compare", "sphere", "--methods", "gd,sgd"),
     "error: unknown method 'sgd'; did you mean gd? known methods: gd, momentum, nesterov, "
     "adagrad, rmsprop, adam, newton.\n"),
    (("compare", "sphere", "--methods", "gd,adam:lr"),
     "error: --methods entry 'adam:lr': write settings as key=value, such as adam:lr=0.1.\n"),
    (("compare", "sphere", "--methods", "gd,adam:lr=x"),
     "error: --methods entry 'adam:lr=x': 'x' is not a number.\n"),
    (("compare", "sphere", "--methods", "gd,,adam"),
     "error: --methods has an empty entry; list methods separated by commas, such as "
     "--methods gd,momentum,adam:lr=0.1.\n"),
    (("compare", "sphere", "--methods", "gd,gd"),
     "error: --methods lists 'gd' twice; list each entry once.\n"),
    (("compare", "sphere", "--methods", "gd:momentum=0.9"),
     "error: gd has no hyperparameter 'momentum'; it applies to momentum, nesterov.\n"),
    (("compare", "sphere", "--methods", "adam:beta1=1"),
     "error: --beta1 (β₁) must lie in [0, 1), not 1.\n"),
    (("compare", "sphere", "--methods", "adam:lr=-1"),
     "error: --methods entry 'adam:lr=-1': lr must be > 0.\n"),
    (("sweep", "sphere", "--lr", "1:0.1:5"), "error: --lr '1:0.1:5': LOW must be below HIGH.\n"),
    (("sweep", "sphere", "--lr", "1e-4:1:1"),
     "error: --lr '1e-4:1:1': COUNT must be a whole number from 2 to 1000.\n"),
    (("sweep", "sphere", "--lr", "0.1,-1"),
     "error: --lr '0.1,-1': every rate must be a number > 0 and at most 1e100.\n"),
    (("sweep", "sphere", "--lr", "1e-4:1"),
     "error: --lr '1e-4:1': write LOW:HIGH:COUNT (log-spaced), such as 1e-4:1:13, or a list "
     "such as 0.001,0.01,0.1.\n"),
    (("sweep", "sphere", "--lr", "1e-4:1:5000"),
     "error: --lr '1e-4:1:5000': COUNT must be a whole number from 2 to 1000.\n"),
])
def test_bad_lab_input(args, message):
    result = gradcli(*args)
    assert (result.code, result.stdout, result.stderr) == (2, "", message)


def test_golden_compare_and_sweep_tables():
    assert_golden("compare.txt", gradcli("compare", "rosenbrock", "--methods",
                                         "gd,momentum,adam:lr=0.1,newton", "--no-plot").stdout)
    assert_golden("sweep.txt", gradcli("sweep", "x**2 + y**2", "--start", "1,2", "--lr",
                                       "1e-4:3:13", "--steps", "1000", "--no-plot").stdout)


def test_golden_lab_plots():
    env = {"COLUMNS": "80"}
    assert_golden("compare_plots.txt", gradcli(
        "compare", "x**2 + 10*y**2", "--start", "3,1", "--lr", "0.05", "--methods",
        "gd,momentum,newton", "--plot", "--no-table", env=env).stdout)
    assert_golden("sweep_plot.txt", gradcli(
        "sweep", "x**2 + y**2", "--start", "1,2", "--lr", "1e-3:3:9", "--steps", "500", "--plot",
        "--no-table", env=env).stdout)


@pytest.mark.parametrize("extra", [[], [("adam", {"beta1": 0.5, "beta2": 0.9})]])
def test_methods_side_by_side_reproduce_each_method_bit_for_bit(extra):
    """The shared step is each method's own update with coefficients 0 and 1: same floats."""
    from gradcli.engine.descent import descend
    from gradcli.engine.loop import StopRules
    from gradcli.engine.plan import make_plan
    from gradcli.engine.problem import Problem

    problem = Problem.resolve("rosenbrock")
    entries = [("gd", {}), ("momentum", {"momentum": 0.8}), ("nesterov", {}), ("adagrad", {}),
               ("rmsprop", {}), ("adam", {}), *extra, ("newton", {})]
    plans = [make_plan(name, params) for name, params in entries]
    rates = [1e-3, 1e-3, 1e-3, 0.5, 0.01, 0.05, 0.05, 1.0][:len(plans) - 1] + [1.0]
    starts = np.repeat(np.array([[-1.2, 1.0]]), len(plans), axis=0)
    stop = StopRules(2000, 1e-8)
    together = descend(problem, starts, rates, plans, stop)
    for index, plan in enumerate(plans):
        alone = descend(problem, starts[:1], rates[index], plan, stop)[0]
        assert together[index].iterations == alone.iterations, plan.rule.name
        assert together[index].x == alone.x, plan.rule.name
        assert together[index].status == alone.status


def test_compare_matches_each_method_alone_where_common_subexpressions_abound():
    """Regression: CSE temporaries once shared names with the common step's coefficients."""
    expr = "sin(3*x)*cos(2*y)+x**2/5+y**2/7"
    data = gradcli("compare", expr, "--start", "0.3,-0.4", "--methods", "momentum,adam",
                   "--steps", "3000", "--json").json()
    for got in data["results"]:
        want = alone(expr, "0.3,-0.4", got["params"]["lr"], got["label"], 3000)
        assert (got["status"], got["iterations"]) == ("converged", want["iterations"])
        assert got["x"] == pytest.approx(want["x"], rel=1e-9, abs=1e-12)
        assert got["x"][0] == pytest.approx(-0.5013020602, abs=1e-8)


FIRST_ORDER = [("gd", {}, 0.05), ("momentum", {"momentum": 0.7}, 0.02), ("nesterov", {}, 0.02),
               ("adagrad", {}, 0.3), ("rmsprop", {}, 0.01), ("adam", {}, 0.05),
               ("adam", {"beta1": 0.5, "beta2": 0.9}, 0.1)]


@settings(max_examples=40, deadline=None)
@given(EXPRESSIONS, st.lists(st.floats(-1.5, 1.5), min_size=3, max_size=3),
       st.lists(st.sampled_from(range(len(FIRST_ORDER))), min_size=2, max_size=5, unique=True))
def test_every_compare_entry_is_the_same_method_run_alone(text, start, chosen):
    """Side by side, each method takes the very steps it takes alone on the same NumPy engine
    (bit for bit), and agrees with the scalar single-run loop to rounding over a short horizon
    (`math` and NumPy may round sin or exp differently in the last bit)."""
    from gradcli.engine.descent import descend
    from gradcli.engine.loop import StopRules
    from gradcli.engine.plan import make_plan
    from gradcli.engine.problem import Problem

    problem = Problem.from_text(text, "x,y,z")
    plans = [make_plan(FIRST_ORDER[i][0], FIRST_ORDER[i][1]) for i in chosen]
    rates = np.array([FIRST_ORDER[i][2] for i in chosen])
    starts = np.repeat(np.array([start]), len(plans), axis=0)
    stop = StopRules(30, 1e-10)
    together = descend(problem, starts, rates, plans, stop)
    for index, plan in enumerate(plans):
        batch = descend(problem, starts[:2], rates[index], plan, stop)[0]
        single = descend(problem, starts[:1], rates[index], plan, stop)[0]
        assert together[index].status == batch.status, text
        assert together[index].iterations == batch.iterations, text
        assert np.array_equal(together[index].history.x, batch.history.x), text
        # against the scalar loop: while the run stays moderate (at |x| ~ 1e27, sin of x is
        # decided by the last bit, and math and NumPy may round that bit differently)
        moderate = np.all(np.abs(batch.history.x) <= 1e3, axis=1)
        moderate &= np.cumprod(moderate).astype(bool)
        scale = np.maximum(1.0, np.abs(single.history.x[moderate]))
        gap = np.abs(together[index].history.x[moderate] - single.history.x[moderate])
        assert np.all(gap <= 1e-9 * scale), text


def test_compare_records_each_run_at_least_as_finely_as_alone():
    data = gradcli("compare", "rosenbrock", "--methods", "gd,momentum,adam:lr=0.1,newton",
                   "--json").json()
    by_label = {r["label"]: r for r in data["results"]}
    assert [h["k"] for h in by_label["newton"]["history"]] == list(range(22))  # all 21 steps
    assert [h["k"] for h in by_label["adam:lr=0.1"]["history"][:40]] == list(range(40))
    for label, method in (("gd", ["--method", "gd"]), ("momentum", ["--method", "momentum"]),
                          ("adam:lr=0.1", ["--method", "adam", "--lr", "0.1"])):
        alone = gradcli("descend", "rosenbrock", *method, "--json").json()
        together = by_label[label]
        assert {h["k"] for h in alone["history"]} <= {h["k"] for h in together["history"]}
        assert together["history"][-1]["k"] == alone["iterations"] == together["iterations"]


def test_compare_and_sweep_take_record_every():
    data = gradcli("compare", "x**2 + 10*y**2", "--start", "3,1", "--lr", "0.05",
                   "--methods", "gd,momentum", "--record-every", "5", "--steps", "40",
                   "--tol", "0", "--json").json()
    assert [h["k"] for h in data["results"][0]["history"]] == list(range(0, 41, 5))
    sweep = gradcli("sweep", "x**2", "--start", "1", "--lr", "0.1,0.2", "--record-every", "10",
                    "--steps", "30", "--tol", "0", "--json").json()
    assert [h["k"] for h in sweep["results"][1]["history"]] == [0, 10, 20, 30]


def test_sweep_concludes_from_its_results_and_the_quadratic_theory():
    text = " ".join(gradcli("sweep", "x**2+y**2", "--start", "1,2", "--lr",
                            "0.3,0.5,0.7,0.9,0.99,0.999", "--no-plot").stdout.split())
    assert "just below the bound" not in text
    assert "The fastest rate in this sweep was η = 0.5 (1 step to tolerance)." in text
    assert "the best fixed rate is 2/(λmin + λmax) = 0.5: one step reaches the minimum." in text
    text = " ".join(gradcli("sweep", "x**2+10*y**2", "--start", "1,2", "--lr", "0.01,0.05",
                            "--no-plot").stdout.split())
    # λ = 2 and 20: 2/22 = 0.0909091, (20 − 2)/22 = 0.8182
    assert "2/(λmin + λmax) = 0.0909091: each step multiplies the distance to the minimum by " \
           "at most (κ − 1)/(κ + 1) = 0.8182." in text
    text = " ".join(gradcli("sweep", "rosenbrock", "--lr", "1e-4,1e-3", "--steps", "100",
                            "--no-plot").stdout.split())
    assert "No rate in this sweep converged within --steps." in text and "λmin + λmax" not in text


def test_each_sweep_verdict_is_what_the_run_did():
    data = gradcli("sweep", "x**2+y**2", "--start", "1,2", "--lr", "0.001,0.5,1,1.02,3",
                   "--steps", "200", "--json").json()
    assert [(r["lr"], r["verdict"], r["status"]) for r in data["results"]] == [
        (0.001, "too small", "max_steps"), (0.5, "good", "converged"),
        (1.0, "too big: oscillates", "max_steps"),  # at 2/λmax: |x| neither grows nor shrinks
        (1.02, "too big: diverging", "max_steps"),  # 2% above it: ‖∇f‖ grows 1.04× per step
        (3.0, "diverged", "diverged")]
    unbounded = gradcli("sweep", "-x**2", "--start", "1", "--lr", "0.01,0.1", "--steps", "200",
                        "--json").json()
    assert [r["verdict"] for r in unbounded["results"]] == ["unbounded below"] * 2
    saddle = gradcli("sweep", "x**2-y**2", "--start", "0,0", "--lr", "0.1", "--json").json()
    assert saddle["results"][0]["verdict"] == "stuck at a stationary point"
    flat = gradcli("sweep", "exp(-x)", "--start", "0", "--lr", "20,1e-3", "--steps", "100",
                   "--json").json()  # η = 20 lands at x = 20, where ‖∇f‖ = 2e-9 < tol
    assert [(r["verdict"], r["status"]) for r in flat["results"]] == [
        ("too small", "max_steps"), ("stopped where f is flat", "flat")]  # by rate


def test_compare_and_sweep_with_json_say_why_a_run_failed_on_stderr():
    run = gradcli("sweep", "x**2", "--start", "1", "--lr", "0.5,1.5", "--steps", "50", "--json")
    assert run.code == 0 and run.json()["results"][1]["status"] == "max_steps"
    assert run.stderr.startswith("lr 1.5: max_steps: Stopped at the step limit (50 steps) with "
                                 "‖∇f‖ = 2.25e+15 above tol 1e-08: an exploding gradient")
    assert "lr 0.5" not in run.stderr  # it converged
    compared = gradcli("compare", "rosenbrock", "--methods", "gd,newton", "--json")
    assert compared.stderr.startswith("gd: max_steps: Stopped at the step limit (10000 steps)")
    assert "newton" not in compared.stderr
