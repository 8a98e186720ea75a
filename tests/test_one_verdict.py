"""One verdict for any n: a family of functions gets the same status, exit code and advice at
--dim 10 (stepped by the scalar engine, expanded) and --dim 11 (the vector engine, summarised).
Ctrl-C, the one status no function reaches, is tested per engine in tests/test_interrupts.py."""

import pytest

from tests.conftest import gradcli

SQUARES = "sum(x[i]**2, (i, 1, n))"
FAMILIES = {  # status: (expression and options, what every message at any n must say)
    "converged": ([SQUARES, "--start", "1", "--lr", "0.1"], ["Converged: ‖∇f‖ ="]),
    "max_steps": (["sum((x[i] - 1)**2, (i, 1, n))", "--start", "0", "--lr", "1e-4",
                   "--steps", "100"], ["still descending", "raise --steps"]),
    "oscillating": ([SQUARES, "--start", "1", "--lr", "1", "--steps", "100"],
                    ["oscillating", "(η = 1 is at 2/λmax = 1 at the end point)",
                     "Use a smaller --lr, e.g. --lr 0.5."]),
    "unbounded": (["sum(x[i], (i, 1, n))", "--start", "1"],
                  ["Unbounded below", "no learning rate or step count can reach one"]),
    "unbounded_quadratic": (["sum(-x[i]**2, (i, 1, n))", "--start", "1"],
                            ["Unbounded below", "no learning rate or step count can reach one"]),
    "stationary": ([SQUARES + " - 2*x[1]**2", "--start", "0"],
                   ["Started at a stationary point", "saddle", "start elsewhere."]),
    "diverged": ([SQUARES, "--start", "1", "--lr", "1.5"],
                 ["Diverged at step 330", "The learning rate 1.5 is above 2/λmax = 1 at the "
                  "start; try --lr 0.9."]),
    "domain_error": (["sum(sqrt(x[i]), (i, 1, n))", "--start", "1", "--lr", "1"],
                     ["Domain error at step 2"]),
    "flat": (["sum(1e-11*x[i]**2, (i, 1, n))", "--start", "1", "--lr", "1e10"],
             ["already ≤ tol 1e-08, but x is no minimum at f's own scale"]),
}
STATUS = {"oscillating": "max_steps", "unbounded_quadratic": "unbounded"}
CODES = {"converged": 0, "max_steps": 3, "unbounded": 3, "stationary": 3, "flat": 3,
         "diverged": 4, "domain_error": 4}


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_the_same_function_gets_the_same_verdict_at_n_10_and_n_11(family):
    args, advice = FAMILIES[family]
    status = STATUS.get(family, family)
    for dim in ("10", "11"):
        run = gradcli("descend", args[0], "--dim", dim, *args[1:], "--json")
        data = run.json()
        assert (data["status"], run.code) == (status, CODES[status]), (dim, data["message"])
        for words in advice:
            assert words in data["message"], (dim, words, data["message"])


def test_a_finished_training_run_exits_0_and_descends_step_limit_exits_3():
    fit = gradcli("fit", "--model", "softmax", "--data", "iris", "--target", "species",
                  "--standardize", "--batch", "8", "--epochs", "3", "--json")  # README's iris
    assert (fit.json()["status"], fit.code) == ("max_epochs", 0)
    embed = gradcli("embed", "--steps", "5", "--json")
    assert (embed.json()["status"], embed.code) == ("max_steps", 0)
    descend = gradcli("descend", "rosenbrock", "--steps", "5", "--json")
    assert (descend.json()["status"], descend.code) == ("max_steps", 3)
    diverged = gradcli("fit", "w*x + b", "--data", "anscombe", "--target", "y", "--lr", "10",
                       "--json")
    assert (diverged.json()["status"], diverged.code) == ("diverged", 4)
