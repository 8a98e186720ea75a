"""Every table at any width from 40 columns: numbers shortened or columns left out (with a
note), never a number or a header split across lines."""

import re

import pytest

from tests.conftest import assert_golden, gradcli

VIEWS = {
    "descend2": ("descend", "rosenbrock", "--method", "adam", "--no-plot"),
    "descend5": ("descend", "x1**2 + 2*x2**2 + 3*x3**2 + 4*x4**2 + 5*x5**2 + x1*x5",
                 "--start", "1,-2,3,-4,5", "--lr", "0.05", "--no-plot"),
    "compare": ("compare", "rosenbrock", "--methods", "gd,momentum,adam:lr=0.1,newton",
                "--no-plot"),
    "sweep": ("sweep", "x**2 + y**2", "--start", "1,2", "--lr", "1e-4:3:13", "--steps", "1000",
              "--no-plot"),
    "taylor": ("taylor", "exp(x)*sin(y)", "--at", "0,1", "--step", "0.1", "--step", "0.01"),
    "critical": ("critical", "himmelblau", "--numeric"),
}
NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)(e[+-]\d{2,3})?%?")
NUMERIC_START = re.compile(r"[-\d.(]")


def _table_lines(text: str, first_header: str) -> list[str]:
    """The table's lines: from its header to the next blank line."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:1] == [first_header])
    notes = ("not shown at this width", "recorded rows not shown")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()
                or lines[i].startswith(notes) or " steps recorded (" in lines[i]
                or " recorded rows not shown" in lines[i]), len(lines))
    return lines[start:end]


HEADERS = {"descend2": "k", "descend5": "k", "compare": "method", "sweep": "lr",
           "taylor": "‖h‖", "critical": "kind"}
FIRST_CELL = {"descend2": r"\d+", "descend5": r"\d+", "compare": r"[a-z]+(:lr=[\d.]+)?",
              "sweep": r"[\d.e-]+", "taylor": r"[\d.e-]+",
              "critical": r"minimum|maximum|saddle|degenerate"}


@pytest.mark.parametrize("width", [40, 60, 80, 120])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_golden_tables_at_fixed_widths(view, width):
    run = gradcli(*VIEWS[view], env={"COLUMNS": str(width)})
    assert_golden(f"width_{view}_{width}.txt", run.stdout)


@pytest.mark.parametrize("width", [40, 47, 55, 64, 73, 90, 110, 140, 200])
@pytest.mark.parametrize("view", sorted(VIEWS))
def test_no_table_line_splits_a_number(view, width):
    """Every table line fits, has one cell per column (a wrapped cell would start a line of its
    own), and every numeric cell is a whole number such as 1.5e-09 (not 1.5e-0 and 9)."""
    run = gradcli(*VIEWS[view], env={"COLUMNS": str(width)})
    table = _table_lines(run.stdout, HEADERS[view])
    assert all(len(line) <= width for line in table), "\n".join(table)
    header_cells = len(re.split(r"\s{2,}", table[0].strip()))
    for line in table[1:]:
        if line.strip() in ("⋮",) or "2/λmax" in line:
            continue
        cells = re.split(r"\s{2,}", line.strip())
        # a wrapped cell would start a line of its own, not with a first-column value
        assert re.fullmatch(FIRST_CELL[view], cells[0]), f"{line!r} at width {width}"
        assert len(cells) <= header_cells, f"{line!r} at width {width}"
        for cell in cells:
            if NUMERIC_START.match(cell) and not cell.startswith("("):
                assert NUMBER.fullmatch(cell) or cell == "—", f"{cell!r} in {line!r}"
            if cell.startswith("("):
                assert cell.endswith(")"), f"a vector cut in {line!r}"


def test_path_marks_never_look_like_the_shading_and_paths_are_never_black_or_white():
    from gradcli.render.plots import PATH_COLOURS, PATH_MARKERS, RAMP, SHADE_COLOUR

    assert not set(PATH_MARKERS) & set(RAMP) and not set("SE") & set(RAMP)
    for colour in PATH_COLOURS:
        assert colour not in ((0, 0, 0), (255, 255, 255)) and colour != SHADE_COLOUR
        assert 60 <= sum(colour) / 3 <= 200  # mid-tones: visible on dark and light terminals


def test_every_path_of_compare_is_in_the_key_under_the_map():
    text = gradcli("compare", "rosenbrock", "--methods", "gd,momentum,nesterov,adagrad,rmsprop,"
                   "adam:lr=0.1,newton", "--plot", "--no-table", env={"COLUMNS": "60"}).stdout
    key = text.rstrip().splitlines()[-1]
    for marker, label in zip("●○◆◇▲△■", ["gd", "momentum", "nesterov", "adagrad", "rmsprop",
                                          "adam:lr=0.1", "newton"], strict=True):
        assert f"{marker} {label}" in key


def test_many_basins_are_grouped_and_the_global_minimum_is_marked():
    text = gradcli("descend", "rastrigin", "--starts", "random:500", "--seed", "1", "--plot",
                   "--no-table", env={"COLUMNS": "80"}).stdout
    assert "★" in text and "basins grouped)" in text
    rows = [line for line in text.splitlines() if line.startswith(("    │", " 5", "-5", " 0"))]
    assert not any("  " in row.split("│")[1] for row in rows if "│" in row[4:])  # no stripes
