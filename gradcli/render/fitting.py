"""`fit` and `data` for people (tables, sentences) and programs (dicts, CSV)."""

from __future__ import annotations

import csv
from typing import Any, TextIO

import numpy as np
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from gradcli.learn.datasets import Card
from gradcli.learn.fitting import Outcome, original_scale
from gradcli.render.console import output_width
from gradcli.render.descent import shown_rows
from gradcli.render.fitted import Column, Num, dropped_note, fitted_table
from gradcli.render.numbers import fmt

STATUS_STYLE = {"converged": "bold green", "max_epochs": "bold yellow", "diverged": "bold red",
                "interrupted": "bold magenta"}


def _describe(outcome: Outcome, settings: str) -> Text:
    p = outcome.problem
    rows = len(p.train.y) + (len(p.val.y) if p.val is not None else 0)
    split = f"{len(p.train.y)} train, {len(p.val.y)} validation" if p.val is not None \
        else "all for training"
    what = f"{len(p.classes)} classes: {', '.join(p.classes)}" if p.classes else "numbers"
    features = ", ".join(p.model.features) or "none"
    lines = [f"fit {p.model.kind}: {p.model.formula}",
             f"data {p.table.where}: {rows} rows ({split}); features {features}; target "
             f"{p.target} ({what})",
             f"loss {p.loss}; {settings}"]
    if p.scaling is not None:
        scaled = ", ".join(f"{name} = ({name} − {fmt(m, 6)})/{fmt(s, 6)}" for name, m, s in
                           zip(p.model.features, p.scaling.mean, p.scaling.std, strict=True))
        lines.append(f"standardized (with the training rows' mean and standard deviation): "
                     f"{scaled}")
    return Text("\n".join(lines))


def epoch_table(outcome: Outcome) -> tuple[Group, list[str]]:
    epochs = outcome.fit.epochs
    has_val = epochs[0].val_loss is not None
    has_accuracy = epochs[0].train_accuracy is not None
    columns = [Column("epoch", keep=True), Column("train loss", rank=3),
               *([Column("val loss", rank=2)] if has_val else []),
               *([Column("val accuracy" if has_val else "accuracy", rank=2)] if has_accuracy
                 else []),
               Column("‖∇L‖", rank=1), Column("lr")]
    rows = []
    for index in shown_rows(np.array([e.epoch for e in epochs]), None, False):
        if index is None:
            rows.append(["⋮", *[""] * (len(columns) - 1)])
            continue
        e = epochs[index]
        accuracy = e.val_accuracy if has_val else e.train_accuracy
        rows.append([str(e.epoch), Num(e.train_loss, "g", 7),
                     *([Num(e.val_loss, "g", 7)] if has_val else []),
                     *([f"{accuracy:.3f}"] if has_accuracy else []),
                     Num(e.grad_norm, "e", 4), "" if e.epoch == 0 else Num(e.lr, "g", 6)])
    return fitted_table(columns, rows, output_width())


def parameter_table(outcome: Outcome) -> tuple[Group, list[str]]:
    p, theta = outcome.problem, outcome.fit.theta
    original = original_scale(p, theta)
    columns = [Column("parameter", "left", keep=True), Column("value", keep=True)]
    if original is not None:
        columns.append(Column("in original units", rank=1))
    if outcome.lstsq is not None:
        columns.append(Column("least squares", rank=2))
    rows = [[name, Num(float(theta[index])),
             *([Num(float(original[index]))] if original is not None else []),
             *([Num(float(outcome.lstsq[index]))] if outcome.lstsq is not None else [])]
            for index, name in enumerate(p.model.params)]
    return fitted_table(columns, rows, output_width())


def fit_view(outcome: Outcome, settings: str) -> RenderableType:
    fit = outcome.fit
    epochs, dropped = epoch_table(outcome)
    parameters, hidden = parameter_table(outcome)
    parts: list[RenderableType] = [_describe(outcome, settings), Text(""), *epochs.renderables]
    recorded = len(fit.epochs)
    if recorded > 21:
        parts.append(Text(f"{recorded - 20} epochs not shown (--json or --csv has them all).",
                          style="dim"))
    parts += [Text(""), Text(outcome.message, style=STATUS_STYLE[fit.status]), Text("")]
    if outcome.problem.scaling is not None:
        parts.append(Text("parameters (value: for the standardized features)", style="dim"))
    parts += parameters.renderables
    parts += [note for note in (dropped_note(dropped + hidden),) if note is not None]
    if outcome.lstsq is not None:
        gap = float(np.linalg.norm(fit.theta - outcome.lstsq))
        parts.append(Text(f"least squares (numpy.linalg.lstsq, the exact minimiser of the "
                          f"training MSE): ‖θ − θ*‖ = {gap:.3e}"))
    return Group(*parts)


def fit_dict(outcome: Outcome, settings: dict[str, Any]) -> dict[str, Any]:
    p, fit = outcome.problem, outcome.fit
    names = p.model.params
    original = original_scale(p, fit.theta)
    data: dict[str, Any] = {
        "source": p.table.where, "rows": len(p.train.y) + (len(p.val.y) if p.val else 0),
        "train": len(p.train.y), "validation": len(p.val.y) if p.val is not None else 0,
        "features": list(p.model.features), "target": p.target, "classes": p.classes,
        "standardize": None if p.scaling is None else {
            name: {"mean": float(m), "std": float(s)} for name, m, s in
            zip(p.model.features, p.scaling.mean, p.scaling.std, strict=True)},
    }
    payload: dict[str, Any] = {
        "model": p.model.kind, "formula": p.model.formula, "loss": p.loss, "data": data,
        **settings,
        "parameters": dict(zip(names, fit.theta.tolist(), strict=True)),
        "parameters_original": None if original is None else dict(
            zip(names, original.tolist(), strict=True)),
        "status": fit.status, "message": outcome.message, "iterations": fit.iterations,
        "epochs": [e._asdict() for e in fit.epochs],
        "history": [{"step": int(step), "parameters": values.tolist()}
                    for step, values in zip(fit.steps, fit.path, strict=True)],
    }
    if outcome.lstsq is not None:
        payload["least_squares"] = {
            "parameters": dict(zip(names, outcome.lstsq.tolist(), strict=True)),
            "gap": float(np.linalg.norm(fit.theta - outcome.lstsq))}
    return payload


def write_epochs_csv(outcome: Outcome, stream: TextIO) -> None:
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy",
                     "grad_norm", "lr"])
    for e in outcome.fit.epochs:
        writer.writerow(["" if v is None or (isinstance(v, float) and not np.isfinite(v))
                         else (repr(v) if isinstance(v, float) else v) for v in e])


def data_listing(cards: list[Card]) -> Table:
    table = Table(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
    for name in ("name", "rows", "columns", "what it is"):
        table.add_column(name, overflow="fold", no_wrap=name == "name")
    for card in cards:
        table.add_row(card.name, str(card.rows), ", ".join(card.columns), card.description)
    return table


def data_card(card: Card) -> RenderableType:
    columns = Table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 2))
    columns.add_column(no_wrap=True)
    columns.add_column(overflow="fold")
    for name, meaning in card.columns.items():
        columns.add_row(name, meaning)
    return Group(Text(f"{card.name}: {card.title}", style="bold"), Text(""),
                 Text(f"{card.description}; {card.rows} rows"), Text(""),
                 Text("columns", style="bold"), columns, Text(""),
                 Text(f"source: {card.source}"), Text(f"licence: {card.licence}"), Text(""),
                 Text(f"try:  {card.command}"))
