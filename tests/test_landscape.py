"""Landscape analysis: critical points, Taylor models, and where each start ends up."""

import re

import pytest

from gradcli import library
from tests.conftest import assert_golden, gradcli

HIMMELBLAU = library.find("himmelblau")


def _near(point, listed, tolerance=1e-6):
    return all(abs(a - b) <= tolerance for a, b in zip(point, listed, strict=True))


@pytest.mark.parametrize("numeric", [False, True])
def test_himmelblau_has_its_nine_critical_points(numeric):
    args = ["critical", "himmelblau", "--json"] + (["--numeric"] if numeric else [])
    data = gradcli(*args).json()
    kinds = [p["kind"] for p in data["points"]]
    assert sorted(kinds) == sorted(["minimum"] * 4 + ["maximum"] + ["saddle"] * 4)
    listed = [(m.point, "minimum") for m in HIMMELBLAU.minima] + \
        [(p.point, p.kind) for p in HIMMELBLAU.points]
    for point, kind in listed:
        match = [p for p in data["points"] if _near(p["x"], point)]
        assert len(match) == 1 and match[0]["kind"] == kind
    maximum = next(p for p in data["points"] if p["kind"] == "maximum")
    assert maximum["f"] == pytest.approx(181.6165215225827, rel=1e-12)
    assert all(e < 0 for e in maximum["eigenvalues"])
    assert data["box"] == [[-5.0, 5.0], [-5.0, 5.0]]
    assert data["symbolic"] == ("skipped" if numeric else "timeout")


def test_saddle_and_degenerate_points_exactly():
    saddle = gradcli("critical", "x**2 - y**2", "--json").json()
    assert saddle["symbolic"] == "complete"
    assert saddle["points"] == [{"x": [0.0, 0.0], "f": 0.0, "kind": "saddle",
                                 "eigenvalues": [-2.0, 2.0], "exact": ["0", "0"]}]
    monkey = gradcli("critical", "x**3 - 3*x*y**2", "--json").json()
    assert [(p["x"], p["kind"]) for p in monkey["points"]] == [([0.0, 0.0], "degenerate")]


def test_exact_solutions_come_from_sympy():
    data = gradcli("critical", "three_hump_camel", "--json").json()
    assert len(data["points"]) == 5
    exact = {tuple(p["exact"]) for p in data["points"]}
    assert ("sqrt(10*sqrt(91) + 210)/10", "-sqrt(sqrt(91)/40 + 21/40)") in exact


def test_the_box_limits_the_search():
    data = gradcli("critical", "x**4 - 2*x**2 + y**2", "--box", "0.5:2,-1:1", "--numeric",
                   "--json").json()
    assert [(p["x"], p["kind"]) for p in data["points"]] == [([1.0, 0.0], "minimum")]


def test_a_solver_that_runs_out_of_time_falls_back_to_the_numeric_search(monkeypatch):
    from gradcli.explore import critical_points

    monkeypatch.setattr(critical_points, "SOLVE_SECONDS", 0.001)
    data = gradcli("critical", "himmelblau", "--json").json()
    assert data["symbolic"] == "timeout" and len(data["points"]) == 9


def test_the_time_budget_covers_the_whole_command():
    run = gradcli("critical", "himmelblau", "--json", env={"GRADCLI_TIME_BUDGET": "0.01"})
    assert (run.code, run.stdout) == (5, "")
    # which symbolic step is running when 0.01 s of CPU is spent varies; the sentence does not
    assert re.fullmatch(r"error: (this command's symbolic work|searching for critical points|"
                        r"[a-z ∇=0]+) took more than the 0\.01 s budget of CPU time; simplify "
                        r"the expression or raise GRADCLI_TIME_BUDGET\.\n", run.stderr), run.stderr


@pytest.mark.parametrize("setting", ["inf", "1e10", "1e-5", "abc", "0", "-3", "nan"])
def test_a_time_budget_setting_out_of_range_is_refused(setting):
    run = gradcli("grad", "x**2", env={"GRADCLI_TIME_BUDGET": setting})
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (f"error: GRADCLI_TIME_BUDGET is '{setting}'; set it to a number of "
                          "seconds from 0.01 to 3600, or unset it for the default 10.\n")


def test_golden_critical():
    assert_golden("critical.txt", gradcli("critical", "himmelblau", "--numeric").stdout)


def test_taylor_models_of_a_quadratic_are_exact():
    data = gradcli("taylor", "x**2 + y**2", "--at", "1,2", "--step", "0.1,0.1", "--step",
                   "0.01", "--json").json()
    assert data["displacement"] == ["dx", "dy"]
    assert data["linear"] == "2*dx + 4*dy + 5"
    assert data["quadratic"] == "dx**2 + 2*dx + dy**2 + 4*dy + 5"
    assert data["value"] == 5.0 and data["gradient_value"] == [2.0, 4.0]
    assert data["hessian_value"] == [[2.0, 0.0], [0.0, 2.0]]
    first, second = data["steps"]
    assert first["h"] == [0.1, 0.1] and second["h"] == [0.01, 0.01]
    assert first["linear_error"] == 0.02  # exactly ‖h‖², no rounding noise
    assert first["quadratic_error"] == 0.0 and second["quadratic_error"] == 0.0
    assert second["linear_error"] == 0.0002


def test_taylor_errors_shrink_like_h_squared_and_h_cubed():
    steps = [arg for h in ("0.1", "0.01", "0.001", "0.0001") for arg in ("--step", h)]
    data = gradcli("taylor", "exp(x)*sin(y)", "--at", "0,1", *steps, "--json").json()
    linear = [s["linear_error"] / s["norm"] ** 2 for s in data["steps"]]
    quadratic = [s["quadratic_error"] / s["norm"] ** 3 for s in data["steps"]]
    assert linear[-1] == pytest.approx(linear[-2], rel=1e-2)
    assert quadratic[-1] == pytest.approx(quadratic[-2], rel=1e-2)
    assert data["steps"][-1]["quadratic_error"] < 1e-12  # exact arithmetic keeps it visible
    assert data["steps"][-1]["quadratic_error"] > 0


def test_taylor_first_order_only():
    data = gradcli("taylor", "rosenbrock", "--at", "0,0", "--order", "1", "--step", "0.1,0.2",
                   "--json").json()
    assert data["linear"] == "1 - 2*dx" and "quadratic" not in data
    assert set(data["steps"][0]) == {"h", "norm", "f", "linear", "linear_error"}


def test_golden_taylor():
    assert_golden("taylor.txt", gradcli("taylor", "exp(x)*sin(y)", "--at", "0,1", "--step",
                                        "0.1", "--step", "0.01", "--step", "0.001").stdout)


def test_many_starts_find_the_four_basins_of_himmelblau():
    data = gradcli("descend", "himmelblau", "--starts", "grid:100", "--json").json()
    assert data["starts"] == "grid:100" and len(data["runs"]) == 10_000
    assert data["statuses"] == {"converged": 10_000}
    assert len(data["basins"]) == 4
    assert sum(b["count"] for b in data["basins"]) == 10_000
    assert {b["known"] for b in data["basins"]} == {"global minimum"}
    for minimum in HIMMELBLAU.minima:
        assert any(_near(b["x"], minimum.point, 1e-6) for b in data["basins"])
    run = data["runs"][0]
    assert run["start"] == [-5.0, -5.0] and run["status"] == "converged"
    basin = next(b for b in data["basins"] if b["label"] == run["basin"])
    assert _near(run["x"], basin["x"], 1e-6)


def test_random_starts_are_seeded():
    args = ("descend", "three_hump_camel", "--starts", "random:200", "--json")
    first = gradcli(*args, "--seed", "1").json()
    assert first == gradcli(*args, "--seed", "1").json()
    assert first["runs"] != gradcli(*args, "--seed", "2").json()["runs"]
    kinds = {b["known"] for b in first["basins"]}
    assert kinds == {"global minimum", "local minimum"}


def test_golden_basins():
    run = gradcli("descend", "himmelblau", "--starts", "grid:20", "--plot",
                  env={"COLUMNS": "80"})
    assert run.code == 0
    assert_golden("basins.txt", run.stdout)


@pytest.mark.parametrize("args, message", [
    (("himmelblau", "--starts", "grid"), "error: --starts 'grid': write random:N or grid:G, such "
                                          "as random:500 or grid:20.\n"),
    (("himmelblau", "--starts", "grid:1"), "error: --starts 'grid:1': the count must be at "
                                            "least 2.\n"),
    (("himmelblau", "--starts", "grid:600"), "error: --starts 'grid:600' asks for 360000 starts; "
                                              "the limit is 250000 (memory).\n"),
    (("himmelblau", "--starts", "grid:5", "--box", "2:1"),
     "error: --box range 1 ('2:1') needs LOW < HIGH.\n"),
    (("himmelblau", "--starts", "grid:5", "--box", "0:1,0:1,0:1"),
     "error: --box has 3 ranges but the function has 2 variables; give one LOW:HIGH, or 2 "
     "separated by commas.\n"),
    (("himmelblau", "--starts", "grid:5", "--box", "a:1"),
     "error: --box range 1 ('a:1') is not LOW:HIGH with finite numbers; write, for example, "
     "--box -5:5.\n"),
    (("himmelblau", "--starts", "grid:5", "--start", "1,1"),
     "error: --start applies to a single run, not to --starts.\n"),
    (("himmelblau", "--box", "0:1"),
     "error: --box is the region of --starts; add --starts, e.g. --starts grid:20.\n"),
    (("x**2 + y**2", "--starts", "grid:5"),
     "error: --starts needs a --box for an expression, e.g. --box -5:5.\n"),
])
def test_bad_multistart_input(args, message):
    run = gradcli("descend", *args)
    assert (run.code, run.stdout, run.stderr) == (2, "", message)


@pytest.mark.parametrize("args, message", [
    (("taylor", "sphere", "--at", "1,1", "--order", "3"),
     "error: --order must be 1 or 2, not 3.\n"),
    (("taylor", "sphere", "--at", "1,1", "--step", "0"),
     "error: --step must not be zero; give a small displacement such as 0.1.\n"),
    (("taylor", "sphere", "--at", "1,1", "--step", "1,2,3"),
     "error: --step has 3 values but the function has 2 variables; give 2 numbers separated by "
     "commas.\n"),
    (("critical", "sphere", "--box", "1:1"), "error: --box range 1 ('1:1') needs LOW < HIGH.\n"),
])
def test_bad_landscape_input(args, message):
    run = gradcli(*args)
    assert (run.code, run.stdout, run.stderr) == (2, "", message)


def test_critical_never_reports_a_point_outside_its_box():
    data = gradcli("critical", "sin(x)*sin(y)", "--box=-4:4,-4:4", "--json").json()
    assert data["symbolic"] == "complete" and data["complete"] is True
    assert all(abs(v) <= 4 for p in data["points"] for v in p["x"])
    # inside [-4, 4]: sin vanishes at 0, ±π and cos at ±π/2, so 3·3 + 2·2 critical points
    assert len(data["points"]) == 13


def test_critical_reports_non_isolated_sets_as_sets():
    data = gradcli("critical", "x**2*y**2", "--json").json()
    assert data["families"] == ["x = 0 (any y)", "y = 0 (any x)"] and data["points"] == []
    text = gradcli("critical", "x**2*y**2").stdout
    assert "non-isolated: every point with x = 0 (any y) is critical" in text


def test_critical_says_when_its_search_may_be_incomplete():
    data = gradcli("critical", "levi13", "--json").json()
    assert data["complete"] is False
    assert data["incomplete"].startswith("the numeric search found ")
    assert "may be incomplete: the numeric search found" in gradcli("critical", "levi13").stdout
    many = gradcli("critical", "+".join(f"x{i}**2" for i in range(12)), "--numeric",
                   "--json").json()
    assert many["incomplete"] == ("the numeric search started from 2500 random points in 12 "
                                  "dimensions, so it may have missed critical points")


@pytest.mark.parametrize("name", ["easom", "levi13", "himmelblau", "rastrigin"])  # ackley: a kink
def test_critical_finds_the_librarys_own_minima(name):
    entry = library.find(name)
    data = gradcli("critical", name, "--numeric", "--json").json()
    for minimum in entry.minima:
        assert any(_near(p["x"], minimum.point, 1e-6) and p["kind"] == "minimum"
                   for p in data["points"]), (name, minimum.point)


def test_starts_that_cannot_move_are_counted_but_are_no_basins():
    # easom is flat to the last bit (or by less than the smallest normal float) far from
    # (π, π): those starts end 'flat' or, where f falls somewhere around, 'stationary' at step 0
    data = gradcli("descend", "easom", "--starts", "random:3000", "--box=-30:30",
                   "--json").json()
    assert data["statuses"]["flat"] > 1000 and data["statuses"]["stationary"] > 1000
    assert data["basins"][0]["known"] == "global minimum"
    assert all(basin["kind"] == "minimum" for basin in data["basins"])
    for run in data["runs"]:
        assert (run["basin"] is None) == (run["status"] != "converged"), run
    assert sum(b["count"] for b in data["basins"]) == data["statuses"]["converged"]


def test_the_global_minimum_is_the_first_basin_whatever_its_share():
    """rastrigin from a 30 × 30 grid: the global minimum's basin holds 4 starts, fewer than many
    local minima's 9, and is still listed first (label 1) with its coordinates."""
    data = gradcli("descend", "rastrigin", "--starts", "grid:30", "--json").json()
    first = data["basins"][0]
    assert first["known"] == "global minimum" and first["label"] == "1"
    assert first["x"] == [pytest.approx(0, abs=1e-9)] * 2 and first["count"] == 4
    assert max(b["count"] for b in data["basins"]) == 9


def test_a_basin_legend_says_where_the_minimum_is():
    from gradcli.cli.descend import basin_legend
    from gradcli.explore.multistart import Basin

    basin = Basin("1", (3.0000000001, 1.9999999), 1.2e-17, "minimum", "global minimum", 105)
    assert basin_legend(basin) == "1: minimum at (3, 2), f = 1.2e-17 (global minimum)"
