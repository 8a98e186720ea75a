"""`fit` and `data`: learning a model's parameters from data by minibatch SGD."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gradcli.cli.app import Json, app, run, status_on_stderr, whole_number
from gradcli.cli.completion import data_names
from gradcli.cli.options import (
    Accumulate,
    Beta1,
    Beta2,
    ClipNorm,
    ClipValue,
    Decay,
    Eps,
    Method,
    Momentum,
    Plot,
    Schedule,
    Table,
    check_positive,
    method_options,
    one_output,
    transforms_from,
)
from gradcli.cli.pictures import Figure, target_of

DEFAULT_BATCH = 32
DEFAULT_EPOCHS = 100


def _batch(text: str) -> int | None:
    from gradcli.errors import InputError

    if text == "full":
        return None
    try:
        value = whole_number(text)
    except typer.BadParameter:
        value = 0
    if value < 1:
        raise InputError(f"--batch takes a whole number ≥ 1 or full, not '{text}'.")
    return value


@app.command()
def fit(
    model: Annotated[str | None, typer.Argument(
        metavar="[MODEL]", show_default=False,
        help="The model, an expression in data columns and parameters (\"w*x + b\"); K class "
             "scores as comma-separated expressions. Or use --model.")] = None,
    data: Annotated[str, typer.Option(
        "--data", metavar="SOURCE", autocompletion=data_names,
        help="A CSV file with a header row, '-' for stdin, or a shipped data set (gradcli data "
             "lists them).")] = "",
    target: Annotated[str, typer.Option("--target", metavar="COLUMN",
                                        help="The column to predict.")] = "",
    preset: Annotated[str | None, typer.Option(
        "--model", metavar="PRESET", help="linear (ŷ = w·x + b), logistic (binary) or "
                                          "softmax (K classes: z = Wx + b).",
        show_default=False)] = None,
    loss: Annotated[str | None, typer.Option(
        "--loss", help="mse, mae, bce (binary, from a logit) or ce (softmax cross-entropy); "
                       "default: mse for numbers, bce for logistic, ce for softmax or K scores.",
        show_default=False)] = None,
    features: Annotated[str | None, typer.Option(
        "--features", metavar="A,B", help="Columns a preset reads (default: all but the "
                                          "target).", show_default=False)] = None,
    params: Annotated[str | None, typer.Option(
        "--params", metavar="P,Q", help="The model's parameters (default: every name that is "
                                        "not a column).", show_default=False)] = None,
    standardize: Annotated[bool, typer.Option(
        "--standardize", help="Rescale each feature to mean 0, standard deviation 1 (training "
                              "rows); parameters are also reported in the original units.")
    ] = False,
    batch: Annotated[str | None, typer.Option(
        "--batch", metavar="B", help=f"Rows per minibatch, or full (full-batch gradient "
                                     f"descent). Default: {DEFAULT_BATCH}, or every training "
                                     "row when there are fewer.")] = None,
    epochs: Annotated[int, typer.Option("--epochs", parser=whole_number,
                                        help="Passes over the training rows.")] = DEFAULT_EPOCHS,
    lr: Annotated[float, typer.Option("--lr", help="Learning rate η.")] = 0.01,
    method: Method = "gd",
    momentum: Momentum = None,
    decay: Decay = None,
    beta1: Beta1 = None,
    beta2: Beta2 = None,
    eps: Eps = None,
    schedule: Schedule = None,
    clip_norm: ClipNorm = None,
    clip_value: ClipValue = None,
    accumulate: Accumulate = False,
    val: Annotated[float | None, typer.Option(
        "--val", metavar="FRACTION", help="Hold out this share of rows (seeded) for "
                                          "validation.", show_default=False)] = None,
    init: Annotated[str, typer.Option(
        "--init", help="zeros, or random:SCALE (seeded normal values times SCALE).")] = "zeros",
    seed: Annotated[int, typer.Option(
        "--seed", parser=whole_number, help="Seed of the shuffling, the split and --init "
                                            "random: the same seed, the same run.")] = 0,
    tol: Annotated[float, typer.Option(
        "--tol", help="Stop when ‖∇L‖ over the training set ≤ tol (0 turns it off).")] = 1e-6,
    table: Table = True,
    plot: Plot = None,
    save: Figure = None,
    json: Json = False,
    csv: Annotated[bool, typer.Option("--csv", help="Print one row per epoch as CSV.")] = False,
    quiet: Annotated[bool, typer.Option(
        "--quiet", "-q", help="Print only the parameters, as space-separated numbers.")] = False,
) -> None:
    """Learn a model's parameters from data with minibatch SGD.

    The training loop made visible: shuffled minibatches each epoch, the exact gradient of the
    loss (the model's partials times the loss head), the optimizer's step.

    Exit code 0 converged, 3 stopped at the epoch limit, 4 diverged, 130 interrupted.

    Examples:

      gradcli fit "w*income + b" --data engel --target foodexp --standardize --batch 16

      gradcli fit --model softmax --data iris --target species --standardize --val 0.2

      gradcli fit --model linear --data anscombe --features x --target y --standardize --lr 0.1

      gradcli fit "w*x + b" --data points.csv --target y --accumulate --lr 0.001

      gradcli fit --model linear --data engel --target foodexp --standardize --save fit.png
    """

    def body():
        import numpy as np

        from gradcli.counts import counted
        from gradcli.engine.plan import make_plan
        from gradcli.engine.result import TRAINING_EXIT_CODES
        from gradcli.errors import InputError
        from gradcli.learn.fitting import initial, prepare
        from gradcli.learn.fitting import run as train_model
        from gradcli.render.progress import progress_bar

        one_output(json=json, csv=csv, quiet=quiet)
        check_positive(lr, "--lr")
        check_positive(tol, "--tol", allow_zero=True)
        if not data:
            raise InputError("--data is required: a CSV file, '-' or a shipped data set such "
                             "as iris (gradcli data lists them).")
        if not target:
            raise InputError("--target is required: the column to predict, e.g. --target y.")
        if epochs < 1:
            raise InputError(f"--epochs must be a whole number ≥ 1, not {epochs}.")
        rows = DEFAULT_BATCH if batch is None else _batch(batch)
        picture = target_of(save, still="fit")
        plan = make_plan(method, method_options(momentum, decay, beta1, beta2, eps), schedule,
                         transforms_from(None, None, accumulate, clip_norm, clip_value))
        setup = prepare(model, preset, data, target, loss, features, params, standardize, val,
                        seed)
        for note in setup.notes:
            sys.stderr.write(f"note: {note}\n")
        theta0 = initial(init, len(setup.model.params), seed)
        if batch is None and len(setup.train.y) < DEFAULT_BATCH:
            rows = len(setup.train.y)
            sys.stderr.write(f"note: the data has {counted(rows, 'training row')}, fewer than "
                             f"the default --batch {DEFAULT_BATCH}; each step uses all of them."
                             "\n")
        drawing = (plot if plot is not None else sys.stdout.isatty()) or picture is not None
        with progress_bar(epochs) as progress, np.errstate(all="ignore"):
            outcome = train_model(setup, plan, lr, rows, epochs, seed, tol, theta0, progress,
                                  drawing and len(theta0) == 2)
        settings = {"method": plan.rule.name, "lr": lr, **plan.params,
                    "batch": "full" if rows is None else rows,
                    "epochs": epochs, "seed": seed, "init": init}
        if plan.transforms.accumulate:
            settings["accumulate"] = True
        with np.errstate(all="ignore"):  # a diverged run's numbers overflow: shown, not warned
            _show(outcome, settings, json=json, csv=csv, quiet=quiet, table=table, plot=plot)
            if picture is not None:
                _save(picture, outcome, settings)
        return TRAINING_EXIT_CODES[outcome.fit.status]

    run(body)


def _settings_text(settings: dict) -> str:
    return ", ".join(f"{key} {value}" for key, value in settings.items())


def _show(outcome, settings, *, json, csv, quiet, table, plot) -> None:
    status_on_stderr(outcome.fit.status, outcome.message, machine=json or csv or quiet,
                     success=outcome.fit.status in ("converged", "max_epochs"))
    if json:
        from gradcli.render.fitting import fit_dict
        from gradcli.render.jsonout import emit as emit_json

        emit_json(fit_dict(outcome, {"settings": settings}))
        return
    if csv:
        from gradcli.render.fitting import write_epochs_csv

        write_epochs_csv(outcome, sys.stdout)
        return
    if quiet:
        sys.stdout.write(" ".join(repr(float(v)) for v in outcome.fit.theta) + "\n")
        return
    from gradcli.render.console import emit, plot_width, wants_colour
    from gradcli.render.fitting import fit_view

    if table:
        emit(fit_view(outcome, _settings_text(settings)))
    else:
        from rich.text import Text

        emit(Text(outcome.message))
    if plot if plot is not None else sys.stdout.isatty():
        sys.stdout.write("\n" + _plots(outcome, plot_width(), wants_colour(sys.stdout)))


def _plots(outcome, width: int, colour: bool) -> str:
    """Loss against epoch; the data with the fitted curve (one feature); the loss surface
    with the minibatch and full-batch paths (two parameters)."""
    import numpy as np

    from gradcli.render.plots import Series, convergence_plot, data_plot, surface_map

    fit, setup = outcome.fit, outcome.problem
    k = np.array([e.epoch for e in fit.epochs])
    series = [Series("train", k, np.array([e.train_loss for e in fit.epochs]))]
    if setup.val is not None:
        series.append(Series("validation", k, np.array([e.val_loss for e in fit.epochs])))
    parts = [convergence_plot(series, "loss against epoch", width, 14, colour)]
    if len(setup.model.features) == 1 and setup.model.classes == 1 and setup.loss != "bce":
        x = setup.train.X[:, 0]
        xs = np.linspace(x.min(), x.max(), 200)
        fitted = setup.model.scores(xs[:, None], fit.theta)[:, 0]
        parts.append(data_plot(x, setup.train.y, xs, fitted,
                               (setup.model.features[0], setup.target), width, 18, colour))
    if len(fit.theta) == 2:
        # one sample per character column: a coarser grid leaves blank stripes when wide
        parts.append(surface_map(_surface(outcome, width), _paths(outcome), width, 24, colour))
    return "\n\n".join(parts) + "\n"


def _paths(outcome) -> list:
    paths = [("minibatch SGD", outcome.fit.path)]
    if outcome.full_batch is not None:
        paths.append(("full batch", outcome.full_batch.path))
    return paths


def _surface(outcome, columns: int = 80, rows: int = 22):
    import numpy as np

    from gradcli.explore.surface import SurfaceGrid, box_around
    from gradcli.learn.training import loss_surface

    points = np.vstack([path for _, path in _paths(outcome)])
    xs, ys, values = loss_surface(outcome.problem.model, outcome.problem.loss,
                                  outcome.problem.train, box_around(points), columns, rows)
    return SurfaceGrid(xs, ys, values)


def _save(picture, outcome, settings) -> None:
    """The figure: the loss and ‖∇L‖ over the training set at each recorded step; for two
    parameters also the loss surface with the minibatch and full-batch paths."""
    import numpy as np

    from gradcli.learn.training import loss_and_gradient
    from gradcli.render import images

    setup = outcome.problem
    runs = []
    for label, fit in (("minibatch SGD", outcome.fit), ("full batch", outcome.full_batch)):
        if fit is None:
            continue
        measured = [loss_and_gradient(setup.model, setup.loss, setup.train, theta)[:2]
                    for theta in fit.path]
        runs.append(images.Run(label, fit.steps, fit.path,
                               np.array([value for value, _ in measured]),
                               np.array([np.linalg.norm(g) for _, g in measured])))
    grid = _surface(outcome, 120, 120) if len(outcome.fit.theta) == 2 else None
    title = f"fit {setup.model.kind}: {setup.model.formula}\n{_settings_text(settings)}"
    images.paths_figure(picture, title, runs, grid, None, [], setup.model.params,
                        f"training loss L ({setup.loss})")


data_app = typer.Typer(no_args_is_help=False, invoke_without_command=True)
app.add_typer(data_app, name="data")


@data_app.callback(invoke_without_command=True)
def data_sets(
    ctx: typer.Context,
    json: Json = False,
) -> None:
    """The data sets shipped with gradcli, for fit.

    Examples:

      gradcli data

      gradcli data show iris
    """
    if ctx.invoked_subcommand is not None:
        return

    def body():
        from gradcli.learn.datasets import cards

        found = cards()
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json({"datasets": [card._asdict() for card in found]})
            return
        from gradcli.render.console import emit
        from gradcli.render.fitting import data_listing

        emit(data_listing(found))

    run(body)


@data_app.command("show")
def data_show(
    name: Annotated[str, typer.Argument(help="A shipped data set, e.g. iris.",
                                        autocompletion=data_names)],
    json: Json = False,
) -> None:
    """One data set in full: source, licence, columns, rows and a command to try.

    Examples:

      gradcli data show iris

      gradcli data show engel --json
    """

    def body():
        from gradcli.errors import InputError
        from gradcli.learn.datasets import card, shipped_names

        if name not in shipped_names():
            raise InputError(f"unknown data set '{name}'; the shipped ones are "
                             f"{', '.join(shipped_names())}.")
        found = card(name)
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json(found._asdict())
            return
        from gradcli.render.console import emit
        from gradcli.render.fitting import data_card

        emit(data_card(found))

    run(body)
