"""`fit`: exact gradients for every loss, least squares, real data, seeds, the forgotten
zero_grad, and one sentence for every bad input."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcli.engine.plan import Transforms, make_plan
from gradcli.learn.losses import HEADS
from gradcli.learn.models import custom, preset
from gradcli.learn.training import Data, loss_and_gradient, train
from tests.conftest import gradcli, interrupted_run

HEADER = ("x1", "x2", "y")
MODELS = {"mse": "w*x1 + v*sin(x2) + b", "mae": "w*x1**2 + b*x2 + c",
          "bce": "w*x1 - v*x2 + b", "ce": "a*x1 + b, c*x2 - a, b*x1*x2 + c"}


def _data(loss: str, rows: int, seed: int) -> Data:
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (rows, 2))
    y = {"mse": rng.normal(size=rows), "mae": rng.normal(size=rows) + 0.3,
         "bce": rng.integers(0, 2, rows).astype(float),
         "ce": rng.integers(0, 3, rows)}[loss]
    return Data(X, y)


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(sorted(MODELS)), st.integers(1, 12), st.integers(0, 2**32 - 1))
def test_batch_gradient_is_the_mean_of_per_example_gradients_and_matches_differences(
        loss, rows, seed):
    model = custom(MODELS[loss], HEADER, "y", None)
    data = _data(loss, rows, seed)
    theta = np.random.default_rng(seed + 1).normal(size=len(model.params))
    value, gradient, _ = loss_and_gradient(model, loss, data, theta)
    singles = [loss_and_gradient(model, loss, Data(data.X[i:i + 1], data.y[i:i + 1]), theta)
               for i in range(rows)]
    assert value == pytest.approx(np.mean([s[0] for s in singles]), rel=1e-12, abs=1e-12)
    assert gradient == pytest.approx(np.mean([s[1] for s in singles], axis=0), rel=1e-9,
                                     abs=1e-12)
    for j in range(len(theta)):
        h = 1e-6
        up, down = theta.copy(), theta.copy()
        up[j] += h
        down[j] -= h
        estimate = (loss_and_gradient(model, loss, data, up)[0]
                    - loss_and_gradient(model, loss, data, down)[0]) / (2 * h)
        if loss == "mae":  # |r| has a kink: compare away from it only
            residual = model.scores(data.X, theta)[:, 0] - data.y
            if np.min(np.abs(residual)) < 1e-4:
                continue
        assert estimate == pytest.approx(gradient[j], rel=1e-5, abs=1e-6)


def test_loss_heads_by_hand():
    Z = np.array([[2.0, 0.0, -1.0], [0.5, 1.5, 0.0]])
    value, G = HEADS["ce"](Z, np.array([0, 1]))
    p = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert value == pytest.approx(-(np.log(p[0, 0]) + np.log(p[1, 1])) / 2, rel=1e-14)
    assert pytest.approx((p - np.eye(3)[[0, 1]]) / 2, rel=1e-14) == G
    value, _ = HEADS["bce"](np.array([[800.0], [-800.0]]), np.array([0.0, 1.0]))
    assert value == pytest.approx(800.0)  # stable: no overflow at large logits


def test_full_batch_gradient_descent_reaches_least_squares():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 3))
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.7 + 0.1 * rng.normal(size=200)
    model = preset("linear", ("a", "b", "c"), None)
    fit = train(model, "mse", Data(X, y), None, make_plan("gd", {}), 0.1, None, 5000, 0, 1e-10,
                np.zeros(4))
    reference, *_ = np.linalg.lstsq(np.hstack([X, np.ones((200, 1))]), y, rcond=None)
    assert fit.status == "converged"
    assert fit.theta == pytest.approx(reference, abs=1e-6)


def test_linear_fit_on_anscombe_prints_the_least_squares_solution():
    data = gradcli("fit", "--model", "linear", "--data", "anscombe", "--features", "x",
                   "--target", "y", "--standardize", "--batch", "full", "--epochs", "500",
                   "--lr", "0.1", "--json").json()
    assert data["status"] == "converged"
    original = data["parameters_original"]
    assert original["w_x"] == pytest.approx(0.5, abs=1e-3)  # Anscombe's line: y = 3 + x/2
    assert original["b"] == pytest.approx(3.0, abs=2e-3)
    assert data["least_squares"]["gap"] < 1e-5


def test_softmax_on_iris_reaches_the_readme_accuracy():
    data = gradcli("fit", "--model", "softmax", "--data", "iris", "--target", "species",
                   "--standardize", "--batch", "8", "--epochs", "100", "--lr", "0.1",
                   "--json").json()
    assert data["epochs"][-1]["train_accuracy"] >= 0.95
    assert data["data"]["classes"] == ["setosa", "versicolor", "virginica"]
    assert len(data["parameters"]) == 15


def test_same_seed_same_run_other_seed_other_order():
    args = ("fit", "w*income + b", "--data", "engel", "--target", "foodexp", "--standardize",
            "--epochs", "3", "--json")
    first, again = gradcli(*args).json(), gradcli(*args).json()
    other = gradcli(*args, "--seed", "1").json()
    assert first["parameters"] == again["parameters"]
    assert first["parameters"] != other["parameters"]


def test_accumulate_reproduces_a_loop_that_never_zeroes_its_gradient():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 1))
    y = 2 * X[:, 0] + 1
    model = custom("w*x + b", ("x", "y"), "y", None)
    plan = make_plan("gd", {}, transforms=Transforms(accumulate=True))
    fit = train(model, "mse", Data(X, y), None, plan, 0.01, 4, 2, 7, 0.0, np.zeros(2))
    theta, total = np.zeros(2), np.zeros(2)
    order_rng = np.random.default_rng(7)
    for _ in range(2):
        order = order_rng.permutation(12)
        for start in range(0, 12, 4):
            rows = order[start:start + 4]
            residual = theta[1] * X[rows, 0] + theta[0] - y[rows]  # params b, w (sorted)
            gradient = np.array([np.mean(2 * residual), np.mean(2 * residual * X[rows, 0])])
            total = total + gradient  # never zeroed
            theta = theta - 0.01 * total
    assert fit.theta == pytest.approx(theta, rel=1e-12)


def test_every_method_trains():
    for method in ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "newton"):
        run = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp",
                      "--standardize", "--method", method, "--lr",
                      "1" if method == "newton" else "0.05", "--epochs", "5", "--json")
        data = run.json()
        assert data["epochs"][-1]["train_loss"] < data["epochs"][0]["train_loss"], method


def test_csv_quiet_and_data_listing():
    args = ("fit", "--model", "linear", "--data", "anscombe", "--features", "x", "--target",
            "y", "--batch", "full", "--epochs", "3", "--lr", "0.001")
    rows = gradcli(*args, "--csv").stdout.splitlines()
    assert rows[0] == "epoch,train_loss,val_loss,train_accuracy,val_accuracy,grad_norm,lr"
    assert len(rows) == 5 and rows[1].startswith("0,")
    assert len(gradcli(*args, "-q").stdout.split()) == 2
    listing = gradcli("data", "--json").json()["datasets"]
    assert [d["name"] for d in listing] == ["anscombe", "engel", "iris"]
    assert [d["rows"] for d in listing] == [44, 235, 150]
    assert "public domain" in gradcli("data", "show", "engel").stdout


def test_stdin_data_and_validation_split():
    csv = "x,y\n" + "".join(f"{i},{2 * i + 1}\n" for i in range(10))
    data = gradcli("fit", "w*x + b", "--data", "-", "--target", "y", "--val", "0.3",
                   "--batch", "full", "--epochs", "2", "--json", stdin=csv).json()
    assert data["data"]["train"] == 7 and data["data"]["validation"] == 3
    assert data["epochs"][1]["val_loss"] is not None


def test_ctrl_c_keeps_the_parameters():
    code, data, stderr = interrupted_run(
        ["fit", "--model", "softmax", "--data", "iris", "--target", "species", "--batch", "1",
         "--epochs", "100000", "--lr", "0.01", "--tol", "0"], after=3)
    assert code == 130, stderr
    assert data["status"] == "interrupted" and data["iterations"] > 0
    assert len(data["parameters"]) == 15


@pytest.mark.parametrize("args, stdin, message", [
    (("--model", "linear", "--target", "y"), None,
     "--data is required: a CSV file, '-' or a shipped data set such as iris (gradcli data "
     "lists them)."),
    (("--model", "linear", "--data", "nofile.csv", "--target", "y"), None,
     "--data 'nofile.csv' is neither a readable file nor a shipped data set (anscombe, engel, "
     "iris); see gradcli data."),
    (("--model", "linear", "--data", "-", "--target", "y"), "", "stdin is empty; give a CSV "
     "file with a header row and data rows."),
    (("--model", "linear", "--data", "-", "--target", "y"), "x,y\n1,2\n3\n",
     "stdin row 3 has 1 cells but the header has 2; every row needs one cell per column."),
    (("--model", "linear", "--data", "-", "--target", "y"), "x,y\n1,2\nabc,3\n",
     "stdin row 3, column 'x': 'abc' is not a finite number; features and numeric targets need "
     "numbers in every row."),
    (("--model", "linear", "--data", "-", "--target", "y"), "x,y\n1,2\n,3\n",
     "stdin row 3, column 'x': is empty; features and numeric targets need numbers in every "
     "row."),
    (("--model", "linear", "--data", "-", "--target", "y"), "x,y\n1,2\nnan,3\n",
     "stdin row 3, column 'x': 'nan' is not a finite number; features and numeric targets need "
     "numbers in every row."),
    (("--model", "linear", "--data", "iris", "--target", "colour"), None,
     "iris has no column 'colour'; its columns are sepal_length, sepal_width, petal_length, "
     "petal_width, species."),
    (("2*income", "--data", "engel", "--target", "foodexp"), None,
     "the model has no parameters: every name in it is a column of the data; add parameters, "
     "such as \"w*x + b\"."),
    (("w*x + b", "--data", "engel", "--target", "foodexp", "--params", "w,b"), None,
     "the model uses 'x', which is neither a column of the data nor listed in --params."),
    (("--model", "linear", "--data", "iris", "--target", "petal_width", "--val", "1.5"), None,
     "--val must be a fraction between 0 and 1 (exclusive), not 1.5."),
    (("--model", "linear", "--data", "anscombe", "--features", "x", "--target", "y",
      "--batch", "100"), None,
     "--batch 100 is larger than the 44 training rows; use --batch 44 or --batch full (every "
     "row in one batch)."),
    (("a*x + b, c*x", "--data", "-", "--target", "y", "--loss", "ce"), "x,y\n1,a\n2,a\n",
     "--loss ce needs at least two classes; 'y' has only 'a'."),
    (("--model", "linear", "--data", "iris", "--target", "species"), None,
     "iris row 2, column 'species': 'setosa' is not a finite number; features and numeric "
     "targets need numbers in every row."),
])
def test_bad_fit_input_gets_one_sentence(args, stdin, message):
    run = gradcli("fit", *args, stdin=stdin)
    assert (run.code, run.stdout, run.stderr) == (2, "", f"error: {message}\n")


def test_a_loss_that_keeps_rising_has_diverged_even_while_finite():
    # engel, unscaled, η = 1e-6: L(0) = mean(foodexp²) = 4.657e5, then every epoch overshoots
    run = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp", "--lr",
                  "1e-6", "--epochs", "20", "--json")
    data = run.json()
    assert (data["status"], run.code) == ("diverged", 4)
    losses = [row["train_loss"] for row in data["epochs"]]
    assert losses[-1] > 10 * losses[0] and all(map(math.isfinite, losses))
    assert data["message"].startswith(f"Diverged: the training loss rose from {losses[0]:.4g} "
                                      f"(epoch 0) to {losses[-1]:.4g} (epoch 20); it is still "
                                      "finite, but each step overshoots. Try a smaller --lr, "
                                      "--clip-norm or --standardize")
    calm = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp", "--lr",
                   "1e-7", "--epochs", "20", "--json")  # falls, slowly: no divergence
    assert (calm.json()["status"], calm.code) == ("max_epochs", 0)


def test_divergence_advice_leaves_out_what_the_run_already_does():
    data = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp",
                   "--standardize", "--clip-norm", "1e9", "--lr", "5", "--epochs", "20",
                   "--json").json()
    assert data["status"] == "diverged"
    assert data["message"].endswith("Try a smaller --lr.")


def test_the_accuracy_column_says_whose_accuracy_it_is():
    args = ("fit", "--model", "softmax", "--data", "iris", "--target", "species",
            "--standardize", "--epochs", "2", "--no-plot")
    held_out = gradcli(*args, "--val", "0.2").stdout
    assert "epoch  train loss  val loss  val accuracy" in held_out
    alone = gradcli(*args).stdout
    assert "epoch  train loss  accuracy" in alone and "val accuracy" not in alone


@pytest.mark.parametrize(("model", "extra", "note"), [
    ("w1*x + w2*x + b", [], "note: 'w1' and 'w2' have the same partial derivatives, so the data "
     "fixes only their sum; gradient descent moves both alike.\n"),
    ("w*x + b", ["--params", "w,b,c"], "note: the model does not depend on 'c' (listed in "
     "--params): its gradient is always 0, so it stays where it starts.\n"),
])
def test_a_models_form_that_limits_training_is_noted(tmp_path, model, extra, note):
    path = tmp_path / "line.csv"
    path.write_text("x,y\n" + "".join(f"{k / 10},{2 * k / 10 + 1}\n" for k in range(40)))
    run = gradcli("fit", model, *extra, "--data", str(path), "--target", "y", "--epochs", "1",
                  "--json")
    assert run.code == 0 and run.stderr == note
    if "w1" in model:  # equal gradients from equal starts: equal parameters, any number of steps
        assert run.json()["parameters"]["w1"] == run.json()["parameters"]["w2"]


def test_a_class_labelled_nan_is_noted(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text("x,c\n" + "".join(f"{k / 10},{['a', 'NaN', 'b'][k % 3]}\n"
                                       for k in range(40)))
    run = gradcli("fit", "z1*x, z2*x, z3*x", "--data", str(path), "--target", "c", "--epochs",
                  "1", "--json")
    assert run.stderr == ("note: 'c' has rows labelled 'NaN', which form a class of their own; "
                          "if it means a missing label, remove those rows.\n")
    assert run.json()["data"]["classes"] == ["NaN", "a", "b"]  # a class like any other word


def test_a_run_that_crawls_on_unscaled_features_says_why():
    # engel's income: root mean square 1.11e3 (computed here from the data), against 1 for b
    from gradcli.learn.datasets import read_table

    income = read_table("engel").numbers("income")
    size = float(np.sqrt(np.mean(income**2)))
    data = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp", "--lr",
                   "1e-7", "--epochs", "20", "--json").json()
    assert data["status"] == "max_epochs"
    assert data["message"].endswith(
        f"The features' scales differ by a factor of {size:.3g} ('income' has a typical size of "
        f"{size:.3g}, against 1 for a bare parameter), so a rate small enough for the steep "
        "directions crawls along the others; --standardize rescales them.")
    scaled = gradcli("fit", "w*income + b", "--data", "engel", "--target", "foodexp",
                     "--standardize", "--epochs", "2", "--json").json()
    assert "scales differ" not in scaled["message"]


@pytest.mark.parametrize("model", [["w*x + b"], ["--model", "linear", "--features", "x"]])
def test_quiet_prints_the_parameters_in_the_order_of_the_json(model):
    args = ("fit", *model, "--data", "anscombe", "--target", "y", "--epochs", "2")
    numbers = [float(v) for v in gradcli(*args, "--quiet").stdout.split()]
    parameters = gradcli(*args, "--json").json()["parameters"]
    assert numbers == list(parameters.values())
    assert list(parameters) == (["b", "w"] if len(model) == 1 else ["w_x", "b"])


def test_the_anscombe_help_example_lands_near_least_squares():
    """fit --help's anscombe line: minibatch SGD ends within 0.05 of Anscombe's y = 3 + x/2
    (numpy.linalg.lstsq on the rows gives w = 0.5001, b = 3.0001)."""
    from gradcli.learn.datasets import read_table

    table = read_table("anscombe")
    x, y = table.numbers("x"), table.numbers("y")
    w, b = np.linalg.lstsq(np.column_stack([x, np.ones_like(x)]), y, rcond=None)[0]
    shown = " ".join(gradcli("fit", "--help").stdout.replace(" \\\n", " ").split())
    assert "--features x --target y --standardize --lr 0.1" in shown
    data = gradcli("fit", "--model", "linear", "--data", "anscombe", "--features", "x",
                   "--target", "y", "--standardize", "--lr", "0.1", "--json").json()
    assert data["parameters_original"]["w_x"] == pytest.approx(w, abs=0.05)
    assert data["parameters_original"]["b"] == pytest.approx(b, abs=0.05)


def test_a_symmetric_zero_start_is_a_stationary_point_not_a_minimum():
    # a, c, w start at 0: ∂L/∂a ∝ relu(0) = 0, ∂L/∂w and ∂L/∂c ∝ a = 0, so only b moves, to
    # mean(y), and ‖∇L‖ vanishes with the loss at y's variance: a saddle, not a fit
    from gradcli.learn.datasets import read_table

    y = read_table("anscombe").numbers("y")
    args = ("fit", "a*relu(w*x + c) + b", "--data", "anscombe", "--target", "y",
            "--standardize", "--batch", "full", "--epochs", "3000", "--lr", "0.05")
    run = gradcli(*args, "--json")
    data = run.json()
    assert (data["status"], run.code) == ("stationary", 3)
    assert data["parameters"]["b"] == pytest.approx(y.mean(), rel=1e-6)
    assert data["epochs"][-1]["train_loss"] == pytest.approx(y.var(), rel=1e-6)
    assert data["message"].startswith("Stopped at a stationary point that is no minimum: a, c, w "
                                      "never moved from 0: their gradients were exactly 0")
    assert data["message"].endswith("Start elsewhere, for example with --init random:0.5.")
    advised = gradcli(*args, "--init", "random:0.5", "--json").json()  # the advice works
    assert advised["status"] == "converged"
    assert advised["epochs"][-1]["train_loss"] < 0.5 * y.var()


def test_separable_classes_have_no_minimum_to_converge_to(tmp_path):
    path = tmp_path / "separable.csv"
    path.write_text("x,c\n" + "".join(f"{v},{'a' if v < 0 else 'b'}\n"
                                       for v in (-3, -2.5, -2, -1.5, 1.5, 2, 2.5, 3)))
    run = gradcli("fit", "--model", "logistic", "--data", str(path), "--target", "c", "--batch",
                  "full", "--epochs", "5000", "--lr", "0.5", "--tol", "1e-2", "--json")
    data = run.json()
    assert (data["status"], run.code) == ("flat", 3)
    assert data["epochs"][-1]["train_accuracy"] == 1.0
    assert "the training classes are separated perfectly (accuracy 1): the loss only falls as " \
           "the weights grow" in data["message"]


@pytest.mark.parametrize("width", ["80", "120", "200"])
def test_the_loss_surface_has_no_blank_stripes_at_any_width(width):
    import os
    import subprocess
    import sys

    text = subprocess.run([sys.executable, "-m", "gradcli", "fit", "w*x + b", "--data",
                           "anscombe", "--target", "y", "--standardize", "--plot", "--no-table"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": width}).stdout
    surface = text.split("f around the path")[1].splitlines()
    rows = [row.split("│")[1] for row in surface if row.count("│") == 2]
    assert len(rows) >= 15  # the rows without a tick label
    shaded = [column for column in range(len(rows[0]))  # every column shaded in some row
              if any(row[column] not in " " for row in rows if column < len(row))]
    assert len(shaded) == len(rows[0])
