"""This round's hostile inputs (the reliability issue, section 3): each ends with one sentence
on stderr and its documented exit code, within bounded memory, or with the right answer."""

import json
import os
import stat
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import gradcli

SUM = "sum(x[i]**2, (i, 1, n))"


def _refused(run, start: str, code: int = 2) -> None:
    assert run.code == code, (run.code, run.stderr)
    assert run.stderr.startswith(start), run.stderr
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr


def test_save_refuses_a_folder_name_and_a_name_too_long(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _refused(gradcli("descend", "x**2", "--start", "1", "--save", "x.png/"),
             "error: --save 'x.png/' ends in '/', so it names a folder; give a file name such "
             "as path.png.")
    long = "a" * 300 + ".png"
    _refused(gradcli("descend", "x**2", "--start", "1", "--save", long),
             f"error: --save '{long[:39]}…': the file name has 304 bytes; this file system "
             "allows at most 255.")
    assert os.listdir(tmp_path) == []


def test_saving_over_a_file_keeps_its_mode(tmp_path):
    path = tmp_path / "private.png"
    path.write_bytes(b"")
    path.chmod(0o600)
    run = gradcli("descend", "x**2", "--start", "1", "--lr", "0.1", "--save", str(path))
    assert run.code == 0, run.stderr
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_npy_header_that_claims_more_than_the_file_holds(tmp_path):
    path = tmp_path / "lie.npy"
    with open(path, "wb") as handle:  # a valid header that claims 10 GB, then 80 bytes
        np.lib.format.write_array_header_1_0(handle, {"descr": "<f8", "fortran_order": False,
                                                      "shape": (1_250_000_000,)})
        handle.write(np.zeros(10).tobytes())
    _refused(gradcli("grad", SUM, "--dim", "4", "--at", str(path)),
             f"error: --at '{path}': its header claims 1250000000 numbers, but the file holds "
             "only 80 bytes of data.\n")


def test_a_npz_archive_named_npy(tmp_path):
    path = tmp_path / "archive.npy"
    with open(path, "wb") as handle:
        np.savez(handle, a=np.zeros(3))
    _refused(gradcli("grad", SUM, "--dim", "3", "--at", str(path)),
             f"error: --at '{path}' is a NumPy archive (.npz), not one array; save the point "
             "with numpy.save.\n")


def test_a_text_point_file_with_too_many_numbers_is_not_read_whole(tmp_path):
    path = tmp_path / "many.txt"
    path.write_text("1 " * 2_000_000)
    _refused(gradcli("grad", SUM, "--dim", "3", "--at", str(path)),
             f"error: --at '{path}' holds more than 3 numbers but the function has 3 "
             "coordinates.\n")
    one_line = tmp_path / "spaced.txt"
    one_line.write_text("\n".join("1.5" for _ in range(4)) + "\n")
    data = gradcli("grad", SUM, "--dim", "4", "--at", str(one_line), "--json").json()
    assert data["gradient_value"] == [3.0] * 4


def test_a_csv_past_the_cell_limit_is_refused_while_it_streams(tmp_path, monkeypatch):
    from gradcli.learn import datasets

    monkeypatch.setattr(datasets, "MAX_CELLS", 1000)  # the rule, at a size a test can afford
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "1,2\n" * 100_000)
    read: list[int] = []
    original = datasets.csv.reader

    def counting(lines):  # how many rows were read before the refusal
        for row in original(lines):
            read.append(1)
            yield row

    monkeypatch.setattr(datasets.csv, "reader", counting)
    _refused(gradcli("fit", "w*x + b", "--data", str(path), "--target", "y"),
             f"error: {path} has more than 1000 cells; the limit is 1000.\n")
    assert len(read) == 502  # the header and 501 rows of 2 cells: not the 100,000 rows


def test_an_unterminated_quote_stays_on_one_line(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('x,y\n1,"2\n3,4\n')
    _refused(gradcli("fit", "w*x + b", "--data", str(path), "--target", "y"),
             f"error: {path} row 2, column 'y': '2\\n3,4' is not a finite number; features "
             "and numeric targets need numbers in every row.\n")


def test_a_local_file_named_like_a_shipped_data_set_is_named(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "iris").write_text("x,y\n1,2\n")
    run = gradcli("fit", "--model", "softmax", "--data", "iris", "--target", "species",
                  "--epochs", "1", "--json")
    assert run.stderr.startswith("note: 'iris' is the shipped data set; for the file of that "
                                 "name write ./iris.\n")
    assert run.json()["data"]["classes"] == ["setosa", "versicolor", "virginica"]


def test_embed_bounds_its_vocabulary_and_keeps_letters_of_every_alphabet():
    _refused(gradcli("embed", "--vocab", "20000"),
             "error: --vocab must be a whole number from 2 to 2000, not 20000 (training holds "
             "several N × N matrices: at 2000, about 32 MB each).\n")
    small = gradcli("embed", "--vocab", "2", "--steps", "5", "--json")
    assert small.code == 0 and len(small.json()["vocabulary"]) == 2
    corpus = "the naïve café is open\nthe café is naïve\n"
    words = gradcli("embed", "--corpus", "-", "--steps", "5", "--json", stdin=corpus).json()
    assert words["vocabulary"] == ["café", "is", "naïve", "open", "the"] or \
        sorted(words["vocabulary"]) == ["café", "is", "naïve", "open", "the"]


def test_fit_keeps_a_bounded_number_of_epoch_rows():
    data = gradcli("fit", "w*x + b", "--data", "anscombe", "--target", "y", "--epochs", "5000",
                   "--tol", "0", "--json").json()
    epochs = [row["epoch"] for row in data["epochs"]]
    assert len(epochs) <= 2001 and epochs[0] == 0 and epochs[-1] == 5000
    assert epochs[1:6] == [3, 6, 9, 12, 15]  # every third epoch: 5000 epochs into 2000 rows


def test_reparam_chooses_a_recording_stride_that_fits():
    run = gradcli("reparam", "rosenbrock", "--map", "x=u, y=10*v", "--steps", "1e9", "--tol",
                  "1e-3", "--json")
    assert run.code == 0, run.stderr
    results = run.json()["results"]
    assert all(r["original"]["status"] == "converged" for r in results)


def test_a_map_with_a_second_equals_sign_names_the_map_syntax():
    _refused(gradcli("reparam", "rosenbrock", "--map", "x=sin(x=u), y=v"),
             "error: --map entry 'x=sin(x=u)': each entry is OLD=FORMULA with one '=', such as "
             "x=u or y=10*v; the formula 'sin(x=u)' has another.\n")


@pytest.mark.parametrize(("args", "start", "code"), [
    (["grad", "min(x, asin(y))", "--at", "1,1.3"], "error: f is not real at (x, y) = (1, 1.3)",
     4),
    (["grad", "max(x, sqrt(-1+0*x))"], "error: 'max(x, sqrt(-1+0*x))' compares a value that "
     "is not real", 2),
    (["descend", "(-2)**x", "--start", "1"], "error: '(-2)**x' raises a negative number to a "
     "variable power", 2),
    (["grad", "cosh(cosh(x + 940500000000))", "--at", "1"], "error: f is beyond the float "
     "range (about 1e308) at x = 1", 4),
    (["grad", "x**2", "--at", "١"], "error: --at value 1 ('١') is not a number", 2),
    (["grad", "x**2", "--at", "1_0"], "error: --at value 1 ('1_0') is not a number", 2),
    (["sweep", "x**2", "--start", "1", "--lr", "1e308,0.1"], "error: --lr '1e308,0.1': every "
     "rate must be a number > 0 and at most 1e100.", 2),
    (["hessian", "(1e030)*(1e300)"], "error: the constant '(1e030)*(1e300)' is too large", 2),
    (["descend", "asin(((x)**(-1))**((1e300)*(1e300)))", "--start", "1"],
     "error: the constant '(1e300)*(1e300)' is too large at column 20", 2),
])
def test_internal_errors_of_this_round_are_sentences(args, start, code):
    _refused(gradcli(*args), start, code)


def test_taylor_of_a_name_that_spells_a_constant_elsewhere():
    assert gradcli("taylor", "cbrt(I*log(I)+I)", "--at", "1").code == 0


def test_a_functions_path_too_long_to_exist_is_no_folder():
    env = {"GRADCLI_FUNCTIONS_PATH": "a" * 5000}
    assert json.loads(gradcli("grad", "x", "--json", env=env).stdout)["gradient"] == ["1"]
    assert gradcli("functions", env=env).code == 0


@pytest.mark.parametrize("colour", ["--color=always", "--color=never"])
def test_a_reader_that_goes_away_ends_with_141_in_colour_too(colour):
    process = subprocess.Popen([sys.executable, "-m", "gradcli", colour, "descend", "x**2",
                                "--start", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(10)
    process.stdout.close()
    assert process.wait(timeout=120) == 141
    assert process.stderr.read() == b""


def _closed(descriptor: int, *args: str) -> subprocess.CompletedProcess:
    """gradcli started with one of its standard streams closed (`>&-`, `2>&-`)."""
    return subprocess.run([sys.executable, "-m", "gradcli", *args],
                          stdout=None if descriptor == 1 else subprocess.PIPE,
                          stderr=None if descriptor == 2 else subprocess.PIPE,
                          pass_fds=(), close_fds=True, timeout=120,
                          preexec_fn=lambda: os.close(descriptor))


@pytest.mark.parametrize("args", [["--help"], ["descend", "x**2", "--start", "1"]])
def test_a_closed_stdout_is_one_sentence_and_exit_74(args):
    run = _closed(1, *args)
    assert run.returncode == 74
    assert run.stderr == (b"error: the output could not be written (stdout is closed); give "
                          b"gradcli somewhere to write, such as a file or a pipe.\n")


def test_a_closed_stderr_still_gives_the_result_and_its_code():
    run = _closed(2, "descend", "x**2", "--start", "1", "--lr", "0.1", "--quiet")
    assert run.returncode == 0 and float(run.stdout.split()[0]) == pytest.approx(0, abs=1e-8)
