"""--explain: the first steps worked out by hand, exactly, as the material does them."""

import pytest

from tests.conftest import assert_golden, gradcli

WORKED = ("descend", "x**2+y**2", "--start", "1,2", "--lr", "0.1")


def test_the_worked_example_of_the_material_exactly():
    out = gradcli(*WORKED, "--explain", "--no-plot").stdout
    head = out.split("\n\ngd (x ← x − η·g)")[0]
    assert head == (
        "The first 3 steps by hand (gd: x ← x − η·g; η = 0.1):\n"
        "∇f(x, y) = (2·x, 2·y)\n\n"
        "step 1\n  x₀ = (1, 2)\n  ∇f(x₀) = (2·1, 2·2) = (2, 4)\n"
        "  x₁ = (1, 2) − 0.1·(2, 4) = (0.8, 1.6)\n  f(x₁) = 3.2\n\n"
        "step 2\n  x₁ = (0.8, 1.6)\n  ∇f(x₁) = (2·0.8, 2·1.6) = (1.6, 3.2)\n"
        "  x₂ = (0.8, 1.6) − 0.1·(1.6, 3.2) = (0.64, 1.28)\n  f(x₂) = 2.048\n\n"
        "step 3\n  x₂ = (0.64, 1.28)\n  ∇f(x₂) = (2·0.64, 2·1.28) = (1.28, 2.56)\n"
        "  x₃ = (0.64, 1.28) − 0.1·(1.28, 2.56) = (0.512, 1.024)\n  f(x₃) = 1.31072\n\n"
        "Here H = 2·I, so every step multiplies x by 1 − η·2 = 0.8: x_k = 0.8ᵏ·(1, 2).")


@pytest.mark.parametrize("name,method,args", [
    ("explain_gd.txt", "gd", WORKED + ("--explain", "2")),
    ("explain_adam.txt", "adam", ("descend", "rosenbrock", "--method", "adam", "--lr", "0.1",
                                  "--explain", "2")),
    ("explain_newton.txt", "newton", ("descend", "rosenbrock", "--method", "newton",
                                      "--explain", "2")),
    ("explain_momentum.txt", "momentum", ("descend", "x**2+3*y**2", "--start", "1,1", "--lr",
                                          "0.1", "--method", "momentum", "--explain", "2")),
])
def test_golden_explanations(name, method, args):
    out = gradcli(*args, "--no-plot", env={"COLUMNS": "80"}).stdout
    assert_golden(name, out.split(f"\n\n{method} (")[0] + "\n")


@pytest.mark.parametrize("width", [40, 60])
def test_explanations_fit_narrow_terminals_without_splitting_a_number(width):
    args = ("descend", "rosenbrock", "--method", "adam", "--lr", "0.1", "--explain", "2",
            "--no-plot")
    wide = gradcli(*args, env={"COLUMNS": "200"}).stdout.split("\n\nadam (")[0]
    narrow = gradcli(*args, env={"COLUMNS": str(width)}).stdout.split("\n\nadam (")[0]
    for line in narrow.splitlines():  # only a word longer than the width may pass it
        assert len(line) <= width or " " not in line.strip(), line
    # the same words in the same order: folding only moved line breaks
    assert narrow.split() == wide.split()
    assert max(len(line) for line in wide.splitlines()) > 120  # the wide one was not folded
    if width == 40:
        assert_golden("explain_adam_40.txt", narrow + "\n")


def test_explain_as_data_and_against_the_run_itself():
    data = gradcli(*WORKED, "--explain", "4", "--json").json()
    steps = data["explain"]["steps"]
    assert [s["new_x"]["text"] for s in steps] == [["0.8", "1.6"], ["0.64", "1.28"],
                                                    ["0.512", "1.024"], ["0.4096", "0.8192"]]
    assert steps[0]["gradient"]["text"] == ["2", "4"]
    assert steps[0]["lines"][0]["substituted"] == "(1, 2) − 0.1·(2, 4)"
    # the independent closed form x_k = 0.8^k·(1, 2) and the run's own floats agree
    history = {row["k"]: row["x"] for row in data["history"]}
    for step in steps:
        k = step["k"]
        assert step["new_x"]["value"] == pytest.approx([0.8**k, 2 * 0.8**k], rel=1e-15)
        assert history[k] == pytest.approx(step["new_x"]["value"], rel=1e-14)


def test_adam_explains_its_state_and_bias_corrections():
    data = gradcli("descend", "rosenbrock", "--method", "adam", "--lr", "0.1", "--explain", "1",
                   "--json").json()
    lines = {line["name"]: line for line in data["explain"]["steps"][0]["lines"]}
    assert lines["m"]["text"] == ["-21.56", "-8.8"]  # 0.1·g with g = (-215.6, -88)
    assert lines["v"]["text"] == ["46.48336", "7.744"]  # 0.001·g²
    assert lines["m̂"]["text"] == ["-215.6", "-88"] and lines["v̂"]["text"] == ["46483.36", "7744"]
    assert lines["x"]["text"] == ["-1.1", "1.1"]  # each coordinate moves by η·g/|g| = 0.1


def test_newton_explains_hessian_solve_and_line_search():
    data = gradcli("descend", "rosenbrock", "--method", "newton", "--explain", "2",
                   "--json").json()
    first, second = data["explain"]["steps"]
    lines = {line["name"]: line for line in first["lines"]}
    assert lines["H"]["text"] == ["1330", "480", "480", "200"]
    assert lines["d"]["text"] == ["-11/445", "-847/2225"]  # H⁻¹·(-215.6, -88), exactly
    assert {line["name"]: line for line in second["lines"]}["α"]["text"] == ["0.125"]


def test_grad_explain_works_each_partial_out():
    out = gradcli("grad", "x**2+y**2", "--at", "1,2", "--explain").stdout
    assert out.endswith("Worked out at (1, 2):\n  ∂f/∂x = 2·x = 2·1 = 2\n"
                        "  ∂f/∂y = 2·y = 2·2 = 4\n  ‖∇f‖ = √(2² + 4²) = 2·sqrt(5) ≈ "
                        "4.472135955\n")
    data = gradcli("grad", "x**2+y**2", "--at", "1,2", "--explain", "--json").json()
    assert data["explain"][0] == {"variable": "x", "formula": "2*x", "substituted": "2·1",
                                  "value": "2"}


@pytest.mark.parametrize("args,message", [
    (WORKED + ("--explain", "0"), "error: --explain works out 1 to 20 steps, not 0.\n"),
    (WORKED + ("--explain", "--quiet"), "error: --explain writes the working for people (or, "
     "with --json, as data); it cannot be combined with --csv or --quiet.\n"),
    (("grad", "x**2", "--explain"), "error: --dir, --check and --explain need a point; add "
     "--at, e.g. --at 1.\n"),
])
def test_explain_refusals(args, message):
    run = gradcli(*args)
    assert (run.code, run.stderr) == (2, message)


def test_the_readme_example_is_what_gradcli_prints():
    from pathlib import Path

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    shown = readme.split('$ gradcli descend "x**2+y**2" --start 1,2 --lr 0.1 --explain 1\n')[1]
    shown = shown.split("```")[0]
    out = gradcli(*WORKED, "--explain", "1", "--no-plot").stdout
    assert out.startswith(shown)


def test_worked_partials_fit_forty_columns_and_write_negative_arguments_once():
    args = ("grad", "x**2*exp(y)+sin(x*y)", "--at", "1.5,-2", "--explain")
    narrow = gradcli(*args, env={"COLUMNS": "40"}).stdout.split("Worked out at")[1]
    wide = gradcli(*args, env={"COLUMNS": "200"}).stdout.split("Worked out at")[1]
    assert all(len(line) <= 40 for line in narrow.splitlines())
    assert narrow.split() == wide.split()
    assert "2·1.5·exp(-2)" in wide and "exp((-2))" not in wide
