"""The function library: every file is valid and true to its stated minima, and names work."""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gradcli import library
from gradcli.engine.compile import evaluate
from gradcli.engine.problem import Problem
from gradcli.symbolic import calculus
from tests.conftest import assert_golden, gradcli

REFERENCE = {"sphere", "booth", "matyas", "rosenbrock", "himmelblau", "beale",
             "three_hump_camel", "goldstein_price", "rastrigin", "ackley", "styblinski_tang",
             "mccormick", "easom", "levi13", "bukin6"}
TEACHING = {"ill_conditioned", "saddle", "monkey_saddle", "plateau"}
VECTOR = {"rosenbrock_nd", "sphere_nd", "rastrigin_nd", "styblinski_tang_nd", "trid",
          "dixon_price"}
ENTRIES, MALFORMED = library.load_all()
BY_NAME = {entry.name: entry for entry in ENTRIES}
ROOT = Path(__file__).parent.parent


def test_every_file_validates_and_the_set_is_complete():
    assert MALFORMED == []
    assert set(BY_NAME) >= REFERENCE | TEACHING | VECTOR
    assert {name for name in BY_NAME if BY_NAME[name].dim} == VECTOR


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_shipped_expression_passes_the_checks_a_user_file_gets(name):
    """Shipped files are trusted when read (no SymPy to list them); this is the one check."""
    entry = BY_NAME[name]
    assert library.shipped(entry.path)
    assert library._read(entry.path, check_expressions=True) == entry


def test_listing_the_library_runs_no_sympy():
    import subprocess
    import sys

    code = ("import sys\n"
            "from gradcli.cli import app\n"
            "for args in (['functions', '--json'], ['functions']):\n"
            "    try:\n        app(args)\n    except SystemExit:\n        pass\n"
            "sys.stderr.write('sympy' if 'sympy' in sys.modules else 'no sympy')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.stderr.endswith("no sympy"), run.stderr[-500:]
    listing = json.loads(run.stdout[:run.stdout.index("\n}\n") + 3])
    assert len(listing["functions"]) == len(BY_NAME) and listing["malformed"] == []
    assert "rosenbrock" in run.stdout[run.stdout.index("\n}\n"):]  # the table, too


@pytest.mark.parametrize("name", sorted(VECTOR))
@pytest.mark.parametrize("n", [1, 2, 7, 64, 3000])
def test_vector_minima_hold_for_every_n(name, n):
    """The file's formulas give a point where ∇f = 0, f is the stated value (checked against
    a hand-written value for each function), and the Hessian is positive definite."""
    from gradcli.cli.options import indexed_form
    from gradcli.engine.problem import minimum_at

    entry = BY_NAME[name]
    point, value = minimum_at(entry, n)
    problem = indexed_form(Problem.resolve(name, dim=n))
    f, gradient = problem.gradient(point[None, :], with_value=True)
    assert f[0] == pytest.approx(value, rel=1e-12, abs=1e-12)
    assert np.abs(gradient).max() <= 1e-9 * max(1.0, abs(value))
    lowest = problem.extreme_eigenvalues(point)[0]
    assert lowest > 0 or (name, n, lowest) == ("rosenbrock_nd", 1, 0.0)  # an empty sum: f = 0
    i = np.arange(1, n + 1)
    expected = {"rosenbrock_nd": (np.ones(n), 0.0), "sphere_nd": (np.zeros(n), 0.0),
                "rastrigin_nd": (np.zeros(n), 0.0),
                "styblinski_tang_nd": (np.full(n, -2.9035340277711771), -39.166165703771416 * n),
                "trid": (i * (n + 1 - i), -n * (n + 4) * (n - 1) / 6),
                "dixon_price": (2.0 ** (2.0 ** (1 - i) - 1), 0.0)}[name]
    assert point == pytest.approx(expected[0], rel=1e-15)
    assert value == pytest.approx(expected[1], rel=1e-14)


def _at(entry, points):
    problem = Problem.resolve(entry.name)
    values = evaluate(problem.value_and_gradient, np.array(points, dtype=float))
    return problem, values[:, 0], np.linalg.norm(values[:, 1:], axis=1)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_stated_minima_are_true(name):
    entry = BY_NAME[name]
    if not entry.minima:
        return
    _, values, norms = _at(entry, [m.point for m in entry.minima])
    assert values == pytest.approx([m.value for m in entry.minima], abs=1e-8)
    if entry.smooth:
        assert np.all(norms <= 1e-6)


def _kind(problem, point):
    n = len(point)
    matrix = evaluate(problem.hessian_function, np.array([point], dtype=float)).reshape(n, n)
    return calculus.stationary_kind(calculus.curvature(matrix).definiteness)


@pytest.mark.parametrize("name", sorted(name for name in BY_NAME if BY_NAME[name].smooth))
def test_the_hessian_agrees_with_every_stated_kind(name):
    entry = BY_NAME[name]
    problem = Problem.resolve(name)
    for minimum in entry.minima:
        assert _kind(problem, minimum.point) == "minimum"
    for point in entry.points:
        expected = "minimum" if point.kind == "local minimum" else point.kind
        assert _kind(problem, point.point) == expected
        _, values, norms = _at(entry, [point.point])
        assert values[0] == pytest.approx(point.value, abs=1e-8) and norms[0] <= 1e-6


@pytest.mark.parametrize("name", sorted(n for n in BY_NAME if BY_NAME[n].stability_bound))
def test_stability_bound_is_the_smallest_2_over_lambda_max_at_the_global_minima(name):
    entry = BY_NAME[name]
    problem = Problem.resolve(name)
    points = [m.point for m in entry.minima] or [entry.start]
    bounds = []
    for point in points:
        x = np.array(point, float)
        n = len(x)
        for _ in range(30):  # the listed point to the last digit, by Newton on ∇f = 0
            gradient = evaluate(problem.value_and_gradient, x[None])[0, 1:]
            x = x - np.linalg.solve(evaluate(problem.hessian_function, x[None]).reshape(n, n),
                                    gradient)
        matrix = evaluate(problem.hessian_function, x[None]).reshape(n, n)
        bounds.append(calculus.curvature(matrix).stability_bound)
    true = min(bounds)
    # right to the digits it states, and never rounded up: a rate equal to it is stable
    assert true * (1 - 1e-11) <= entry.stability_bound <= true * (1 + 1e-15)
    assert entry.lr < entry.stability_bound  # the default rate lies strictly inside


@pytest.mark.parametrize("name", sorted(n for n in BY_NAME if BY_NAME[n].points))
def test_listed_critical_points_are_all_of_them_in_the_domain(name):
    """Files that list [[points]] list every critical point in their domain: the same set as
    a multi-start Newton search over the domain finds."""
    entry = BY_NAME[name]
    data = gradcli("critical", name, "--numeric", "--json").json()
    found = sorted((p["kind"].replace("minimum", "min"), tuple(round(v, 5) for v in p["x"]))
                   for p in data["points"])
    listed = sorted(("min" if "minimum" in point.kind else point.kind,
                     tuple(round(v, 5) + 0.0 for v in point.point))
                    for point in (*entry.minima, *entry.points))
    assert found == listed


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_descend_with_the_defaults_makes_progress(name):
    run = gradcli("descend", name, "--json")
    assert run.code in (0, 3, 4), run.stderr
    data = run.json()
    entry = BY_NAME[name]
    start = list(entry.start) if entry.dim is None else \
        np.resize(entry.start, entry.dim * len(entry.variables)).tolist()
    assert data["name"] == name and data["start"] == start
    assert data["params"] == {"lr": entry.lr}
    recorded = [row["f"] for row in data["history"] if row["f"] is not None]
    assert min(recorded) < recorded[0]


def test_user_options_win_over_the_defaults():
    data = gradcli("descend", "rosenbrock", "--start", "0,0", "--lr", "0.0005", "--steps", "10",
                   "--json").json()
    assert data["start"] == [0.0, 0.0] and data["params"] == {"lr": 0.0005}


def test_a_name_works_wherever_an_expression_does():
    assert gradcli("grad", "himmelblau", "--at", "3,2", "--json").json()["norm"] == 0.0
    hessian = gradcli("hessian", "booth", "--json").json()
    assert hessian["name"] == "booth" and hessian["hessian"] == [["10", "8"], ["8", "10"]]
    jac = gradcli("jacobian", "sphere", "--json").json()
    assert jac["jacobian"] == [["2*x", "2*y"]]


def test_anything_else_is_an_expression_and_near_misses_get_a_suggestion():
    assert gradcli("grad", "sphere + 0", "--json").json()["gradient"] == ["1"]
    run = gradcli("descend", "rosenbrok")
    assert (run.code, run.stderr) == (2, "error: unknown function 'rosenbrok'; did you mean "
                                         "rosenbrock or rosenbrock_nd?\n")


def test_functions_list_json():
    data = gradcli("functions", "--json").json()
    assert [f["name"] for f in data["functions"]] == sorted(BY_NAME)
    himmelblau = next(f for f in data["functions"] if f["name"] == "himmelblau")
    assert len(himmelblau["minima"]) == 4 and himmelblau["minima"][0]["point"] == [3.0, 2.0]
    assert [p["kind"] for p in himmelblau["points"]] == ["maximum"] + ["saddle"] * 4
    assert data["malformed"] == []


def test_functions_show_json_and_unknown_names():
    data = gradcli("functions", "show", "rosenbrock", "--json").json()
    assert data["expression"] == "(1 - x)**2 + 100*(y - x**2)**2"
    assert data["start"] == [-1.2, 1.0] and data["lr"] == 0.001
    assert data["domain"] == [[-5.0, 10.0], [-5.0, 10.0]]
    assert data["command"] == "gradcli descend rosenbrock"
    run = gradcli("functions", "show", "himmelbau")
    assert (run.code, run.stderr) == (2, "error: unknown function 'himmelbau'; did you mean "
                                         "himmelblau?\n")


def test_golden_functions_list_and_show():
    assert_golden("functions.txt", gradcli("functions").stdout)
    assert_golden("functions_show.txt", gradcli("functions", "show", "himmelblau").stdout)


GOOD = """name = "bowl"
title = "A user's bowl"
expression = "(a - 1)**2 + 2*b**2"
variables = ["a", "b"]
start = [3, 1]
lr = 0.1
domain = [[-5, 5], [-5, 5]]
note = "Mine."
source = "me"

[[minima]]
point = [1, 0]
value = 0
"""


@pytest.mark.parametrize("change, key", [
    (("start = [3, 1]", "start = [3]"), "start"),
    (("lr = 0.1", "lr = -1"), "lr"),
    (('expression = "(a - 1)**2 + 2*b**2"', 'expression = "__import__(1)"'), "expression"),
    (("domain = [[-5, 5], [-5, 5]]", "domain = [[5, -5], [-5, 5]]"), "domain"),
    (('name = "bowl"', 'name = "Bowl"'), "name"),
    (('note = "Mine."\n', ""), "note"),
    (("value = 0", 'value = "zero"'), "minima.value"),
])
def test_user_directories_and_malformed_files(tmp_path, change, key):
    (tmp_path / "bowl.toml").write_text(GOOD)
    broken = GOOD.replace(*change).replace('name = "bowl"', 'name = "broken"') \
        if key != "name" else GOOD.replace(*change)
    broken_path = tmp_path / ("broken.toml" if key != "name" else "bowl2.toml")
    broken_path.write_text(broken)
    env = {"GRADCLI_FUNCTIONS_PATH": str(tmp_path)}
    run = gradcli("functions", "--json", env=env)
    assert run.code == 0
    data = run.json()
    assert "bowl" in [f["name"] for f in data["functions"]] and "rosenbrock" in str(data)
    assert [m["path"] for m in data["malformed"]] == [str(broken_path)]
    assert f"key '{key}'" in data["malformed"][0]["message"]
    assert run.stderr.startswith(f"warning: {broken_path}: key '{key}'")
    assert gradcli("descend", "bowl", "--json", env=env).json()["x"] == pytest.approx([1, 0])


def test_wheel_ships_the_library_and_reads_it_from_the_package(tmp_path):
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d",
                    str(tmp_path / "dist")], cwd=ROOT, check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("gradcli-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        shipped = {Path(name).name for name in archive.namelist()
                   if name.startswith("gradcli/functions/")}
        archive.extractall(tmp_path / "site")
    assert shipped == {f"{name}.toml" for name in BY_NAME}
    probe = ("import json; from gradcli import library\n"
             "entry = library.find('himmelblau')\n"
             "print(json.dumps([str(library.directories()[0]), str(entry.path)]))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                         text=True, env={"PYTHONPATH": str(tmp_path / "site")}, check=True)
    directory, path = json.loads(out.stdout)
    assert directory == str(tmp_path / "site" / "gradcli" / "functions")
    assert path.startswith(directory)


def test_an_editable_checkout_reads_the_top_level_folder():
    assert library.CHECKOUT == ROOT / "functions"
    assert library.directories()[0] in (library.PACKAGED, library.CHECKOUT)
    assert BY_NAME["sphere"].path.parent == library.directories()[0]


def test_printed_stability_bounds_are_rounded_down():
    from gradcli.render.numbers import fmt_bound

    assert fmt_bound(0.014949290301612756, 6) == "0.0149492"  # fmt would print 0.0149493
    assert fmt_bound(0.0019968038374381654, 4) == "0.001996"
    assert fmt_bound(2.0, 6) == "2"
    shown = gradcli("functions", "show", "himmelblau").stdout
    assert "(2/λmax = 0.0149492 at the global minimum)" in shown
