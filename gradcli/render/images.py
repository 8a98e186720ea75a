"""Pictures to take away (`--save FILE`): PNG, SVG and PDF figures, and GIF animations.

matplotlib draws them (the Agg backend: never a window). It is an optional extra, imported only
here and only when --save is given, so start-up is unchanged. Every file is written to a
temporary file beside the target and renamed into place: no half-written file is ever left.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.counts import shown
from gradcli.errors import InputError
from gradcli.explore.surface import Curve, SurfaceGrid, drawn_steps
from gradcli.render.progress import progress_bar
from gradcli.symbolic.budget import outside_budget

FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf", ".gif": "gif"}
INSTALL = 'pip install "gradcli[images]"'
# Okabe & Ito's colour-blind-safe palette (black left out: paths go over dark contours too).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X"]
DASHES = ["-", "--", ":", "-."]  # with the marker, tells overlapping paths apart


def frame_steps(longest: int, most: int) -> np.ndarray:
    """Which recorded rows the frames of an animation end at: log-spaced, so a method that
    finishes in 20 steps and one that takes 10,000 both move on screen (a finished path stays
    drawn whole); every row when there are few."""
    if longest <= most:
        return np.arange(1, longest + 1)
    return np.unique(np.geomspace(1, longest, most).round().astype(int))
MAX_FRAMES = 200  # an animation subsamples its steps to at most this many frames
HOLD_SECONDS = 1.5  # the last frame is held this long


class Target(NamedTuple):
    path: Path
    format: str


class Run(NamedTuple):
    """One path to draw: its label and its recorded steps."""

    label: str
    k: np.ndarray
    x: np.ndarray  # (m, n): the points (n = 1 or 2 for a map)
    f: np.ndarray
    grad_norm: np.ndarray


def check_target(text: str) -> Target:
    """Refuse a bad --save before any work: suffix, directory, name length, writability,
    matplotlib."""
    if text.endswith(("/", os.sep)):
        raise InputError(f"--save '{text}' ends in '/', so it names a folder; give a file name "
                         "such as path.png.")
    path = Path(text).expanduser()
    suffix = path.suffix.lower()
    if suffix == ".mp4":
        raise InputError("--save cannot write .mp4: it needs the ffmpeg program, which does not "
                         "come from PyPI; save a .gif animation instead.")
    if suffix not in FORMATS:
        raise InputError(f"--save '{text}': the file name must end in .png, .svg, .pdf (a "
                         "figure) or .gif (an animation).")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        _check_place(text, path, folder)
    except OSError as error:  # a name the file system refuses (too long, a loop of links)
        raise InputError(f"--save '{shown(text)}': cannot be written there "
                         f"({error.strerror or error}); choose another name.") from None
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise InputError(f"--save needs matplotlib, which is not installed; install it with "
                         f"{INSTALL}.") from None
    return Target(path, FORMATS[suffix])


def _check_place(text: str, path: Path, folder: Path) -> None:
    if not folder.is_dir():
        raise InputError(f"--save '{text}': the folder '{folder}' does not exist; create it or "
                         "choose another.")
    longest = os.pathconf(folder, "PC_NAME_MAX")
    if len(path.name.encode()) > longest:
        raise InputError(f"--save '{shown(text)}': the file name has {len(path.name.encode())} "
                         f"bytes; this file system allows at most {longest}.")
    if not os.access(folder, os.W_OK) or (path.exists() and (path.is_dir() or
                                                            not os.access(path, os.W_OK))):
        raise InputError(f"--save '{text}': cannot write there; choose a writable file.")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 12, "axes.titlesize": 13, "lines.linewidth": 2,
                         "svg.hashsalt": "gradcli", "svg.fonttype": "none"})
    return plt


def _take_mode(temporary: str, path: Path) -> None:
    """An existing file keeps its mode and, where allowed, its owner; a new one gets an
    ordinary new file's mode (mkstemp makes it 0600)."""
    try:
        old = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        old = None
    if old is None or not stat.S_ISREG(old.st_mode):
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(temporary, 0o666 & ~mask)
        return
    os.chmod(temporary, stat.S_IMODE(old.st_mode))
    with contextlib.suppress(PermissionError):  # only root may give a file to someone else
        os.chown(temporary, old.st_uid, old.st_gid)


def _atomically(target: Target, write: Callable[[str], None], what: str = "") -> None:
    """Write through a temporary file in the same folder, then rename it into place, and say
    so on stderr (`what` adds, e.g., the number of frames)."""
    handle, temporary = tempfile.mkstemp(prefix=".gradcli-", suffix=target.path.suffix,
                                         dir=target.path.parent)
    os.close(handle)
    try:
        write(temporary)
        _take_mode(temporary, target.path)
        os.replace(temporary, target.path)
        sys.stderr.write(f"note: wrote {target.path}{what}.\n")
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"--save '{target.path}': could not be written ({reason}).") from None
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)


def _spans_decades(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and finite.min() >= 0 and finite.max() > 100 * max(
        finite[finite > 0].min() if (finite > 0).any() else 0, 1e-300)


def _contours(axes, grid: SurfaceGrid, plt, quantity: str = "f") -> None:
    """Filled contours with contour lines; log-spaced levels when f spans decades."""
    values = np.ma.masked_invalid(grid.values)
    if _spans_decades(grid.values):
        from matplotlib.colors import LogNorm

        positive = grid.values[np.isfinite(grid.values) & (grid.values > 0)]
        low = max(positive.min(), positive.max() * 1e-12)
        levels = np.geomspace(low, positive.max(), 25)
        shown = np.ma.masked_less_equal(values, 0)
        filled = axes.contourf(grid.xs, grid.ys, shown.clip(low), levels=levels,
                               norm=LogNorm(), cmap="Greys_r", alpha=0.9)
        axes.contour(grid.xs, grid.ys, shown.clip(low), levels=levels[::3], colors="#444444",
                     linewidths=0.6, norm=LogNorm())
    else:
        filled = axes.contourf(grid.xs, grid.ys, values, levels=25, cmap="Greys_r", alpha=0.9)
        axes.contour(grid.xs, grid.ys, values, levels=12, colors="#444444", linewidths=0.6)
    bar = plt.colorbar(filled, ax=axes, label=quantity + (" (log scale)" if _spans_decades(
        grid.values) else ""))
    if _spans_decades(grid.values):
        from matplotlib.ticker import LogFormatterSciNotation, LogLocator

        bar.ax.yaxis.set_major_locator(LogLocator())
        bar.ax.yaxis.set_major_formatter(LogFormatterSciNotation())


def _paths(axes, runs: Sequence[Run], minima: Sequence[Sequence[float]], upto: int | None = None):
    for index, run in enumerate(runs):
        colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        points = run.x if upto is None else run.x[:upto]
        keep = np.isfinite(points).all(axis=1)
        points = points[keep]
        if not len(points):
            continue
        axes.plot(points[:, 0], points[:, 1], color=colour, marker=marker, markersize=3,
                  label=run.label)
        axes.plot(*points[0], marker="o", markersize=9, color=colour, markeredgecolor="white")
        axes.plot(*points[-1], marker="*", markersize=14, color=colour, markeredgecolor="black")
    for point in minima:
        axes.plot(point[0], point[1], marker="P", markersize=12, color="white",
                  markeredgecolor="black", linestyle="none")


def _legend(axes, runs: Sequence[Run], minima) -> None:
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=PALETTE[i % len(PALETTE)], marker=MARKERS[i % len(MARKERS)],
                      label=run.label) for i, run in enumerate(runs)]
    handles += [Line2D([], [], marker="o", color="grey", linestyle="none", label="start"),
                Line2D([], [], marker="*", color="grey", markeredgecolor="black",
                       markersize=12, linestyle="none", label="end")]
    if minima:
        handles.append(Line2D([], [], marker="P", color="white", markeredgecolor="black",
                              markersize=10, linestyle="none", label="known minimum"))
    axes.legend(handles=handles, loc="best", framealpha=0.9)


def _convergence(axes, runs: Sequence[Run], quantity: str = "f") -> None:
    """f and ‖∇f‖ (or L and ‖∇L‖) against k for every run; log scale when they span decades."""
    twin = axes.twinx()
    for index, run in enumerate(runs):
        colour = PALETTE[index % len(PALETTE)]
        axes.plot(run.k, run.f, color=colour, label=f"{quantity}, {run.label}")
        twin.plot(run.k, run.grad_norm, color=colour, linestyle="--",
                  label=f"‖∇{quantity}‖, {run.label}")
    for values, which in ((np.concatenate([r.f for r in runs]), axes),
                          (np.concatenate([r.grad_norm for r in runs]), twin)):
        if _spans_decades(values):
            which.set_yscale("log")
    axes.set_xlabel("step k")
    axes.set_ylabel(f"{quantity} (solid)")
    twin.set_ylabel(f"‖∇{quantity}‖ (dashed)")
    axes.set_title("convergence")


@outside_budget
def paths_figure(target: Target, title: str, runs: Sequence[Run], grid: SurfaceGrid | None,
                 line: Curve | None, minima: Sequence[Sequence[float]],
                 names: Sequence[str], quantity: str = "f") -> None:
    """The map (two variables) or the curve (one) with every path, beside the convergence of
    the `quantity` minimised (f, or a loss L)."""
    plt = _pyplot()
    pictured = grid is not None or line is not None
    figure, axes = plt.subplots(1, 2 if pictured else 1, figsize=(15 if pictured else 8, 6),
                                squeeze=False)
    if grid is not None:
        _contours(axes[0][0], grid, plt, quantity)
        _paths(axes[0][0], runs, minima)
        _legend(axes[0][0], runs, minima)
        axes[0][0].set_xlabel(names[0])
        axes[0][0].set_ylabel(names[1])
        axes[0][0].set_title(f"{quantity} and the path" + ("s" if len(runs) > 1 else ""))
    elif line is not None:
        _curve_with_iterates(axes[0][0], line, runs, names[0])
    _convergence(axes[0][-1], runs, quantity)
    figure.suptitle(title)
    figure.tight_layout()
    _atomically(target, lambda name: figure.savefig(name, format=target.format, dpi=150))
    plt.close(figure)


def _curve_with_iterates(axes, line: Curve, runs: Sequence[Run], name: str,
                         upto: int | None = None):
    axes.plot(line.xs, line.values, color="#444444", label="f(x)")
    for index, run in enumerate(runs):
        colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        xs, fs = run.x[:upto, 0], run.f[:upto]
        away = "" if drawn_steps(run.x) == len(run.x) else " (then off the frame: it runs away)"
        axes.plot(xs, fs, color=colour, marker=marker, markersize=5, linewidth=1,
                  label=f"iterates, {run.label}{away}")
    finite = line.values[np.isfinite(line.values)]
    axes.set_xlim(line.xs[0], line.xs[-1])  # the curve's interval: a run-away's first swings
    if len(finite):
        axes.set_ylim(finite.min() - 0.05 * np.ptp(finite), finite.max() + 0.05 * np.ptp(finite))
    axes.set_xlabel(name)
    axes.set_ylabel(f"f({name})")
    axes.set_title("f and the iterates")
    axes.legend(loc="best")


@outside_budget
def animation(target: Target, title: str, runs: Sequence[Run], grid: SurfaceGrid | None,
              line: Curve | None, minima: Sequence[Sequence[float]], fps: float,
              names: Sequence[str]) -> int:
    """The path(s) growing step by step over the map (or the curve): at most MAX_FRAMES
    frames, the last one held for HOLD_SECONDS. The map is drawn once; each frame restores it
    and draws only the paths and the counter (blitting). Returns the number of frames."""
    if grid is None and line is None:
        raise InputError("--save .gif animates a path over the map of f, which needs a "
                         "function of one or two variables; save a .png instead.")
    plt = _pyplot()

    longest = max(len(run.k) for run in runs)
    frames = frame_steps(longest, MAX_FRAMES)
    figure, axes = plt.subplots(figsize=(9, 7), dpi=80)
    if grid is not None:
        _contours(axes, grid, plt)
        axes.set_ylabel(names[1])
        for point in minima:
            axes.plot(point[0], point[1], marker="P", markersize=12, color="white",
                      markeredgecolor="black", linestyle="none")
        _legend(axes, runs, minima)
        axes.set_xlim(grid.xs[0], grid.xs[-1])
        axes.set_ylim(grid.ys[0], grid.ys[-1])
    else:
        axes.plot(line.xs, line.values, color="#444444", label=f"f({names[0]})")
        axes.set_ylabel(f"f({names[0]})")
        finite = line.values[np.isfinite(line.values)]
        axes.set_ylim(finite.min() - 0.05 * np.ptp(finite), finite.max() + 0.05 * np.ptp(finite))
    axes.set_xlabel(names[0])
    traces = []
    for index, run in enumerate(runs):
        colour, marker = PALETTE[index % len(PALETTE)], MARKERS[index % len(MARKERS)]
        first = run.x[0, 0], (run.x[0, 1] if grid is not None else run.f[0])
        axes.plot(*first, marker="o", markersize=9, color=colour, markeredgecolor="white")
        (trace,) = axes.plot([], [], color=colour, marker=marker, markersize=4,
                             linestyle=DASHES[index % len(DASHES)],
                             label=f"iterates, {run.label}", animated=True)
        (head,) = axes.plot([], [], marker="*", markersize=14, color=colour,
                            markeredgecolor="black", linestyle="none", animated=True)
        traces.append((trace, head))
    if grid is None:
        axes.legend(loc="best")
    axes.set_title(title)
    counter = figure.text(0.02, 0.02, "", fontsize=13, animated=True)
    figure.tight_layout()
    canvas = figure.canvas
    canvas.draw()
    background = canvas.copy_from_bbox(figure.bbox)
    pictures = []
    with progress_bar(len(frames), "drawing frames") as progress:
        for upto in frames:
            if interrupts.flag[0]:  # Ctrl-C: no half-drawn animation is written
                plt.close(figure)
                raise KeyboardInterrupt
            if progress is not None:
                progress(len(pictures))
            pictures.append(_frame(figure, axes, (canvas, background), runs, traces, counter,
                                   int(upto), grid is not None))
    plt.close(figure)
    pause = round(1000 / fps)
    durations = [pause] * (len(pictures) - 1) + [max(pause, round(HOLD_SECONDS * 1000))]
    _atomically(target, lambda name: pictures[0].save(
        name, format="GIF", save_all=True, append_images=pictures[1:], duration=durations,
        loop=0, disposal=1), f" ({len(pictures)} frames)")
    return len(pictures)


def _frame(figure, axes, drawing, runs: Sequence[Run], traces, counter, upto: int,
           on_map: bool):
    """One frame of an animation: the background restored, each path up to step `upto` drawn
    on it (blitting), as a palette image."""
    from PIL import Image

    canvas, background = drawing
    canvas.restore_region(background)
    for run, (trace, head) in zip(runs, traces, strict=True):
        count = min(upto, len(run.k))
        xs = run.x[:count, 0]
        ys = run.x[:count, 1] if on_map else run.f[:count]
        trace.set_data(xs, ys)
        head.set_data(xs[-1:], ys[-1:])
        axes.draw_artist(trace)
        axes.draw_artist(head)
    counter.set_text(f"k = {max(int(run.k[min(upto, len(run.k)) - 1]) for run in runs)}")
    figure.draw_artist(counter)
    rgba = np.asarray(canvas.buffer_rgba())
    return Image.fromarray(rgba[..., :3].copy()).convert("P", palette=Image.Palette.ADAPTIVE)


@outside_budget
def sweep_figure(target: Target, title: str, rates: np.ndarray, finals: np.ndarray,
                 steps: np.ndarray, diverged: np.ndarray, bounds: Sequence[float]) -> None:
    """Final f and steps to tolerance against the rate (log axes), 2/λmax marked."""
    plt = _pyplot()
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(9, 8), sharex=True)
    good = ~diverged & np.isfinite(finals)
    top.scatter(rates[good], finals[good], color=PALETTE[0], label="final f")
    if diverged.any():
        top.scatter(rates[diverged], np.full(diverged.sum(), np.nanmax(
            np.where(good, finals, np.nan)) if good.any() else 1.0), marker="x", s=80,
            color=PALETTE[1], label="diverged")
    if _spans_decades(finals[good]):
        top.set_yscale("log")
    top.set_ylabel("final f")
    bottom.scatter(rates[np.isfinite(steps)], steps[np.isfinite(steps)], color=PALETTE[2],
                   label="steps to tolerance")
    bottom.set_ylabel("steps to tolerance")
    bottom.set_xlabel("learning rate η (log scale)")
    for axes in (top, bottom):
        axes.set_xscale("log")
        for bound in bounds:
            axes.axvline(bound, color=PALETTE[3], linestyle="--", label="2/λmax")
        handles, labels = axes.get_legend_handles_labels()
        unique = dict(zip(labels, handles, strict=True))
        axes.legend(unique.values(), unique.keys(), loc="best")
    figure.suptitle(title)
    figure.tight_layout()
    _atomically(target, lambda name: figure.savefig(name, format=target.format, dpi=150))
    plt.close(figure)


@outside_budget
def points_figure(target: Target, title: str, grid: SurfaceGrid,
                  groups: Sequence[tuple[str, np.ndarray]], legend_title: str,
                  names: Sequence[str]) -> None:
    """Points over the map of f, one colour and marker per group (basins, or kinds of
    critical point)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(10, 8))
    _contours(axes, grid, plt)
    for index, (label, points) in enumerate(groups):
        if len(points):
            axes.scatter(points[:, 0], points[:, 1], s=18 if len(points) > 50 else 60,
                         color=PALETTE[index % len(PALETTE)],
                         marker=MARKERS[index % len(MARKERS)], label=label,
                         edgecolors="black" if len(points) <= 50 else "none")
    axes.legend(title=legend_title, loc="best", framealpha=0.9)
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])
    axes.set_title(title)
    figure.tight_layout()
    _atomically(target, lambda name: figure.savefig(name, format=target.format, dpi=150))
    plt.close(figure)


@outside_budget
def embedding_figure(target: Target, title: str, groups: Sequence[Sequence[tuple]],
                     steps: np.ndarray, losses: np.ndarray, best: float,
                     vocabulary: Sequence[str], planes: Sequence[np.ndarray],
                     frames: Sequence[tuple]) -> None:
    """The word vectors before and after training (each word labelled, one colour per group;
    each panel framed on the group words, the other words faint, those outside counted) and
    the loss against the step with its floor H(context | word) marked."""
    plt = _pyplot()
    figure, axes = plt.subplots(1, 3, figsize=(20, 6.5))
    for panel, (grouped, plane, name) in enumerate(zip(groups, planes, ("before", "after"),
                                                       strict=True)):
        ax = axes[panel]
        box, outside = frames[panel]
        filler = len(grouped) - 1  # the last group holds the other words
        for index, (label, points) in enumerate(grouped):
            if len(points):
                ax.scatter(points[:, 0], points[:, 1], s=30 if index < filler else 14,
                           label=label.split(" (")[0], alpha=1.0 if index < filler else 0.4,
                           color=PALETTE[index % len(PALETTE)] if index < filler else "#999999",
                           marker=MARKERS[index % len(MARKERS)])
        others = {tuple(point) for point in grouped[filler][1].tolist()} if filler >= 0 else set()
        for word, (x, y) in zip(vocabulary, plane, strict=True):
            faint = (float(x), float(y)) in others
            ax.annotate(word, (x, y), fontsize=6 if faint else 8, alpha=0.5 if faint else 1.0,
                        xytext=(3, 3), textcoords="offset points")
        if box is not None:
            ax.set_xlim(*box[0])
            ax.set_ylim(*box[1])
        ax.set_title(f"{name} training" + (f" ({outside} other words outside the frame)"
                                           if outside else ""))
        ax.legend(loc="best", fontsize=9)
    axes[2].plot(steps, losses, color=PALETTE[0], label="loss L")
    axes[2].axhline(best, color=PALETTE[1], linestyle="--", label="H(context | word)")
    axes[2].set_xlabel("step k")
    axes[2].set_ylabel("L")
    axes[2].legend(loc="best")
    axes[2].set_title("loss")
    figure.suptitle(title)
    figure.tight_layout()
    _atomically(target, lambda name: figure.savefig(name, format=target.format, dpi=150))
    plt.close(figure)
