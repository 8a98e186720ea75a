"""Cases that once ended with exit 0 and a wrong answer: each now gives the right one, or a
sentence that refuses; every expected value comes from a reference outside gradcli."""

import numpy as np
import pytest

from tests.conftest import gradcli

LINE = "x,y\n0,1\n1,3\n2,5\n3,7\n4,9.5\n"  # least squares: numpy.linalg.lstsq below


def _least_squares(x: list[float], y: list[float]) -> np.ndarray:
    design = np.column_stack([x, np.ones(len(x))])
    return np.linalg.lstsq(design, np.array(y), rcond=None)[0]


def _fit(path, *model: str, target: str = "y") -> dict:
    return gradcli("fit", *model, "--data", str(path), "--target", target, "--batch", "full",
                   "--epochs", "20000", "--lr", "0.05", "--tol", "1e-10", "--json").json()


def test_a_csv_with_a_byte_order_mark_reads_its_first_column(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + LINE.encode())  # as Excel saves "CSV UTF-8"
    data = _fit(path, "w*x + b")
    w, b = _least_squares([0, 1, 2, 3, 4], [1, 3, 5, 7, 9.5])
    assert data["parameters"] == {"b": pytest.approx(b, abs=1e-6), "w": pytest.approx(w,
                                                                                        abs=1e-6)}
    piped = gradcli("fit", "w*x + b", "--data", "-", "--target", "y", "--json", "--epochs", "1",
                    stdin="\ufeff" + LINE).json()
    assert set(piped["parameters"]) == {"b", "w"}


@pytest.mark.parametrize(("column", "formula"), [("e", "b + e*w"), ("pi", "b + pi*w"),
                                                 ("E", "E*w + b")])
def test_a_column_named_like_a_constant_is_the_column(tmp_path, column, formula):
    path = tmp_path / "constant.csv"
    path.write_text(LINE.replace("x,y", f"{column},y"))
    data = _fit(path, f"w*{column} + b")
    w, b = _least_squares([0, 1, 2, 3, 4], [1, 3, 5, 7, 9.5])
    assert data["formula"] == formula  # a parameter times the column, not b + 2.718·w
    assert data["parameters"]["w"] == pytest.approx(w, abs=1e-6)
    assert data["parameters"]["b"] == pytest.approx(b, abs=1e-6)


def test_without_such_a_column_e_is_still_eulers_number(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text(LINE)
    data = _fit(path, "w*x + b*e")
    _, b = _least_squares([0, 1, 2, 3, 4], [1, 3, 5, 7, 9.5])
    assert data["parameters"]["b"] == pytest.approx(b / np.e, abs=1e-6)


def test_a_model_that_reads_its_own_target_is_refused(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text(LINE)
    run = gradcli("fit", "w*y + b", "--data", str(path), "--target", "y")
    assert run.code == 2
    assert run.stderr == ("error: the model reads 'y', the target it is asked to predict; a "
                          "model cannot read what it predicts (write it in the other "
                          "columns).\n")


@pytest.mark.parametrize("command", [["grad", "sphere_nd", "--at", "1"],
                                     ["descend", "sphere_nd"], ["hessian", "sphere_nd"]])
def test_dim_zero_is_refused_not_replaced_by_the_default(command):
    run = gradcli(*command, "--dim", "0")
    assert run.code == 2
    assert run.stderr == "error: --dim must be a whole number ≥ 1, not 0.\n"


def test_rates_too_small_to_move_x_are_too_small_not_too_big():
    data = gradcli("sweep", "x**2+y**2", "--start", "1,2", "--lr", "1e-300,1e-30,1e-20,0.5",
                   "--json").json()
    assert [(r["verdict"], r["status"]) for r in data["results"]] == [
        ("too small: below rounding", "max_steps")] * 3 + [("good", "converged")]
    # x never moves: 1e-20·2·2 = 4e-20 is below half the spacing of floats at 2 (2.2e-16)
    assert [r["x"] for r in data["results"][:3]] == [[1.0, 2.0]] * 3


def test_descend_with_a_rate_below_rounding_says_the_rate_is_too_small():
    data = gradcli("descend", "x**2+y**2", "--start", "1,2", "--lr", "1e-300", "--json").json()
    assert data["status"] == "max_steps"
    assert "The rate is too small: η = 1e-300" in data["message"]
    assert "Raise --lr (2/λmax = 1 here)." in data["message"]
    assert "at this minimum" not in data["message"]


def test_a_stall_at_the_floating_point_floor_still_says_so():
    # (x-1)**2 from the float after 1: ∇f = 2·(x-1) = 4.4e-16, and 0.1·∇f is below the rounding
    data = gradcli("descend", "(x-1)**2", "--start", "1.0000000000000004", "--lr", "0.1",
                   "--tol", "1e-20", "--json").json()
    assert data["status"] == "max_steps"
    assert "as small as floating point reaches at this minimum" in data["message"]
    sweep = gradcli("sweep", "(x-1)**2", "--start", "1.0000000000000004", "--lr", "0.1",
                    "--tol", "1e-20", "--json").json()
    assert sweep["results"][0]["verdict"] == "stalled at rounding"


def test_sine_of_a_long_integer_is_judged_at_the_precision_the_integer_needs():
    # mpmath at 200 bits, independently: sin(79412719723893700382613796835) = +0.965354709…
    run = gradcli("grad", "sqrt(sin(79412719723893700382613796835))*x", "--at", "1", "--json")
    assert run.code == 0
    assert run.json()["gradient_value"] == [pytest.approx(0.9653547090608855 ** 0.5, rel=1e-12)]
    negative = gradcli("grad", "sqrt(sin(-79412719723893700382613796835))*x", "--at", "1")
    assert negative.code == 2
    assert "is not a real number" in negative.stderr


def test_sine_of_an_inexact_huge_argument_is_not_judged_through_its_float():
    # sin(exp(80)) = -0.99822… (SymPy to 20 digits), while math.sin(math.exp(80)) = +0.0946
    run = gradcli("grad", "sqrt(sin(exp(80)))*x", "--at", "1")
    assert run.code == 2
    assert run.stderr.startswith("error: the constant 'sqrt(sin(exp(80)))' is not a real number")
    assert gradcli("grad", "sqrt(-sin(exp(80)))*x", "--at", "1").code == 0


def test_exact_arithmetic_decides_realness_where_floats_cancel():
    # in floats 1e20 + 1 - 1e20 - 0.5 is -0.5; exactly it is 0.5
    run = gradcli("grad", "sqrt(10**20 + 1 - 10**20 - 0.5)*x", "--at", "1", "--json")
    assert run.code == 0
    assert run.json()["gradient_value"] == [pytest.approx(0.5 ** 0.5, rel=1e-15)]


def test_the_default_batch_shrinks_to_a_small_data_set_and_says_so(tmp_path):
    path = tmp_path / "line.csv"
    path.write_text(LINE)
    run = gradcli("fit", "w*x + b", "--data", str(path), "--target", "y", "--epochs", "1",
                  "--json")
    assert run.code == 0  # max_epochs: the epochs asked for are done
    assert run.stderr == ("note: the data has 5 training rows, fewer than the default --batch "
                          "32; each step uses all of them.\n")
    data = run.json()
    assert data["settings"]["batch"] == 5
    # one full-batch step from 0 with η = 0.01 on MSE: θ = −η·∇L(0) = η·(2/m)·Σ y·(x, 1)
    x, y = np.array([0, 1, 2, 3, 4.0]), np.array([1, 3, 5, 7, 9.5])
    assert data["parameters"]["w"] == pytest.approx(0.01 * 2 * np.mean(x * y), rel=1e-12)
    assert data["parameters"]["b"] == pytest.approx(0.01 * 2 * np.mean(y), rel=1e-12)
