"""`descend`: the exact seed example, every status on purpose, every output form, bad input."""

import csv
import io
import math
import sys
import warnings

import numpy as np
import pytest

from gradcli.engine.plan import make_plan
from tests.conftest import assert_golden, gradcli, interrupted_run

GD = make_plan("gd", {})
SEED = ("descend", "x**2+y**2", "--start", "1,2", "--lr", "0.1")
ROSENBROCK = "(1-x)**2+100*(y-x**2)**2"


def test_seed_example_is_exact_at_every_step():
    run = gradcli(*SEED, "--json")
    assert run.code == 0
    data = run.json()
    assert data["status"] == "converged"
    assert data["iterations"] == 90  # 0.8^k·√20·… first ≤ 1e-8 at k = 90
    assert [row["k"] for row in data["history"]] == list(range(91))
    for row in data["history"]:
        expected = 0.8 ** row["k"] * np.array([1.0, 2.0])
        assert np.max(np.abs(np.array(row["x"]) - expected)) <= 1e-12
        assert row["f"] == pytest.approx(5 * 0.64 ** row["k"], rel=1e-12, abs=1e-300)
    assert data["history"][0]["step"] is None
    assert data["history"][1]["step"] == pytest.approx(math.sqrt(0.2**2 + 0.4**2), rel=1e-14)


def test_json_has_every_stable_key():
    data = gradcli(*SEED, "--json").json()
    assert data["function"] == "x**2 + y**2"
    assert data["variables"] == ["x", "y"]
    assert data["method"] == "gd"
    assert data["params"] == {"lr": 0.1}
    assert data["start"] == [1.0, 2.0]
    assert data["x"] == data["history"][-1]["x"]
    assert data["f"] == pytest.approx(5 * 0.64**90, rel=1e-9)
    assert data["gradient"] == pytest.approx([2 * v for v in data["x"]], rel=1e-15)
    assert data["grad_norm"] < 1e-8
    assert data["evaluations"] == 91
    assert data["message"] == "Converged: ‖∇f‖ = 8.48e-09 ≤ tol 1e-08 after 90 steps."
    assert set(data["history"][0]) == {"k", "x", "f", "grad_norm", "step"}


@pytest.mark.parametrize("args, code, status, message", [
    (("x**2", "--start", "1", "--lr", "1.5"), 4, "diverged",
     "Diverged at step 332: ‖∇f‖ exceeded 1e100 at (8.749e+99). The learning rate 1.5 is above "
     "2/λmax = 1 at the start; try --lr 0.9."),
    (("log(x)", "--start", "1", "--lr", "2"), 4, "domain_error",
     "Domain error at step 1: log(x) (the log of a number ≤ 0) is undefined at (-1). The last "
     "good point was (1)."),
    (("x**3", "--start", "0", "--lr", "0.1"), 3, "stationary",
     "Started at a stationary point (∇f = 0), but a degenerate stationary point (the "
     "second-derivative test is inconclusive, and f falls along some direction sampled around "
     "it): the Hessian is zero. Descent cannot leave it; start elsewhere."),
    (("x**4", "--start", "0"), 0, "converged",
     "Converged: ‖∇f‖ = 0.00e+00 ≤ tol 1e-08 after 0 steps. The second-derivative test is "
     "inconclusive here (the Hessian is zero), but f rises in every direction sampled around "
     "the start: a minimum (a flat one, as x⁴ has at 0)."),
    (("plateau", "--start", "5,5"), 3, "flat",
     "Started with ‖∇f‖ = 2.73e-21 already ≤ tol 1e-08, on a plateau: the Hessian is zero and f "
     "does not change (by even 1e-308) anywhere sampled around the start, so descent cannot "
     "move (the vanishing gradient); start nearer a minimum."),
    # ‖∇f‖ below an absolute tolerance is not a minimum at f's own scale
    (("exp(-x)", "--start", "0", "--lr", "20"), 3, "flat",
     "Stopped after 1 step with ‖∇f‖ = 2.06e-09 ≤ tol 1e-08, but x is no minimum at f's own "
     "scale: f still falls along −∇f (from 2.061e-09 to 1.688e-09 a distance 0.2 further), and "
     "its quadratic model puts a minimum 1 away. ‖∇f‖ is small because f is flat here (its "
     "curvature, λmax = 2.06e-09, is small too), not because x is a minimum: the tolerance is "
     "absolute. Use one at f's scale to keep descending, e.g. --tol 2.1e-17; f may have no "
     "minimum this way."),
    (("exp(-x)", "--start", "25"), 3, "flat",
     "Started with ‖∇f‖ = 1.39e-11 already ≤ tol 1e-08, but x is no minimum at f's own scale: "
     "f still falls along −∇f (from 1.389e-11 to 1.082e-11 a distance 0.25 further), and its "
     "quadratic model puts a minimum 1 away. ‖∇f‖ is small because f is flat here (its "
     "curvature, λmax = 1.39e-11, is small too), not because x is a minimum: the tolerance is "
     "absolute. Use one at f's scale to keep descending, e.g. --tol 1.4e-19; f may have no "
     "minimum this way."),
    (("1e-11*(x**2+y**2)", "--start", "1,1", "--lr", "1e10"), 3, "flat",
     "Started with ‖∇f‖ = 2.83e-11 already ≤ tol 1e-08, but x is no minimum at f's own scale: "
     "f still falls along −∇f (from 2e-11 to 1.96e-11 a distance 0.0141 further), and its "
     "quadratic model puts a minimum 1.41 away. ‖∇f‖ is small because f is flat here (its "
     "curvature, λmax = 2e-11, is small too), not because x is a minimum: the tolerance is "
     "absolute. Use one at f's scale to keep descending, e.g. --tol 2.8e-19; f may have no "
     "minimum this way."),
    # ... and the tolerance it suggests reaches the minimum, 0.8ᵏ·(1, 1) after k steps
    (("1e-11*(x**2+y**2)", "--start", "1,1", "--lr", "1e10", "--tol", "2.8e-19"), 0,
     "converged", "Converged: ‖∇f‖ = 2.56e-19 ≤ tol 2.8e-19 after 83 steps."),
    (("exp(-x)", "--start", "0", "--lr", "1e6"), 3, "flat",
     "Stopped after 1 step with ‖∇f‖ = 0 ≤ tol 1e-08, on a plateau: the Hessian is zero and f "
     "does not change (by even 1e-308) anywhere sampled around x, so descent cannot move "
     "(the vanishing gradient); start nearer a minimum."),
    (("ackley",), 0, "converged",
     "Converged: ‖∇f‖ = 6.83e-09 ≤ tol 1e-08 after 39 steps. This is not ackley's global "
     "minimum: that is f = 0 at (0, 0); try another start, or --starts random:500 to map the "
     "basins."),
    (("x**2 - y**2", "--start", "0,0"), 3, "stationary",
     "Started at a stationary point (∇f = 0), but a saddle: the Hessian is indefinite. Descent "
     "cannot leave it; start elsewhere."),
    (("x**2 - y**2", "--start", "1,0", "--lr", "0.1"), 3, "stationary",
     "Stopped at a stationary point after 86 steps, but it is a saddle, not a minimum (the "
     "Hessian is indefinite); start elsewhere."),
    ((ROSENBROCK, "--start", "-1.2,1", "--lr", "0.001", "--steps", "100"), 3, "max_steps",
     "Stopped at the step limit (100 steps) with ‖∇f‖ = 1.82 above tol 1e-08: still descending "
     "— f fell from 3.96491 to 3.80189 over steps 50–100; raise --steps, or raise --lr: η = "
     "0.001 is well below 2/λmax = 0.002178 at the end point."),
    # each diagnosis of a run that did not converge, built on purpose
    (("rosenbrock", "--lr", "0.0021"), 3, "max_steps",
     "Stopped at the step limit (10000 steps) with ‖∇f‖ = 7.9 above tol 1e-08: oscillating — f "
     "did not decrease over steps 5000–10000 (from 0.0261576 to 0.0341445) while ‖∇f‖ stays "
     "near 7.9: each step overshoots (2/λmax is 0.002138 at the end point, and η = 0.0021 is "
     "too close to it where the surface curves more). Use a smaller --lr, e.g. --lr 0.001."),
    (("-x**2", "--start", "1"), 3, "unbounded",
     "Unbounded below: f fell from -1 to -1.008e+172 as ‖x‖ grew to 1e+86, and ‖∇f‖ did not "
     "shrink: f has no minimum in this direction, so no learning rate or step count can reach "
     "one; bound the function (add a term such as x**2) or start where it has a minimum."),
    (("x", "--start", "0"), 3, "unbounded",
     "Unbounded below: f fell from 0 to -100 as ‖x‖ grew to 100, and ‖∇f‖ did not shrink: f has "
     "no minimum in this direction, so no learning rate or step count can reach one; bound the "
     "function (add a term such as x**2) or start where it has a minimum."),
    (("x**2 - y**2", "--start", "1,0.01"), 3, "unbounded",
     "Unbounded below: f fell from 0.9999 to -1.008e+168 as ‖x‖ grew to 1e+84, and ‖∇f‖ did "
     "not shrink: f has no minimum in this direction, so no learning rate or step count can "
     "reach one; bound the function (add a term such as x**2) or start where it has a minimum."),
    (("rosenbrock", "--schedule", "cosine:500", "--steps", "10000"), 3, "max_steps",
     "Stopped at step 500 of 10000: the schedule cosine:500 has brought the rate to 0 from step "
     "500 on, so x cannot move any more (‖∇f‖ = 1.9); the remaining steps would only idle. Use "
     "a schedule that lasts the whole run, e.g. --schedule cosine:10000."),
    (("abs(x)", "--start", "1", "--lr", "0.3"), 3, "max_steps",
     "Stopped at the step limit (10000 steps) with ‖∇f‖ = 1 above tol 1e-08: cycling — each "
     "step moves x by about 0.3 but x keeps coming back to the same points: where f has a kink "
     "(as abs(x) has at 0) the gradient does not shrink near the minimum, so a constant rate "
     "cannot settle. Use a decaying schedule, e.g. --schedule exp:0.99, or a smaller --lr."),
    (("sqrt(x**2+y**2)", "--start", "1,1", "--lr", "0.3"), 3, "max_steps",
     "Stopped at the step limit (10000 steps) with ‖∇f‖ = 1 above tol 1e-08: cycling — each "
     "step moves x by about 0.3 but x keeps coming back to the same points: where f has a kink "
     "(as abs(x) has at 0) the gradient does not shrink near the minimum, so a constant rate "
     "cannot settle. Use a decaying schedule, e.g. --schedule exp:0.99, or a smaller --lr."),
    (("x**2+y**2", "--start", "1,2", "--lr", "1.02", "--steps", "200"), 3, "max_steps",
     "Stopped at the step limit (200 steps) with ‖∇f‖ = 1.14e+04 above tol 1e-08: an exploding "
     "gradient — ‖∇f‖ grew from 226 at step 100 to 1.14e+04 (×1.04 per step) and will overflow "
     "if the run goes on. Use a --lr below 2/λmax = 1 (at the start), or cap each step with "
     "--clip-norm."),
    (("rosenbrock", "--lr", "0.001", "--steps", "100000", "--tol", "0"), 3, "max_steps",
     "Stopped at the step limit (100000 steps) with ‖∇f‖ = 6.24e-14 above tol 0: stalled — x has "
     "not changed since step 73344, because each step is below the rounding of x; more steps "
     "cannot help. ‖∇f‖ = 6.24e-14 is as small as floating point reaches at this minimum, so "
     "use --tol 1e-13 or more."),
    (("1 - exp(-(x**2 + y**2))", "--start", "3,3", "--lr", "1", "--tol", "1e-30", "--steps",
      "100"), 3, "max_steps",
     "Stopped at the step limit (100 steps) with ‖∇f‖ = 1.29e-07 above tol 1e-30: a plateau — "
     "‖∇f‖ = 1.29e-07 is tiny and f changed by only 8.35e-13 over steps 50–100: the gradient "
     "vanishes here, so descent crawls (the vanishing gradient). Start elsewhere, or use a "
     "method that rescales the gradient, e.g. --method adam."),
    (("sqrt(x)", "--start", "-1"), 4, "domain_error",
     "Domain error at the start: sqrt(x) (the square root of a negative number) is undefined at "
     "(-1)."),
    (("x**2", "--start", "3", "--lr", "0.1", "--step-tol", "1e-3"), 0, "converged",
     "Converged: the step 9.28e-04 ≤ --step-tol 0.001 after 30 steps (‖∇f‖ = 7.43e-03)."),
    (("x**2", "--start", "3", "--lr", "0.1", "--f-tol", "1e-6"), 0, "converged",
     "Converged: f changed by less than --f-tol 1e-06 after 35 steps."),
])
def test_every_status_on_purpose(args, code, status, message):
    run = gradcli("descend", *args, "--json")
    assert run.code == code, run.stderr
    data = run.json()
    assert (data["status"], data["message"]) == (status, message)


def test_divergence_keeps_the_history_and_a_finite_point():
    data = gradcli("descend", "x**2", "--start", "1", "--lr", "1.5", "--json").json()
    assert data["iterations"] == 332
    assert data["history"][0]["x"] == [1.0] and data["history"][-1]["k"] == 332
    assert math.isfinite(data["x"][0])


def test_domain_error_reports_the_last_good_point_and_null_for_undefined_values():
    data = gradcli("descend", "log(x)", "--start", "1", "--lr", "2", "--json").json()
    assert data["x"] == [1.0] and data["f"] == 0.0
    assert data["history"][-1] == {"k": 1, "x": [-1.0], "f": None, "grad_norm": 1.0, "step": 2.0}


def test_csv_rows_match_the_json_history():
    rows = list(csv.DictReader(io.StringIO(gradcli(*SEED, "--csv").stdout)))
    history = gradcli(*SEED, "--json").json()["history"]
    assert list(rows[0]) == ["k", "x", "y", "f", "grad_norm", "step"]
    assert len(rows) == len(history) == 91
    assert rows[0]["step"] == ""
    for row, record in zip(rows, history, strict=True):
        assert int(row["k"]) == record["k"]
        assert [float(row["x"]), float(row["y"])] == record["x"]
        assert float(row["f"]) == record["f"]


def test_csv_renames_variables_that_clash_with_columns():
    header = gradcli("descend", "k**2 + f**2", "--start", "1,1", "--lr", "0.1", "--csv").stdout
    assert header.splitlines()[0] == "k,x_f,x_k,f,grad_norm,step"


def test_quiet_prints_only_the_final_point():
    run = gradcli(*SEED, "--quiet")
    x, y = (float(v) for v in run.stdout.split())
    assert run.stdout.count("\n") == 1
    assert (x, y) == tuple(gradcli(*SEED, "--json").json()["x"])


def test_record_every_keeps_first_and_last():
    data = gradcli(*SEED, "--record-every", "25", "--json").json()
    assert [row["k"] for row in data["history"]] == [0, 25, 50, 75, 90]


def test_long_runs_thin_their_record_but_keep_both_ends():
    data = gradcli("descend", ROSENBROCK, "--start", "-1.2,1", "--lr", "0.001", "--steps",
                   "100000", "--tol", "0", "--json").json()
    steps = [row["k"] for row in data["history"]]
    assert steps[0] == 0 and steps[-1] == 100_000 == data["iterations"]
    assert 1000 <= len(steps) <= 2001
    assert data["x"] == pytest.approx([1.0, 1.0], abs=1e-6)


@pytest.mark.parametrize("args, message", [
    (("--start", "1"), "error: --start has 1 value but the function has 2 variables; give 2 "
                       "numbers separated by commas.\n"),
    (("--start", "1,x"), "error: --start value 2 ('x') is not a number; give numbers separated "
                         "by commas, such as 1,-2.5.\n"),
    (("--start", "1,nan"), "error: --start value 2 ('nan') is not finite; give ordinary numbers "
                           "such as 1,2.\n"),
    (("--start", "1,2", "--lr", "0"),
     "error: --lr must be a number > 0 and at most 1e100, not 0.\n"),
    (("--start", "1,2", "--lr", "-0.1"),
     "error: --lr must be a number > 0 and at most 1e100, not -0.1.\n"),
    (("--start", "1,2", "--lr", "inf"),
     "error: --lr must be a number > 0 and at most 1e100, not inf.\n"),
    (("--start", "1,2", "--steps", "0"), "error: --steps must be a whole number ≥ 1, not 0.\n"),
    (("--start", "1,2", "--tol", "-1"),
     "error: --tol must be a number ≥ 0 and at most 1e100, not -1.\n"),
    (("--start", "1,2", "--tol", "1e155"),
     "error: --tol must be a number ≥ 0 and at most 1e100, not 1e+155.\n"),
    (("--start", "1,2", "--json", "--csv"), "error: --json and --csv cannot be combined; choose "
                                            "one output.\n"),
])
def test_bad_options(args, message):
    run = gradcli("descend", "x**2+y**2", *args)
    assert (run.code, run.stdout, run.stderr) == (2, "", message)


def test_no_runtime_warning_leaks():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for args in (("log(x)", "--start", "1", "--lr", "2"), ("x**2", "--start", "1", "--lr",
                                                                "1.5"), ("1/x", "--start", "0")):
            gradcli("descend", *args, "--json")
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


def test_golden_table():
    run = gradcli(*SEED, "--no-plot")
    assert_golden("descend_table.txt", run.stdout)


def test_golden_table_every_and_all():
    assert_golden("descend_every.txt", gradcli(*SEED, "--no-plot", "--every", "30").stdout)
    shown = gradcli(*SEED, "--no-plot", "--all").stdout
    assert all(f"\n{k:>2} " in shown for k in range(91))


def test_golden_plots():
    run = gradcli("descend", "x**2 + 3*y**2", "--start", "2,1", "--lr", "0.1", "--plot",
                  "--no-table", env={"COLUMNS": "80"})
    assert_golden("descend_plots.txt", run.stdout)


def test_sigint_stops_cleanly_with_json():
    code, data, stderr = interrupted_run(
        ["descend", ROSENBROCK, "--start", "-1.2,1", "--lr", "0.0001", "--steps", "500000000",
         "--tol", "0"], after=3)
    assert code == 130, stderr
    assert data["status"] == "interrupted"
    assert data["iterations"] > 0 and data["history"][-1]["k"] == data["iterations"]
    assert data["message"].startswith("Interrupted (Ctrl-C) at step ")
    assert "Traceback" not in stderr


def test_variable_names_cannot_shadow_generated_code():
    expr = "e**2 + select**2 + maximum**2 + numpy**2 + math**2 + out**2"
    data = gradcli("descend", expr, "--start", "1,1,1,1,1", "--lr", "0.1", "--json").json()
    assert data["variables"] == ["math", "maximum", "numpy", "out", "select"]  # e is Euler's
    assert data["status"] == "converged"
    pair = gradcli("grad", expr, "--at", "1,2,3,4,5", "--json").json()
    assert pair["gradient_value"] == [2.0, 4.0, 6.0, 8.0, 10.0]


def test_constant_gradient_entries_broadcast_in_batches():
    from gradcli.engine.descent import descend
    from gradcli.engine.loop import StopRules
    from gradcli.engine.problem import Problem

    runs = descend(Problem.from_text("2*x + y**2"), np.array([[0.0, 1.0], [1.0, 2.0]]), 0.1,
                   GD, StopRules(5, 1e-8))
    assert runs[0].x == pytest.approx((-1.0, 0.8**5))
    assert runs[1].x == pytest.approx((0.0, 2 * 0.8**5))


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    from gradcli.render.console import wants_colour

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(_Terminal()) and not wants_colour(io.StringIO())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not wants_colour(_Terminal())


def test_long_runs_on_a_terminal_show_a_progress_bar(monkeypatch):
    from gradcli.render import progress

    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    monkeypatch.setattr(progress, "DELAY_SECONDS", 0.0)
    with progress.progress_bar(100) as update:
        assert update is not None
        update(50)
    assert "descending" in terminal.getvalue()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress.progress_bar(100) as update:
        assert update is None  # not a terminal: no bar at all


def test_one_variable_gets_the_curve_with_its_iterates():
    text = gradcli("descend", "x**2", "--start", "1", "--lr", "0.9", "--plot", "--no-table",
                   env={"COLUMNS": "80"}).stdout
    assert "f(x) and the iterates; S start, E end" in text and "\n● gd" in text
    assert "S" in text and "E" in text


def test_log_axes_have_whole_decades_evenly_spaced():
    import re

    text = gradcli("sweep", "x**2 + y**2", "--start", "1,2", "--lr", "1e-4:3:13", "--steps",
                   "1000", "--plot", "--no-table", env={"COLUMNS": "80"}).stdout
    for line in text.splitlines():
        decades = [int(t) for t in re.findall(r"1e(-?\d+)", line)]
        if len(decades) >= 3:
            gaps = {b - a for a, b in zip(decades, decades[1:], strict=False)}
            assert len(gaps) == 1, line  # evenly spaced
            assert all(d % next(iter(gaps)) == 0 for d in decades), line  # multiples of it


@pytest.mark.parametrize("output", ["--quiet", "--csv", "--json"])
def test_a_failed_run_says_why_on_stderr_whatever_the_output(output):
    run = gradcli("descend", "log(x)", "--start", "-1", output)
    assert run.code == 4
    assert run.stderr == ("domain_error: Domain error at the start: log(x) (the log of a number "
                          "≤ 0) is undefined at (-1).\n")
    ok = gradcli("descend", "x**2", "--start", "1", "--lr", "0.1", output)
    assert ok.code == 0 and ok.stderr == ""


def test_a_step_that_leaps_over_a_pole_is_told():
    # x² + 1/x from −1 at η = 0.1: x₂ = −0.3559, x₃ = 0.5047 — across the pole at 0, where
    # f goes from −2.683 (falling without bound towards 0⁻) to 2.236 on the other side
    data = gradcli("descend", "x**2+1/x", "--start", "-1", "--lr", "0.1", "--json").json()
    assert data["status"] == "converged" and data["x"][0] == pytest.approx(2 ** (-1 / 3))
    head, _, rest = data["message"].partition(" On the way, ")
    assert head == "Converged: ‖∇f‖ = 6.93e-09 ≤ tol 1e-08 after 20 steps."
    assert rest.startswith("step 3 jumped over a point where f blows up: from (-0.355918) to "
                           "(0.504669) (f from -2.683 to 2.236), and between them |f| passes ")
    near = float(rest.split(" near (")[1].split(")")[0])
    assert abs(near) < 1e-9  # the pole, found by zooming in on the step
    assert rest.endswith("(2.99861e-11). The run went on from the far side of it.")
    # from the other side, descent never meets the pole
    same_side = gradcli("descend", "x**2+1/x", "--start", "1", "--lr", "0.1", "--json").json()
    assert same_side["message"] == "Converged: ‖∇f‖ = 9.53e-09 ≤ tol 1e-08 after 21 steps."


def test_a_smooth_bump_between_two_iterates_is_no_pole():
    import numpy as np

    from gradcli.engine.poles import first_jump
    from gradcli.engine.problem import Problem

    bump = Problem.from_text("x**2 + 100*exp(-100*x**2)")  # a hill of height 100 at 0
    k, x = np.array([0, 1]), np.array([[-0.5], [0.6]])
    f = x[:, 0] ** 2 + 100 * np.exp(-100 * x[:, 0] ** 2)
    assert f[1] > f[0] and first_jump(bump, k, x, f) is None
    pole = Problem.from_text("x**2 + 1/(x - 0.1)")
    f = x[:, 0] ** 2 + 1 / (x[:, 0] - 0.1)
    jump = first_jump(pole, k, x, f)
    assert jump is not None and jump.step == 1 and abs(jump.pole[0] - 0.1) < 1e-9
    apart = np.array([0, 2])  # rows two steps apart are not one step: nothing is claimed
    assert first_jump(pole, apart, x, f) is None


def test_quiet_prints_the_final_point_in_the_variable_order_of_the_json():
    args = ("descend", "y**2 + (x10 - 1)**2 + (x2 - 2)**2", "--start", "1,2,3", "--lr", "0.1")
    numbers = [float(v) for v in gradcli(*args, "--quiet").stdout.split()]
    data = gradcli(*args, "--json").json()
    assert data["variables"] == ["x2", "x10", "y"] and numbers == data["x"]
