"""Pictures to take away: valid files of each format, animations with the expected frames,
atomic writes, the missing-extra message, and --animate on a terminal."""

import os
import re
import sys

import numpy as np
import pytest

from tests.conftest import gradcli

PIL = pytest.importorskip("PIL.Image")


def _picture(path):
    with PIL.open(path) as image:
        image.load()
        return image.size, len(image.convert("RGB").getcolors(1 << 20) or [])


@pytest.mark.parametrize("args", [
    ("descend", "rosenbrock", "--method", "adam", "--lr", "0.05", "--steps", "500"),
    ("descend", "x**2", "--start", "1", "--lr", "0.9"),
    ("descend", "himmelblau", "--starts", "grid:12"),
    ("compare", "rosenbrock", "--methods", "gd,momentum,adam:lr=0.1,newton", "--steps", "500"),
    ("sweep", "x**2 + y**2", "--start", "1,2", "--lr", "1e-3:3:7", "--steps", "300"),
    ("critical", "himmelblau", "--numeric"),
    ("descend", "sphere_nd", "--dim", "1000", "--steps", "50"),
    ("fit", "w*income + b", "--data", "engel", "--target", "foodexp", "--standardize",
     "--batch", "16", "--epochs", "20", "--lr", "0.05"),
    ("fit", "--model", "softmax", "--data", "iris", "--target", "species", "--epochs", "5"),
    ("embed", "--steps", "200"),
    ("reparam", "rosenbrock", "--map", "x=u, y=10*v", "--lr", "1e-3", "--steps", "500"),
])
def test_png_figures_are_valid_and_not_trivial(tmp_path, args):
    target = tmp_path / "figure.png"
    run = gradcli(*args, "--save", str(target), "--json")
    assert run.code in (0, 3), run.stderr
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    (width, height), colours = _picture(target)
    assert width >= 1000 and height >= 800 and colours > 50
    assert oct(target.stat().st_mode & 0o777) != "0o600"  # an ordinary file, not mkstemp's
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]  # no temporary left behind


def test_the_terminal_output_is_unchanged_by_save(tmp_path):
    args = ("descend", "x**2 + y**2", "--start", "1,2", "--lr", "0.1", "--json")
    assert gradcli(*args, "--save", str(tmp_path / "a.png")).stdout == gradcli(*args).stdout


def test_pdf_and_svg_hold_what_they_should(tmp_path):
    pdf, svg = tmp_path / "a.pdf", tmp_path / "a.svg"
    compare = ("compare", "rosenbrock", "--methods", "gd,adam:lr=0.1,newton", "--steps", "300",
               "--no-plot")
    assert gradcli(*compare, "--save", str(pdf)).code in (0, 3)
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert gradcli(*compare, "--save", str(svg)).code in (0, 3)
    text = svg.read_text()
    assert text.lstrip().startswith("<?xml") and "<svg" in text
    for label in ("gd", "adam:lr=0.1", "newton", "start", "end", "known minimum",
                  "convergence", "rosenbrock"):
        assert f">{label}<" in text or label in text, label
    # one drawn path (line) per method on the map, plus the convergence lines
    assert len(re.findall(r'<g id="line2d_\d+"', text)) >= 3


def test_gif_animation_has_one_frame_per_step_and_holds_the_last(tmp_path):
    target = tmp_path / "race.gif"
    run = gradcli("descend", "x**2", "--start", "1", "--lr", "0.9", "--save", str(target),
                  "--fps", "20", "--json")
    steps = run.json()["iterations"]
    with PIL.open(target) as image:
        frames = image.n_frames
        durations = []
        for index in range(frames):
            image.seek(index)
            durations.append(image.info["duration"])
    assert frames == steps + 1  # k = 0 … k = steps, each drawn once (fewer than 200)
    assert durations[0] == 50 and durations[-1] >= 1500


def test_long_runs_are_subsampled_to_at_most_200_frames(tmp_path):
    target = tmp_path / "long.gif"
    gradcli("descend", "rosenbrock", "--steps", "3000", "--save", str(target), "--json")
    with PIL.open(target) as image:
        assert 100 < image.n_frames <= 200


@pytest.mark.parametrize("name, message", [
    ("figure.jpg", "error: --save '{path}': the file name must end in .png, .svg, .pdf (a "
                   "figure) or .gif (an animation).\n"),
    ("movie.mp4", "error: --save cannot write .mp4: it needs the ffmpeg program, which does not "
                  "come from PyPI; save a .gif animation instead.\n"),
    ("missing/figure.png", "error: --save '{path}': the folder '{folder}' does not exist; "
                           "create it or choose another.\n"),
])
def test_bad_targets_are_refused_before_any_work(tmp_path, name, message):
    path = tmp_path / name
    run = gradcli("descend", "x**2", "--start", "1", "--save", str(path))
    expected = message.format(path=path, folder=path.parent)
    assert (run.code, run.stdout, run.stderr) == (2, "", expected)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import matplotlib.figure

    target = tmp_path / "figure.png"
    target.write_bytes(b"old picture")

    def broken(self, name, **options):
        with open(name, "wb") as handle:
            handle.write(b"half a pic")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(matplotlib.figure.Figure, "savefig", broken)
    run = gradcli("descend", "x**2", "--start", "1", "--lr", "0.1", "--save", str(target))
    assert run.code == 2
    assert run.stderr == (f"error: --save '{target}': could not be written (No space left on "
                          "device).\n")
    assert target.read_bytes() == b"old picture"
    assert [p.name for p in tmp_path.iterdir()] == ["figure.png"]


def test_without_matplotlib_save_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    run = gradcli("descend", "x**2", "--start", "1", "--save", "figure.png")
    assert (run.code, run.stderr) == (2, "error: --save needs matplotlib, which is not "
                                         "installed; install it with pip install "
                                         "\"gradcli[images]\".\n")


def test_fps_and_views_without_a_picture_are_refused():
    run = gradcli("descend", "x**2", "--start", "1", "--fps", "0")
    assert (run.code, run.stderr) == (2, "error: --fps must be a number in (0, 100], not 0.\n")
    run = gradcli("descend", "sphere_nd", "--animate")
    assert (run.code, run.stderr) == (2, "error: --animate redraws the map of a function of "
                                         "one or two variables; this one has more.\n")
    run = gradcli("descend", "sphere_nd", "--dim", "20", "--save", "x.gif")
    assert (run.code, run.stderr) == (2, "error: --save .gif animates a path over the map of "
                                         "f, which needs a function of one or two variables; "
                                         "save a .png instead.\n")


def test_animate_off_a_terminal_is_a_note_and_the_usual_output():
    args = ("descend", "x**2 + y**2", "--start", "1,2", "--lr", "0.1", "--no-plot")
    run = gradcli(*args, "--animate")
    assert run.code == 0 and run.stdout == gradcli(*args).stdout
    assert run.stderr == "note: --animate needs a terminal; the usual output follows.\n"


def _in_a_terminal(args: list[str], interrupt_when: str | None = None,
                   **settings: str) -> str:
    """Run gradcli on a pseudo-terminal (TERM=xterm unless `settings` say otherwise), press
    Ctrl-C once `interrupt_when` has been written if given, and return everything it wrote."""
    import pty
    import signal

    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    env.update({"COLUMNS": "80", "LINES": "40", "TERM": "xterm", **settings})
    pid, fd = pty.fork()
    if pid == 0:  # the child: gradcli, attached to the terminal
        os.execve(sys.executable, [sys.executable, "-m", "gradcli", *args], env)
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        if interrupt_when is not None and interrupt_when.encode() in b"".join(chunks):
            os.kill(pid, signal.SIGINT)
            interrupt_when = None
    os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace")


def test_animate_redraws_in_place_on_a_terminal():
    out = _in_a_terminal(["descend", "x**2 + y**2", "--start", "1,2", "--lr", "0.1",
                          "--animate", "--fps", "100", "--no-plot"])
    assert out.count("\x1b[2K") > 20  # Rich Live clears and redraws the lines of each frame
    assert out.count("k = ") >= 20 and "k = 90" in out
    assert "Converged" in out and "Traceback" not in out


def test_ctrl_c_ends_the_animation_and_keeps_the_result():
    out = _in_a_terminal(["descend", "x**2 + y**2", "--start", "1,2", "--lr", "0.1",
                          "--animate", "--fps", "4", "--no-plot"], interrupt_when="k = 5")
    assert "note: animation stopped; the result follows." in out
    assert "k = 90" not in out.split("note: animation stopped")[0]
    assert "Converged: ‖∇f‖ = 8.48e-09 ≤ tol 1e-08 after 90 steps." in out


def test_animate_draws_the_curve_for_one_variable():
    out = _in_a_terminal(["descend", "x**2", "--start", "1", "--lr", "0.9", "--animate",
                          "--fps", "100", "--no-plot"])
    assert "f(x) and the iterates" in out and "Converged" in out


def test_colour_appears_on_a_terminal_and_not_with_no_color_dumb_or_never():
    args = ["descend", "x**2", "--start", "1", "--lr", "0.1", "--steps", "3"]
    colour = re.compile(r"\x1b\[[0-9;]*m")
    assert colour.search(_in_a_terminal(args))  # the table's status line and the plots
    assert not colour.search(_in_a_terminal([*args, "--color", "never"]))
    assert not colour.search(_in_a_terminal(args, NO_COLOR="1"))
    assert not colour.search(_in_a_terminal(args, TERM="dumb"))


def test_basin_picture_colours_each_start_by_its_basin(tmp_path):
    target = tmp_path / "basins.svg"
    gradcli("descend", "himmelblau", "--starts", "grid:10", "--save", str(target), "--json")
    text = target.read_text()
    assert text.count("(global minimum)") == 4 and "basin reached" in text


@pytest.mark.parametrize(("args", "view"), [
    (["sweep", "x**2", "--start", "1"], "sweep"), (["critical", "himmelblau"], "critical"),
    (["fit", "w*x + b", "--data", "anscombe", "--target", "y"], "fit"), (["embed"], "embed"),
    (["reparam", "rosenbrock", "--map", "x=u, y=v"], "reparam"),
    (["descend", "himmelblau", "--starts", "grid:5"], "--starts"),
])
def test_a_gif_is_refused_before_any_work_where_no_animation_is_drawn(args, view, tmp_path):
    run = gradcli(*args, "--save", str(tmp_path / "x.gif"))
    assert (run.code, run.stdout) == (2, "")
    assert run.stderr == (f"error: --save for {view} draws a figure, not an animation: use "
                          ".png, .svg or .pdf.\n")
    help_text = gradcli(args[0], "--help").stdout
    animated = args[0] == "descend"  # descend animates a single run's path
    assert (".gif for an animation" in " ".join(help_text.split())) == animated


def test_a_run_away_path_is_drawn_up_to_where_it_leaves_the_starts_scale():
    from gradcli.explore.surface import drawn_steps

    swings = np.array([[(-2.0) ** k] for k in range(400)])  # x² at η = 1.5 from 1
    assert drawn_steps(swings) == 7  # 1, −2, 4, −8, 16, −32, 64: all within 100 of the start
    settling = np.array([[0.8 ** k] for k in range(400)])
    assert drawn_steps(settling) == 400
    text = gradcli("descend", "x**2", "--start", "1", "--lr", "1.5", "--no-table",
                   "--plot").stdout
    assert "gd, steps 0–6 drawn (E is step 6; after it the iterates run away)" in text


@pytest.mark.parametrize("width", [40, 80, 200])
def test_a_terminal_map_keeps_one_unit_the_same_across_and_down(width):
    from gradcli.explore.surface import CELL_ASPECT, MAP_FRAME, map_box

    (x0, x1), (y0, y1) = map_box(np.array([[0.0, 0.0], [1.0, 2.0]]), width, 22)
    across, down = (x1 - x0) / (width - MAP_FRAME), (y1 - y0) / (22 * CELL_ASPECT)
    assert across == pytest.approx(down)  # units per character width vs per (half) row
    assert x0 <= 0 and x1 >= 1 and y0 <= 0 and y1 >= 2  # the path stays inside


def test_a_saved_picture_says_where_it_went_and_an_animation_how_many_frames(tmp_path):
    gif = tmp_path / "race.gif"
    run = gradcli("compare", "x**2 + 3*y**2", "--start", "1,1", "--methods", "gd,adam",
                  "--steps", "30", "--save", str(gif), "--no-plot", "--no-table")
    assert run.stderr == f"note: wrote {gif} (31 frames).\n"  # k = 0, 1, …, 30
    from PIL import Image

    with Image.open(gif) as picture:
        assert picture.n_frames == 31
    png = tmp_path / "path.png"
    still = gradcli("descend", "x**2", "--start", "1", "--lr", "0.1", "--save", str(png))
    assert still.stderr == f"note: wrote {png}.\n"


def test_animation_frames_follow_the_step_index_on_a_log_scale():
    from gradcli.render.images import frame_steps

    frames = frame_steps(10_001, 200)
    assert frames[0] == 1 and frames[-1] == 10_001 and len(frames) <= 200
    assert list(frames[:10]) == list(range(1, 11))  # Newton's 21 steps fill the first frames
    assert (frames <= 22).sum() >= 20 and np.all(np.diff(frames) > 0)
    assert list(frame_steps(31, 200)) == list(range(1, 32))  # few rows: every one a frame


def test_a_path_has_the_same_colour_in_the_curve_the_map_and_the_convergence_plot():
    from gradcli.render.plots import PATH_COLOURS, SHADE_COLOUR, _one_colour_per_path

    colours = _one_colour_per_path(2)
    assert colours[0] == SHADE_COLOUR  # f itself: the curve, or the shaded map
    assert colours[1:4] == [PATH_COLOURS[0]] * 3 and colours[4:7] == [PATH_COLOURS[1]] * 3
    # the convergence plot draws series i as signal i, in PATH_COLOURS[i]: the same mapping
    text = gradcli("--color", "always", "descend", "x**2", "--start", "1", "--lr", "0.1",
                   "--no-table", "--plot").stdout
    iterate = "\x1b[38;2;{};{};{}m●".format(*PATH_COLOURS[0])  # the path's first colour
    assert iterate in text and "\x1b[38;2;{};{};{}m●".format(*PATH_COLOURS[1]) not in text
