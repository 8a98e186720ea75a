"""Named benchmark functions: TOML files in `functions/` and in GRADCLI_FUNCTIONS_PATH.

The packaged copy (inside an installed wheel) is read first, then the checkout's top-level
`functions/` (an editable install), then every directory in GRADCLI_FUNCTIONS_PATH. A file is
named after its function (`rosenbrock.toml` holds `name = "rosenbrock"`), so looking up one name
reads one file. A malformed file is reported with its path and the key at fault, and skipped.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import stat
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from gradcli.errors import InputError

PACKAGED = Path(__file__).parent / "functions"
CHECKOUT = Path(__file__).parent.parent / "functions"
PATH_VARIABLE = "GRADCLI_FUNCTIONS_PATH"
NAME = re.compile(r"[a-z][a-z0-9_]{0,63}\Z")
KINDS = ("local minimum", "saddle", "maximum", "degenerate")


class Point(NamedTuple):
    kind: str  # "global minimum" or one of KINDS
    point: tuple[float, ...]
    value: float


class LibraryFunction(NamedTuple):
    name: str
    title: str
    expression: str
    variables: tuple[str, ...]
    start: tuple[float, ...]
    lr: float
    domain: tuple[tuple[float, float], ...]
    minima: tuple[Point, ...]  # every known global minimum
    points: tuple[Point, ...]  # other notable critical points
    stability_bound: float | None
    smooth: bool
    note: str
    source: str
    path: Path
    dim: int | None = None  # a vector function's default n; its start is a repeated pattern
    minimum: tuple[str, str] | None = None  # x[i] and f at the global minimum, in i and n

    def reordered(self, names: tuple[str, ...]) -> LibraryFunction:
        """The same function with every coordinate (start, domain, minima, points) given in the
        order `names`, which must be a permutation of its variables (`--vars y,x`)."""
        if sorted(names) != sorted(self.variables):
            extra = [name for name in names if name not in self.variables]
            if extra:
                raise InputError(f"{self.name} is a function of {', '.join(self.variables)}; "
                                 f"--vars may reorder them but not add '{extra[0]}'.")
        if names == self.variables:
            return self
        order = [self.variables.index(name) for name in names]

        def permute(values: tuple) -> tuple:
            return tuple(values[i] for i in order)

        return self._replace(
            variables=names, start=permute(self.start), domain=permute(self.domain),
            minima=tuple(m._replace(point=permute(m.point)) for m in self.minima),
            points=tuple(m._replace(point=permute(m.point)) for m in self.points))


class Malformed(NamedTuple):
    path: Path
    message: str


def directories() -> list[Path]:
    """Where function files live, in lookup order (a later file never replaces an earlier one)."""
    found = [PACKAGED if PACKAGED.is_dir() else CHECKOUT]
    extra = os.environ.get(PATH_VARIABLE, "")
    found += [Path(part) for part in extra.split(os.pathsep) if part]
    return found


class _Reader:
    """Checks one parsed file, naming the offending key in every complaint."""

    def __init__(self, path: Path, data: dict[str, Any]):
        self.path, self.data = path, data

    def fail(self, key: str, problem: str) -> InputError:
        return InputError(f"{self.path}: key '{key}' {problem}")

    def text(self, key: str, default: str | None = None) -> str:
        return self.text_in(self.data, key, default)

    def text_in(self, table: dict[str, Any], key: str, default: str | None = None) -> str:
        value = table.get(key.rpartition(".")[2], default)
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "must be a non-empty string")
        return value

    def number(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) \
                or not math.isfinite(value):
            raise self.fail(key, f"must hold finite numbers, not {value!r}")
        return float(value)

    def vector(self, value: Any, key: str, length: int) -> tuple[float, ...]:
        if not isinstance(value, list) or len(value) != length:
            raise self.fail(key, f"must be a list of {length} numbers (one per variable)")
        return tuple(self.number(v, key) for v in value)

    def points(self, key: str, length: int, kind: str | None) -> tuple[Point, ...]:
        entries = self.data.get(key, [])
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise self.fail(key, "must be a list of tables ([[" + key + "]])")
        out = []
        for entry in entries:
            point_kind = kind or entry.get("kind")
            if point_kind not in (*KINDS, "global minimum"):
                raise self.fail(f"{key}.kind", f"must be one of {', '.join(KINDS)}")
            out.append(Point(point_kind, self.vector(entry.get("point"), f"{key}.point", length),
                             self.number(entry.get("value"), f"{key}.value")))
        return tuple(out)


MAX_FILE_BYTES = 65_536  # a function file is a few hundred bytes; this bounds a hostile one
FILE_SECONDS = 1.0  # each file's expressions get their own share of the budget


def _load_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML of a regular file of at most MAX_FILE_BYTES (never a FIFO or a device:
    opening a FIFO waits for a writer, /dev/zero never ends)."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError(f"{path}: is not a regular file; function files are plain .toml "
                             "files.")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise InputError(f"{path}: is larger than {MAX_FILE_BYTES // 1024} KiB; a function "
                             "file holds one function.")
        return tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot be read ({error}).") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"{path}: is not valid TOML ({error}).") from None
    except RecursionError:
        raise InputError(f"{path}: is nested too deeply to be a function file.") from None


def shipped(path: Path) -> bool:
    """A file that comes with gradcli: trusted, its expressions checked once by the test suite
    (tests/test_library.py), so listing and showing the library never runs SymPy on them."""
    return path.parent in (PACKAGED, CHECKOUT)


def read(path: Path) -> LibraryFunction:
    """Read and validate one file; a user's file under a budget of its own (CPU time) so one
    bad file cannot use up the command's. InputError names the path and the key at fault."""
    from gradcli.errors import SymbolicTimeout
    from gradcli.symbolic.budget import time_budget

    if shipped(path):
        return _read(path, check_expressions=False)
    try:
        with time_budget(f"reading {path.name}", FILE_SECONDS):
            return _read(path)
    except SymbolicTimeout:
        raise InputError(f"{path}: its expressions took more than {FILE_SECONDS:g} s of CPU "
                         "time to read; simplify them.") from None


def _read(path: Path, check_expressions: bool = True) -> LibraryFunction:
    """Read and validate one file; InputError names the path and the key at fault. Without
    `check_expressions` the formulas are taken as written (a shipped file's)."""
    data = _load_toml(path)
    reader = _Reader(path, data)
    name = reader.text("name")
    if not NAME.match(name) or name != path.stem:
        raise reader.fail("name", f"must be lower-case letters, digits and '_', and match the "
                                  f"file name '{path.stem}'")
    variables = data.get("variables")
    if not isinstance(variables, list) or not variables \
            or not all(isinstance(v, str) for v in variables):
        raise reader.fail("variables", "must be a list of variable names")
    expression = reader.text("expression")
    if "dim" in data:
        return _read_vector(reader, path, name, expression, variables, check_expressions)
    if check_expressions:
        _check_expression(reader, expression, variables)
    n = len(variables)
    lr = reader.number(data.get("lr"), "lr")
    if lr <= 0:
        raise reader.fail("lr", "must be a number > 0")
    domain = data.get("domain")
    if not isinstance(domain, list) or len(domain) != n:
        raise reader.fail("domain", f"must be a list of {n} [low, high] pairs")
    box = tuple(reader.vector(pair, "domain", 2) for pair in domain)
    if any(low >= high for low, high in box):
        raise reader.fail("domain", "needs low < high in every pair")
    bound = data.get("stability_bound")
    smooth = data.get("smooth", True)
    if not isinstance(smooth, bool):
        raise reader.fail("smooth", "must be true or false")
    return LibraryFunction(
        name=name,
        title=reader.text("title"),
        expression=expression,
        variables=tuple(variables),
        start=reader.vector(data.get("start"), "start", n),
        lr=lr,
        domain=box,
        minima=reader.points("minima", n, "global minimum"),
        points=reader.points("points", n, None),
        stability_bound=None if bound is None else reader.number(bound, "stability_bound"),
        smooth=smooth,
        note=reader.text("note"),
        source=reader.text("source"),
        path=path,
    )


MAX_DEFAULT_DIM = 1_000_000


def _check_expression(reader: _Reader, expression: str, variables: list[str]) -> None:
    from gradcli.symbolic.parsing import order_variables, parse

    try:
        order_variables(parse(expression).names, ",".join(variables))
    except InputError as error:
        raise reader.fail("expression", f"is not usable: {error}") from None


def _check_vector_expressions(reader: _Reader, expression: str, variables: list[str],
                              rule: tuple[str, str] | None) -> None:
    from gradcli.symbolic.parsing import parse

    try:
        parsed = parse(expression)
    except InputError as error:
        raise reader.fail("expression", f"is not usable: {error}") from None
    if parsed.names or list(parsed.vectors) != variables:
        raise reader.fail("variables", "must list the expression's vectors (and it may have no "
                                       "scalars)")
    for key, text in zip(("minimum.point", "minimum.value"), rule or (), strict=False):
        try:
            used = set(parse(text).names)
        except InputError as error:
            raise reader.fail(key, f"is not usable: {error}") from None
        if used - {"i", "n"}:
            raise reader.fail(key, "may use only i and n")


def _read_vector(reader: _Reader, path: Path, name: str, expression: str,
                 variables: list[str], check_expressions: bool) -> LibraryFunction:
    """A function of vectors: `dim` (default n), `start` (a pattern repeated to length n),
    `domain` (one [low, high] for every coordinate), `[minimum]` (formulas in i and n)."""
    dim = reader.data["dim"]
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= MAX_DEFAULT_DIM:
        raise reader.fail("dim", f"must be a whole number from 1 to {MAX_DEFAULT_DIM}")
    pattern = reader.data.get("start")
    if not isinstance(pattern, list) or not pattern:
        raise reader.fail("start", "must be a list of numbers, repeated to length n")
    start = tuple(reader.number(v, "start") for v in pattern)
    lr = reader.number(reader.data.get("lr"), "lr")
    if lr <= 0:
        raise reader.fail("lr", "must be a number > 0")
    domain = reader.data.get("domain")
    if not isinstance(domain, list) or len(domain) != 1:
        raise reader.fail("domain", "must hold one [low, high] pair, for every coordinate")
    box = (reader.vector(domain[0], "domain", 2),)
    if box[0][0] >= box[0][1]:
        raise reader.fail("domain", "needs low < high")
    minimum = reader.data.get("minimum")
    rule = None
    if minimum is not None:
        if not isinstance(minimum, dict):
            raise reader.fail("minimum", "must be a table with point and value formulas")
        rule = (reader.text_in(minimum, "minimum.point"), reader.text_in(minimum, "minimum.value"))
    if check_expressions:
        _check_vector_expressions(reader, expression, variables, rule)
    return LibraryFunction(
        name=name, title=reader.text("title"), expression=expression,
        variables=tuple(variables), start=start, lr=lr, domain=box, minima=(), points=(),
        stability_bound=None, smooth=True, note=reader.text("note"),
        source=reader.text("source"), path=path, dim=dim, minimum=rule)


def _files() -> Iterator[Path]:
    for directory in directories():
        if os.path.isdir(directory):  # False, not an error, for a name too long to exist
            yield from sorted(directory.glob("*.toml"))


def load_all() -> tuple[list[LibraryFunction], list[Malformed]]:
    """Every function (first file of each name wins) and every file that could not be used."""
    functions: dict[str, LibraryFunction] = {}
    malformed: list[Malformed] = []
    for path in _files():
        if path.stem in functions:
            continue
        try:
            functions[path.stem] = read(path)
        except InputError as error:
            malformed.append(Malformed(path, str(error)))
    return sorted(functions.values(), key=lambda f: f.name), malformed


def find(name: str) -> LibraryFunction | None:
    """The function stored under exactly this name, reading only its own file; else None."""
    if not NAME.match(name):
        return None
    for directory in directories():
        path = directory / f"{name}.toml"
        if os.path.exists(path):  # False, not an error, for a name too long to exist
            return read(path)
    return None


def find_for_expression(word: str) -> LibraryFunction | None:
    """`find`, for a word that may also be an expression: a short word (as short as a variable
    name, under 4 characters) whose function file cannot be used is noted on stderr and read as
    an expression (`x` stays the variable x); a longer one names the file's problem."""
    try:
        return find(word)
    except InputError as error:
        if len(word) >= 4:
            raise
        sys.stderr.write(f"note: {error} Reading '{word}' as an expression.\n")
        return None


def names() -> list[str]:
    return sorted({path.stem for path in _files()})


def closest(name: str) -> list[str]:
    return difflib.get_close_matches(name, names(), n=3, cutoff=0.75)


def unknown(name: str) -> InputError:
    near = closest(name)
    hint = f"did you mean {' or '.join(near)}?" if near else "see 'gradcli functions' for the list."
    return InputError(f"unknown function '{name}'; {hint}")
