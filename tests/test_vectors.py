"""Functions of parameter vectors: the language, derivatives by slots, descent on whole arrays.

The indexed path is checked against independent references: the same function written out
with named variables (SymPy's own derivatives), hand-written NumPy formulas, finite
differences and dense eigenvalues.
"""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.cli.options import indexed_form
from gradcli.engine.compile import compile_batch, evaluate
from gradcli.engine.loop import StopRules
from gradcli.engine.plan import Transforms, make_plan
from gradcli.engine.problem import Problem
from gradcli.engine.vector_descent import descend_vectors
from tests.conftest import gradcli, interrupted_run

ROSENBROCK = "sum(100*(x[i+1] - x[i]**2)**2 + (1 - x[i])**2, (i, 1, n-1))"
FUNCTIONS = [
    ROSENBROCK,
    "sum((x[i] - a)**2, (i, 1, n)) + a**2",
    "sum(x[i-1]*x[i]*x[i+1] + sin(x[i+1] - x[i-1]), (i, 2, n-1)) + x[n]**2",  # three offsets
    "sum(x[i]*y[i] + cos(x[i-1])*y[i+1]*x[i+1], (i, 2, n-1)) + x[1]**3*y[n] + exp(a*x[2])",
    "(x[1] - 1)**2 + sum(i*(2*x[i]**2 - x[i-1])**2, (i, 2, n))",
    "sum((x[i] - 1)**2, (i, 1, n)) - sum(x[i]*x[i-1], (i, 2, n)) + 10*n",
    "2*(sum(x[i]**2*b + x[1]*x[i], (i, 1, n)) + b**4)/3",
]


def _written_out(text: str, n: int):
    """The named-variable reference: the same function expanded term by term."""
    problem = Problem.resolve(text, dim=n)
    assert problem.indexed is not None  # small n: written out with symbols x[1], …
    symbols = problem.variables
    function = problem.function
    gradient = [sp.diff(function, s) for s in symbols]
    hessian = [sp.diff(g, s) for g in gradient for s in symbols]
    return problem, compile_batch([function, *gradient], symbols), compile_batch(hessian,
                                                                                 symbols)


@pytest.mark.parametrize("text", FUNCTIONS)
@pytest.mark.parametrize("n", [3, 4])
def test_indexed_path_agrees_with_the_written_out_function(text, n):
    problem, first, second = _written_out(text, n)
    vectors = indexed_form(problem)
    points = np.random.default_rng(n).uniform(-1.5, 1.5, (5, vectors.size))
    reference = evaluate(first, points)
    value, gradient = vectors.gradient(points, with_value=True)
    assert value == pytest.approx(reference[:, 0], rel=1e-12, abs=1e-12)
    assert gradient == pytest.approx(reference[:, 1:], rel=1e-12, abs=1e-12)
    for point in points:
        H = evaluate(second, point[None, :]).reshape(vectors.size, vectors.size)
        assert vectors.hessian(point) == pytest.approx(H, rel=1e-12, abs=1e-12)
        v = np.arange(1.0, vectors.size + 1)
        assert vectors.hessian_vector(point, v) == pytest.approx(H @ v, rel=1e-12, abs=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(FUNCTIONS), st.integers(5, 40), st.integers(0, 2**32 - 1))
def test_gradient_matches_central_differences_at_any_n(text, n, seed):
    problem = indexed_form(Problem.resolve(text, dim=n))
    x = np.random.default_rng(seed).uniform(-1.2, 1.2, problem.size)
    gradient = problem.gradient(x[None, :])[0]
    for c in range(problem.size):
        h = 1e-6
        plus, minus = x.copy(), x.copy()
        plus[c] += h
        minus[c] -= h
        estimate = problem.difference(plus[None, :], minus[None, :])[0] / (2 * h)
        assert estimate == pytest.approx(gradient[c], rel=1e-5, abs=1e-5)


def test_rosenbrock_gradient_equals_the_hand_formula_at_a_million():
    n = 10**6
    problem = indexed_form(Problem.resolve(ROSENBROCK, dim=n))
    x = np.random.default_rng(0).uniform(-2, 2, n)
    d = x[1:] - x[:-1] ** 2
    expected = np.zeros(n)
    expected[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
    expected[1:] += 200 * d
    f, gradient = problem.gradient(x[None, :], with_value=True)
    assert gradient[0] == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert f[0] == pytest.approx(np.sum(100 * d**2 + (1 - x[:-1]) ** 2), rel=1e-12)


def test_lanczos_extremes_agree_with_dense_eigenvalues():
    n = 3000  # above the dense limit, so the Lanczos path answers
    problem = indexed_form(Problem.resolve(ROSENBROCK, dim=n))
    x = np.resize(np.array([-1.2, 1.0]), n)
    dense = np.linalg.eigvalsh(problem.hessian(x))
    low, high = problem.extreme_eigenvalues(x)
    assert low == pytest.approx(dense[0], rel=1e-8)
    assert high == pytest.approx(dense[-1], rel=1e-4) and high <= dense[-1] * (1 + 1e-12)


GRAD_TEXT = """\
f(x[1..n]) =    sum((1 - x[i])² + 100·(x[i + 1] - x[i]²)², (i, 1, n - 1))
n =             1000000  (coordinates: x[1..n])

gradient ∇f
∂f/∂x[j]    j = 1:  -400·(-x[1]² + x[2])·x[1] + 2·x[1] - 2
            2 ≤ j ≤ n-1:  -400·(x[j + 1] - x[j]²)·x[j] - 200·x[j - 1]² + 202·x[j] - 2
            j = n:  -200·x[n - 1]² + 200·x[n]

at x = (-1.2, 1, -1.2, …, 1, -1.2, 1)
f               254099516
∇f              (-215.6, 792, -655.6, …, 792, -655.6, -88)
‖∇f‖            727005.28
largest |∂f|    792 at x[2]
check           central finite differences agree on 20 sampled coordinates (the first, the last and
                18 seeded): largest relative error 7.6e-11
"""


def test_grad_shows_each_case_and_summarises_a_million_values():
    run = gradcli("grad", ROSENBROCK, "--dim", "1000000", "--at", "-1.2,1...", "--check",
                  env={"COLUMNS": "100"})
    assert run.code == 0, run.stderr
    assert run.stdout == GRAD_TEXT
    # f by hand: n/2 pairs with x[i] = -1.2, x[i+1] = 1 and n/2 - 1 with x[i] = 1, x[i+1] = -1.2
    assert pytest.approx(254099516) == \
        500_000 * (100 * (1 - 1.44) ** 2 + 2.2**2) + 499_999 * 100 * 2.2**2


def test_grad_json_has_every_entry_and_the_cases():
    data = gradcli("grad", "sum((x[i] - a)**2, (i, 1, n)) + a**2", "--dim", "50", "--at",
                   "3,1,2...", "--json").json()  # the pattern runs over a, x[1], …, x[50]
    assert data["dim"] == 50 and data["variables"] == ["a", "x[1..n]"]
    assert data["gradient"]["a"] == "2*a + sum(2*a - 2*x[i], (i, 1, n))"
    assert data["gradient"]["x"] == [{"from": 1, "to": 50, "case": "1 ≤ j ≤ n",
                                      "formula": "-2*a + 2*x[j]"}]
    x = np.resize([3.0, 1.0, 2.0], 51)[1:]
    assert data["point"] == [3.0, *x]
    assert len(data["gradient_value"]) == 51
    assert data["gradient_value"][0] == pytest.approx(2 * 3 + np.sum(2 * 3 - 2 * x))
    assert data["gradient_value"][1:] == pytest.approx(list(2 * x - 6))
    assert data["value"] == pytest.approx(9 + np.sum((x - 3) ** 2))


def test_hessian_shows_bands_and_extreme_eigenvalues():
    data = gradcli("hessian", "rosenbrock_nd", "--dim", "200000", "--at", "1", "--json").json()
    assert [(b["offset"], b["formula"]) for b in data["bands"]] == [
        (-1, "-400*x[j - 1]"), (0, "-400*x[j + 1] + 1200*x[j]**2 + 202"), (1, "-400*x[j]")]
    assert data["lambda_min"] == pytest.approx(0.4987531172, rel=1e-8)
    assert 1801.9 < data["lambda_max"] <= 1802 and data["definiteness"] == "positive definite"
    assert data["stability_bound"] == pytest.approx(2 / data["lambda_max"])
    small = gradcli("hessian", "rosenbrock_nd", "--dim", "50", "--at", "1", "--json").json()
    assert len(small["eigenvalues"]) == 50 and small["method"] == "dense eigenvalues"


def _gd_by_hand(x, lr, steps):
    for _ in range(steps):
        d = x[1:] - x[:-1] ** 2
        g = np.zeros_like(x)
        g[:-1] = -400 * x[:-1] * d - 2 * (1 - x[:-1])
        g[1:] += 200 * d
        x = x - lr * g
    return x


def test_vector_descent_takes_the_hand_written_steps():
    n = 5000
    problem = Problem.resolve("rosenbrock_nd", dim=n)
    start = np.resize(np.array([-1.2, 1.0]), n)
    result = descend_vectors(problem, start[None, :], 1e-4, make_plan("gd", {}),
                             StopRules(50, 0.0))[0]
    assert result.iterations == 50 and result.status == "max_steps"
    assert np.array(result.x) == pytest.approx(_gd_by_hand(start, 1e-4, 50), rel=1e-12)
    assert result.history.k.tolist() == list(range(51))
    assert result.history.x[0] == pytest.approx([-1.2, -0.1, 1.0])  # min, mean, max of x


@pytest.mark.parametrize("method, lr", [("gd", 0.1), ("momentum", 0.05), ("nesterov", 0.05),
                                        ("adagrad", 1.0), ("rmsprop", 0.01), ("adam", 0.05),
                                        ("newton", 1.0)])
def test_every_method_agrees_with_the_named_variable_engine(method, lr):
    """At n = 10 the same function runs through the scalar engine (written out) and through
    the vector engine: the same steps, to rounding."""
    text = "sum((x[i] - 1)**2 + x[i]*x[i+1]/4, (i, 1, n-1)) + x[n]**2"
    plan = make_plan(method, {})
    stop = StopRules(200 if method == "rmsprop" else 2000, 1e-9)  # rmsprop: oscillates
    start = np.linspace(-2, 2, 10)[None, :]
    scalar = Problem.resolve(text, dim=10)
    from gradcli.engine.descent import descend

    named = descend(scalar, start, lr, plan, stop)[0]
    vector = descend_vectors(indexed_form(scalar), start, lr, plan, stop)[0]
    assert vector.status == named.status == ("max_steps" if method == "rmsprop" else "converged")
    assert np.array(vector.x) == pytest.approx(named.x, abs=1e-8)
    if method != "newton":  # truncated Newton solves only to CG accuracy: its own path
        assert vector.iterations == named.iterations


def test_truncated_newton_converges_on_rosenbrock_from_the_classic_start():
    problem = Problem.resolve("rosenbrock_nd", dim=200)
    start = np.resize(np.array([-1.2, 1.0]), 200)[None, :]
    result = descend_vectors(problem, start, 1.0, make_plan("newton", {}),
                             StopRules(5000, 1e-8))[0]
    assert result.status == "converged" and result.grad_norm <= 1e-8
    assert np.array(result.x) == pytest.approx(np.ones(200), abs=1e-8)
    assert "lr" in result.history.columns


def test_clipping_uses_the_norm_of_the_whole_vector_and_noise_is_seeded():
    problem = Problem.resolve("sphere_nd", dim=1000)
    start = np.full((1, 1000), 3.0)
    plan = make_plan("gd", {}, transforms=Transforms(clip_norm=1.0))
    result = descend_vectors(problem, start, 0.1, plan, StopRules(1, 0.0))[0]
    # ∇f = 6·(1, …, 1), norm 6·√1000 > 1: rescaled to norm 1, so x moves by 0.1/√1000 each
    assert np.array(result.x) == pytest.approx(np.full(1000, 3 - 0.1 / np.sqrt(1000)))
    assert "clipped at 1 of 1 steps" in result.message
    noisy = make_plan("gd", {}, transforms=Transforms(noise=0.5, seed=7))
    runs = [descend_vectors(problem, start, 0.1, noisy, StopRules(5, 0.0))[0].x
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_accumulate_reproduces_a_loop_that_never_zeroes_its_gradient():
    problem = Problem.resolve("sphere_nd", dim=100)
    x = np.linspace(-1, 1, 100)
    plan = make_plan("gd", {}, transforms=Transforms(accumulate=True))
    result = descend_vectors(problem, x[None, :], 0.05, plan, StopRules(10, 0.0))[0]
    total = np.zeros(100)
    for _ in range(10):
        total = total + 2 * x  # the gradient is added, never zeroed
        x = x - 0.05 * total
    assert np.array(result.x) == pytest.approx(x, rel=1e-12)


def test_descend_cli_on_a_vector_function():
    run = gradcli("descend", "sphere_nd", "--dim", "1000", "--start", "2,-1...", "--steps",
                  "500", "--json")
    data = run.json()
    assert run.code == 0 and data["status"] == "converged"
    assert data["dim"] == 1000 and data["variables"] == ["x[1..n]"]
    assert data["history_x"] == ["min x", "mean x", "max x"]
    assert len(data["x"]) == 1000 and max(map(abs, data["x"])) < 1e-8
    assert data["history"][0]["x"] == [-1.0, 0.5, 2.0]
    # ∇f = 2·0.8^k·x₀ with ‖x₀‖ = 50: the first k with 100·0.8^k ≤ 1e-8
    assert data["iterations"] == int(np.ceil(np.log(1e-10) / np.log(0.8)))
    csv = gradcli("descend", "sphere_nd", "--dim", "1000", "--steps", "3", "--csv").stdout
    assert csv.splitlines()[0] == "k,min x,mean x,max x,f,grad_norm,step"


def test_record_x_keeps_whole_points_and_is_bounded():
    data = gradcli("descend", "sphere_nd", "--dim", "20", "--steps", "2", "--record-x",
                   "--json").json()
    assert [len(row["point"]) for row in data["history"]] == [20, 20, 20]
    assert data["history"][1]["point"] == pytest.approx(list(np.resize([2.0, -1.0], 20) * 0.8))
    run = gradcli("descend", "sphere_nd", "--dim", "1000000", "--record-x")
    assert run.code == 2 and run.stderr.startswith("error: --record-x would keep 201 × 1000000 "
                                                   "numbers (1.5 GiB); the limit is 1 GiB")


def test_compare_and_sweep_run_vectors_as_one_batch():
    data = gradcli("compare", "sphere_nd", "--dim", "2000", "--methods",
                   "gd:lr=0.1,momentum:lr=0.05,newton", "--json").json()
    assert [r["status"] for r in data["results"]] == ["converged"] * 3
    assert data["results"][2]["iterations"] == 1
    sweep = gradcli("sweep", "sphere_nd", "--dim", "2000", "--lr", "0.5,1.5", "--json").json()
    assert [r["verdict"] for r in sweep["results"]] == ["good", "diverged"]
    assert sweep["stability_bound"]["start"] == pytest.approx(1.0)


def test_points_from_files(tmp_path):
    text = tmp_path / "start.txt"
    text.write_text("1 2\n3, 4\n")
    data = gradcli("grad", "sum(x[i]**2, (i, 1, n))", "--dim", "4", "--at", str(text),
                   "--json").json()
    assert data["gradient_value"] == [2.0, 4.0, 6.0, 8.0]
    binary = tmp_path / "start.npy"
    np.save(binary, np.arange(20.0))
    data = gradcli("grad", "sum(x[i]**2, (i, 1, n))", "--dim", "20", "--at", str(binary),
                   "--json").json()
    assert data["gradient_value"] == list(2 * np.arange(20.0))


@pytest.mark.parametrize("args, message", [
    (("grad", "sum(x[i]**2, (i, 1, n))"),
     "error: the function uses the vector x; give its length with --dim N.\n"),
    (("grad", "sum(x[i]**2, (i, 1, n))", "--dim", "0"),
     "error: --dim must be a whole number ≥ 1, not 0.\n"),
    (("grad", "sum(x[i]**2, (i, 1, n))", "--dim", "1000000000000"),
     "error: --dim 1000000000000 gives 1000000000000 vector entries; the limit is 10000000 (a "
     "run holds several copies of the point, 80 MB each at that size).\n"),
    (("grad", "sum(x[i+1]**2, (i, 1, n))", "--dim", "5"),
     "error: x[i + 1] with i from 1 to 5 reaches x[6], outside 1..n (n = 5); change the sum's "
     "bounds or the index.\n"),
    (("grad", "x[n+1] + sum(x[i], (i, 1, n))", "--dim", "5"),
     "error: x[n + 1] is outside 1..n (n = 5); use an index from 1 to n.\n"),
    (("grad", "sum(x[2*i], (i, 1, n))", "--dim", "5"),
     "error: index '2*i' is not allowed at column 7; indices are whole numbers, n and the "
     "summation index with + and -, such as i+1, n-1 or 2.\n"),
    (("grad", "x[x[1]]", "--dim", "5"),
     "error: index 'x[1]' is not allowed at column 3; indices are whole numbers, n and the "
     "summation index with + and -, such as i+1, n-1 or 2.\n"),
    (("grad", "x[1.5]", "--dim", "5"),
     "error: index '1.5' is not allowed at column 3; indices are whole numbers, n and the "
     "summation index with + and -, such as i+1, n-1 or 2.\n"),
    (("grad", "sum(x[i]**2, (i, 1, n)) + x", "--dim", "5"),
     "error: 'x' is a vector (used as x[…]) but appears here without a subscript at column 27; "
     "write one entry, such as x[1], or sum over them: sum(x[i], (i, 1, n)).\n"),
    (("grad", "a + a[1]", "--dim", "5"),
     "error: 'a' is used both as a scalar and as a vector (a[…]) at column 5; give the scalar "
     "and the vector different names.\n"),
    (("grad", "sum(x[i], (i, 1, n)) + i", "--dim", "5"),
     "error: 'i' is a summation index and also a variable outside its sum at column 12; give "
     "the index another name.\n"),
    (("grad", "a*sum(x[i], (a, 1, n))", "--dim", "5"),
     "error: the summation index 'a' is already a variable or the dimension at column 14; "
     "choose another name, such as i.\n"),
    (("grad", "sum(sum(x[j], (j, 1, n)), (i, 1, n))", "--dim", "5"),
     "error: a sum inside a sum is not supported at column 5; write the inner sum's terms out, "
     "or one sum over a single index.\n"),
    (("grad", "exp(sum(x[i], (i, 1, n)))", "--dim", "5"),
     "error: a sum may only be added, subtracted or multiplied by a constant; put the whole "
     "function inside one sum, such as sum((x[i] - 1)**2, (i, 1, n)).\n"),
    (("grad", "x**2", "--dim", "3"),
     "error: --dim sets the length of vectors such as x[i]; this function has named variables "
     "only.\n"),
    (("descend", "sphere_nd", "--dim", "20", "--start", "1,2,3"),
     "error: --start has 3 values but the function has 20 coordinates; give 20, one for every "
     "coordinate, or a pattern to repeat such as -1.2,1...\n"),
    (("descend", "sphere_nd", "--start", "missing.txt"),
     "error: --start 'missing.txt' is neither a list of numbers nor a readable file; give "
     "numbers such as 1,2, a pattern such as -1.2,1..., or a file.\n"),
    (("descend", "sphere_nd", "--dim", "20", "--vars", "x"),
     "error: --vars orders named variables; a vector function's coordinates are always its "
     "scalars (in name order), then each vector.\n"),
    (("critical", "sphere_nd", "--dim", "30"),
     "error: critical searches every critical point, so it takes functions of at most 10 "
     "coordinates; this one has 30 (give a smaller --dim, or use hessian --at P to classify "
     "one point).\n"),
    (("descend", "sphere_nd", "--dim", "30", "--starts", "random:5"),
     "error: --starts maps basins of functions of a few variables; this one has 30 "
     "coordinates. Run single starts instead.\n"),
    (("descend", "sphere", "--record-x"),
     "error: --record-x is for vector functions of more than 10 coordinates; this history "
     "keeps every point already.\n"),
])
def test_bad_vector_input_gets_one_sentence(args, message):
    run = gradcli(*args)
    assert (run.code, run.stdout, run.stderr) == (2, "", message)


def test_small_n_is_written_out_and_explored_like_any_function():
    data = gradcli("critical", "sum((x[i] - i)**2, (i, 1, n))", "--dim", "3", "--json").json()
    assert [(p["x"], p["kind"]) for p in data["points"]] == [([1.0, 2.0, 3.0], "minimum")]
    assert data["variables"] == ["x[1]", "x[2]", "x[3]"]


def test_ctrl_c_keeps_a_vector_run():
    code, data, stderr = interrupted_run(
        ["descend", "rosenbrock_nd", "--dim", "100000", "--lr", "0.0001", "--steps",
         "100000000", "--tol", "0"], after=4)
    assert code == 130, stderr
    assert data["status"] == "interrupted" and data["iterations"] > 0
    assert data["history"][-1]["k"] == data["iterations"] and len(data["x"]) == 100000
    assert data["message"].startswith("Interrupted (Ctrl-C) at step ")
    assert "Traceback" not in stderr


@pytest.mark.parametrize("args, status, code, message", [
    (("sum(x[i]**2 - log(x[i]), (i, 1, n))", "--start", "2", "--lr", "0.6"), "domain_error", 4,
     "Domain error at step 1: f is undefined at the point with min x = -0.1, mean x = -0.1, "
     "max x = -0.1."),
    # x_k = (-2)^k·x₀, ‖∇f‖ = 2^(k+1)·‖x₀‖ = 2^(k+1)·10 passes 1e100 first at k = 328
    (("sum(x[i]**2, (i, 1, n))", "--start", "1", "--lr", "1.5"), "diverged", 4,
     "Diverged at step 328: ‖∇f‖ exceeded 1e100. The learning rate 1.5 is above 2/λmax = 1 at "
     "the start; try --lr 0.9."),
    (("sum(x[i]**2 - x[i+1]**2, (i, 1, n-1))", "--start", "0"), "stationary", 3,
     "Started at a stationary point (‖∇f‖ = 0.00e+00), but it is a saddle, not a minimum (λmin "
     "of the Hessian is -2); start elsewhere."),
])
def test_vector_runs_end_with_a_status_in_words(args, status, code, message):
    run = gradcli("descend", *args, "--dim", "100", "--json")
    data = run.json()
    assert (run.code, data["status"], data["message"]) == (code, status, message)


# f = Σ(x_i − 1)² from 0 in 100 coordinates: x_k − 1 = (1 − 2η)ᵏ·(−1), so
# f_k = 100·(1 − 2η)^(2k) and ‖∇f‖ = 20·|1 − 2η|ᵏ; λ = 2 everywhere, 2/λmax = 1
@pytest.mark.parametrize("args, message", [
    (("--steps", "5", "--lr", "0.01"),
     # f_3 = 100·0.98⁶ = 88.5842, f_5 = 100·0.98¹⁰ = 81.7073, ‖∇f‖ = 20·0.98⁵ = 18.1
     "Stopped at the step limit (5 steps) with ‖∇f‖ = 18.1 above tol 1e-08: still descending — "
     "f fell from 88.5842 to 81.7073 over steps 3–5; raise --steps, or raise --lr: η = 0.01 is "
     "well below 2/λmax = 1 at the end point."),
    (("--steps", "100", "--lr", "1"),  # x jumps between 0 and 2: f stays 100
     "Stopped at the step limit (100 steps) with ‖∇f‖ = 20 above tol 1e-08: oscillating — f did "
     "not decrease over steps 50–100 (from 100 to 100) while ‖∇f‖ stays near 20: each step "
     "overshoots (η = 1 is at 2/λmax = 1 at the end point). Use a smaller --lr, e.g. --lr 0.5."),
    (("--steps", "1000", "--schedule", "cosine:50"),
     "Stopped at step 50 of 1000: the schedule cosine:50 has brought the rate to 0 from step 50 "
     "on, so x cannot move any more (‖∇f‖ = 12); the remaining steps would only idle. Use a "
     "schedule that lasts the whole run, e.g. --schedule cosine:1000."),
])
def test_vector_runs_that_use_their_steps_are_diagnosed(args, message):
    run = gradcli("descend", "sum((x[i] - 1)**2, (i, 1, n))", "--dim", "100", "--start", "0",
                  *args, "--json")
    data = run.json()
    assert (run.code, data["status"], data["message"]) == (3, "max_steps", message)
    assert run.stderr == f"max_steps: {message}\n"


def test_a_vector_run_cycling_at_a_kink_is_told_from_its_recorded_points():
    # |x_i| from 1 at η = 0.3: 1, 0.7, 0.4, 0.1, −0.2, 0.1, −0.2, … (each step 0.3·√100 = 3)
    args = ("descend", "sum(abs(x[i]), (i, 1, n))", "--dim", "100", "--start", "1", "--lr",
            "0.3", "--steps", "100", "--json")
    cycling = gradcli(*args, "--record-x").json()["message"]
    assert "cycling — each step moves x by about 3 but x keeps coming back" in cycling
    summarised = gradcli(*args).json()["message"]  # min, mean and max cannot show a cycle
    assert "cycling" not in summarised and "f did not decrease over steps 50–100" in summarised


def test_vector_hessian_bound_is_not_called_a_minimum_where_the_gradient_is_not_zero():
    text = gradcli("hessian", "sum(x[i]**2, (i, 1, n))", "--dim", "3", "--at", "1,2,3").stdout
    assert "near here gradient descent settles only with a learning rate below it" in text
    assert "minimum" not in text


def test_a_vector_run_below_an_absolute_tolerance_where_f_is_flat_is_not_converged():
    # f = 1e-11·Σx_i² at x = (1, …, 1) in 100 coordinates: f = 1e-9, ‖∇f‖ = 2e-11·√100 = 2e-10,
    # the minimum lies ‖x‖ = 10 away; 1% of ‖x‖ along −∇f, f = 1e-11·(10 − 0.1)² = 9.801e-10
    args = ("descend", "1e-11*sum(x[i]**2, (i, 1, n))", "--dim", "100", "--start", "1", "--lr",
            "1e10", "--json")
    run = gradcli(*args)
    assert (run.code, run.json()["status"], run.json()["message"]) == (
        3, "flat",
        "Started with ‖∇f‖ = 2e-10 already ≤ tol 1e-08, but x is no minimum at f's own scale: f "
        "still falls along −∇f (from 1e-09 to 9.801e-10 a distance 0.1 further), and its "
        "quadratic model puts a minimum 10 away. ‖∇f‖ is small because f is flat here (its "
        "curvature, 2e-11 along ∇f, is small too), not because x is a minimum: the tolerance is "
        "absolute. Use one at f's scale to keep descending, e.g. --tol 2e-18; f may have no "
        "minimum this way.")
    # with a tolerance at f's scale: x_k = 0.8ᵏ·x₀, ‖∇f‖ = 0.8ᵏ·2e-10 ≤ 2e-19 first at k = 93
    scaled = gradcli(*args, "--tol", "2e-19").json()
    assert scaled["message"] == "Converged: ‖∇f‖ = 1.94e-19 ≤ tol 2e-19 after 93 steps."


def test_a_sweep_of_a_vector_function_shows_its_table_and_closing_sentence():
    run = gradcli("sweep", "sphere_nd", "--dim", "2000", "--lr", "0.5,1.5", "--no-plot")
    assert run.code == 0, run.stderr
    assert "The fastest rate in this sweep was η = 0.5" in " ".join(run.stdout.split())
