"""`embed`: word vectors moved by gradients until words used alike sit together."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from gradcli import interrupts
from gradcli.cli.app import Json, app, run, status_on_stderr, whole_number
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
    Noise,
    Plot,
    Schedule,
    Table,
    check_positive,
    method_options,
    one_output,
    transforms_from,
)
from gradcli.cli.pictures import Figure, target_of

NEIGHBOURS = 5


@app.command()
def embed(
    corpus: Annotated[str | None, typer.Option(
        "--corpus", metavar="FILE", help="A text file (one sentence per line; '-' reads "
                                         "stdin). Default: the shipped toy corpus.",
        show_default=False)] = None,
    vocab: Annotated[int | None, typer.Option(
        "--vocab", parser=whole_number, metavar="N", help="Keep the N most frequent words.",
        show_default=False)] = None,
    window: Annotated[int, typer.Option(
        "--window", parser=whole_number, help="Words within this many positions co-occur.")
    ] = 1,
    dim: Annotated[int, typer.Option("--dim", parser=whole_number,
                                     help="Length d of each word vector.")] = 2,
    method: Method = "adam",
    lr: Annotated[float, typer.Option("--lr", help="Learning rate η.")] = 0.1,
    momentum: Momentum = None,
    decay: Decay = None,
    beta1: Beta1 = None,
    beta2: Beta2 = None,
    eps: Eps = None,
    schedule: Schedule = None,
    clip_norm: ClipNorm = None,
    clip_value: ClipValue = None,
    noise: Noise = None,
    accumulate: Accumulate = False,
    steps: Annotated[int, typer.Option("--steps", parser=whole_number,
                                       help="Full-batch steps.")] = 3000,
    tol: Annotated[float, typer.Option("--tol", help="Stop early when ‖∇L‖ ≤ tol.")] = 1e-8,
    seed: Annotated[int, typer.Option("--seed", parser=whole_number,
                                      help="Seed of the toy corpus and of the initial "
                                           "vectors.")] = 0,
    words: Annotated[str | None, typer.Option(
        "--words", metavar="W,V", help="Show these words' nearest neighbours (default: the "
                                       "first word of each toy group).", show_default=False)
    ] = None,
    track: Annotated[str | None, typer.Option(
        "--track", metavar="WORD", help="Draw this word's path through training.",
        show_default=False)] = None,
    table: Table = True,
    plot: Plot = None,
    save: Figure = None,
    json: Json = False,
    csv: Annotated[bool, typer.Option("--csv", help="One row per word: the word and its "
                                                    "coordinates.")] = False,
) -> None:
    """Word embeddings trained by gradient descent (skip-gram, full softmax).

    Words used in similar contexts end up close: the toy corpus's animals, foods, colours and
    places gather in their own groups (neighbour purity before and after).

    Exit code 0 done, 4 diverged, 130 interrupted.

    Examples:

      gradcli embed

      gradcli embed --words cat,red --track cat --seed 3

      gradcli embed --corpus notes.txt --vocab 200 --window 2 --dim 8 --json

      gradcli embed --save words.png
    """

    def body():

        from gradcli.engine.plan import make_plan
        from gradcli.engine.result import TRAINING_EXIT_CODES
        from gradcli.errors import InputError
        from gradcli.learn import embedding as lesson
        from gradcli.symbolic.budget import paused

        one_output(json=json, csv=csv)
        check_positive(lr, "--lr")
        check_positive(tol, "--tol", allow_zero=True)
        if steps < 1:
            raise InputError(f"--steps must be a whole number ≥ 1, not {steps}.")
        if vocab is not None and not 2 <= vocab <= lesson.MAX_VOCAB:
            raise InputError(f"--vocab must be a whole number from 2 to {lesson.MAX_VOCAB}, not "
                             f"{vocab} (training holds several N × N matrices: at "
                             f"{lesson.MAX_VOCAB}, about 32 MB each).")
        picture = target_of(save, still="embed")
        plan = make_plan(method, method_options(momentum, decay, beta1, beta2, eps), schedule,
                         transforms_from(noise, seed if noise is not None else None,
                                         accumulate, clip_norm, clip_value))
        sentences = lesson.toy_corpus(seed) if corpus is None else \
            lesson.read_corpus(_corpus_text(corpus))
        counts = lesson.cooccurrence(sentences, window, vocab)
        vocabulary = counts.vocabulary
        chosen = _chosen_words(words, vocabulary, corpus is None)
        tracked = None
        if track is not None:
            if track not in vocabulary:
                raise InputError(f"--track '{track}' is not in the vocabulary; choose one of "
                                 f"its {len(vocabulary)} words, such as {vocabulary[0]}.")
            tracked = vocabulary.index(track)
        with paused():
            training = lesson.train(counts, dim, plan, lr, steps, seed, tol, tracked)
        report = _report(lesson, counts, training, chosen, sentences, plan, lr, window, dim,
                         toy=corpus is None)
        status_on_stderr(training.status, report["message"], machine=json or csv,
                         success=training.status in ("converged", "max_steps"))
        if json:
            from gradcli.render.jsonout import emit as emit_json

            emit_json(report)
        elif csv:
            import csv as writer

            out = writer.writer(sys.stdout, lineterminator="\n")
            out.writerow(["word", *(f"e{k + 1}" for k in range(dim))])
            for word, vector in zip(vocabulary, training.E, strict=True):
                out.writerow([word, *(repr(float(v)) for v in vector)])
        else:
            _show(lesson, report, training, counts, table, plot, track)
        if picture is not None:
            _save(picture, lesson, training, counts, report)
        return TRAINING_EXIT_CODES[training.status]

    run(body)


def _corpus_text(source: str) -> str:
    import os
    import stat

    from gradcli.errors import InputError
    from gradcli.learn.embedding import MAX_WORDS

    if source == "-":
        with interrupts.raising():  # a read that waits on a terminal must end at Ctrl-C
            text = sys.stdin.read(MAX_WORDS + 1) if sys.stdin is not None else ""
    else:
        try:
            info = os.stat(source)
        except OSError:
            raise InputError(f"--corpus '{source}' cannot be read: no such file.") from None
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_WORDS:
            raise InputError(f"--corpus '{source}' must be a regular text file of at most "
                             f"{MAX_WORDS} bytes.")
        try:
            with open(source, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            raise InputError(f"--corpus '{source}' cannot be read ({error}).") from None
    if len(text) > MAX_WORDS:
        raise InputError(f"the corpus holds more than {MAX_WORDS} characters.")
    return text


def _chosen_words(words, vocabulary, toy: bool) -> list[str]:
    from gradcli.errors import InputError
    from gradcli.learn.embedding import GROUPS

    if words is None:
        heads = [group[0] for group in GROUPS.values() if group[0] in vocabulary]
        return heads if toy and heads else list(vocabulary[:4])
    chosen = [w.strip() for w in words.split(",") if w.strip()]
    for word in chosen:
        if word not in vocabulary:
            raise InputError(f"--words '{word}' is not in the vocabulary of "
                             f"{len(vocabulary)} words.")
    return chosen


def _report(lesson, counts, training, chosen, sentences, plan, lr, window, dim, *,
            toy: bool) -> dict:
    """Everything `embed` found; purity and groups only for the toy corpus, whose groups are
    the known right answer."""
    import numpy as np

    vocabulary = counts.vocabulary
    k = min(NEIGHBOURS, len(vocabulary) - 1)
    before, after = (lesson.purity(E, vocabulary) if toy else None
                     for E in (training.E0, training.E))
    status = training.status
    best = lesson.best_loss(counts.X)
    final = float(training.losses[-1])
    message = {
        "converged": f"Converged: ‖∇L‖ ≤ tol after {training.iterations} steps.",
        "max_steps": f"Trained for {training.iterations} steps: the loss went from "
                     f"{training.losses[0]:.4g} to {final:.4g}; no loss is below "
                     f"H(context | word) = {best:.4g}, which only vectors with no limit on "
                     "their dimension can reach.",
        "diverged": f"Diverged at step {training.iterations}: the loss is no longer finite; "
                    "try a smaller --lr.",
        "interrupted": f"Interrupted ({interrupts.cause()}) after {training.iterations} steps; "
                       "the vectors so far are kept.",
    }[status]
    return {
        "vocabulary": list(vocabulary), "sentences": len(sentences), "window": window,
        "dim": dim, "method": plan.rule.name, "params": {"lr": lr, **plan.params},
        "vectors": training.E.tolist(), "vectors_before": training.E0.tolist(),
        "loss": [{"step": int(s), "loss": float(v)} for s, v in
                 zip(training.steps, training.losses, strict=True)],
        "best_loss": best,
        "purity": {"before": before, "after": after, "neighbours": k,
                   "chance": lesson.chance_purity(vocabulary) if toy else None},
        "neighbours": {word: [vocabulary[i] for i in lesson.neighbours(
            training.E, vocabulary.index(word), k)] for word in chosen},
        "groups": {group: list(words) for group, words in lesson.GROUPS.items()}
        if toy else None,
        "status": status, "message": message, "iterations": training.iterations,
        "final_loss": final if np.isfinite(final) else None,
    }


def _groups(lesson, vocabulary, points):
    import numpy as np

    group_of = {w: g for g, ws in lesson.GROUPS.items() for w in ws}
    markers = {"animals": "a", "foods": "f", "colours": "c", "places": "p"}
    found = [(markers[g], g, np.array([points[i] for i, w in enumerate(vocabulary)
                                       if group_of.get(w) == g]).reshape(-1, 2))
             for g in lesson.GROUPS]
    found = [group for group in found if len(group[2])]
    others = np.array([points[i] for i, w in enumerate(vocabulary) if w not in group_of])
    return [*found, ("·", "others", others.reshape(-1, 2))]


def _framed(groups, path=None):
    """The frame of a scatter: the box around the words that matter (the groups' words and a
    tracked path), so fillers far out do not squeeze the groups into one blob; with it, the
    groups cut to the words inside and how many other words fall outside (None, 0 when no
    group word is present: then every word is the subject)."""
    import numpy as np

    from gradcli.explore.surface import box_around

    named = [points for _, label, points in groups if label != "others" and len(points)]
    if path is not None and len(path):
        named.append(path)
    if not named or sum(len(points) for points in named) < 2:
        return groups, None, 0
    box = box_around(np.vstack(named))
    inside = [((box[0][0] <= p[:, 0]) & (p[:, 0] <= box[0][1]) & (box[1][0] <= p[:, 1])
               & (p[:, 1] <= box[1][1])) for _, _, p in groups]
    kept = [(marker, label, points[keep]) for (marker, label, points), keep in
            zip(groups, inside, strict=True)]
    return kept, box, int(sum((~keep).sum() for keep in inside))


def _show(lesson, report, training, counts, table, plot, track) -> None:
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    from gradcli.render.console import emit, plot_width, wants_colour
    from gradcli.render.numbers import fmt

    purity = report["purity"]
    lines = [f"embed: skip-gram with a full softmax; {len(counts.vocabulary)} words, "
             f"{report['sentences']} sentences, window {report['window']}, d = {report['dim']}, "
             f"{report['method']} lr {fmt(report['params']['lr'])}",
             report["message"]]
    if purity["after"] is not None:
        lines.append(f"neighbour purity (share of each group word's nearest words, as many as "
                     f"its group has others, in its own group): before {purity['before']:.3f} "
                     f"(chance ≈ {purity['chance']:.2f}), after {purity['after']:.3f}")
    parts = [Text("\n".join(lines))]
    if table and report["neighbours"]:
        grid = RichTable(box=None, header_style="bold", pad_edge=False, padding=(0, 2, 0, 0))
        grid.add_column("word", no_wrap=True)
        grid.add_column(f"{purity['neighbours']} nearest after training", overflow="fold")
        for word, near in report["neighbours"].items():
            grid.add_row(word, ", ".join(near))
        parts += [Text(""), grid]
    emit(Group(*parts))
    if plot if plot is not None else sys.stdout.isatty():
        import numpy as np

        from gradcli.render.plots import Series, convergence_plot, scatter_plot

        width, colour = plot_width(), wants_colour(sys.stdout)
        losses = Series("loss", training.steps, training.losses)
        best = Series("H(context | word)", training.steps,
                      np.full(len(training.steps), report["best_loss"]))
        out = [convergence_plot([losses, best], "loss against step", width, 14, colour)]
        for title, E in (("before training", training.E0), ("after training", training.E)):
            points, how = lesson.projection(E)
            path = None
            if track is not None and title.startswith("after") and training.E.shape[1] == 2:
                path = training.tracked
            kept, _, outside = _framed(_groups(lesson, counts.vocabulary, points), path)
            out.append(scatter_plot(kept, path, title, width, 20, colour))
            left_out = f"; {outside} other words outside the frame" if outside else ""
            out.append(f"(axes: {how}{left_out})")
        sys.stdout.write("\n" + "\n\n".join(out) + "\n")


def _save(picture, lesson, training, counts, report) -> None:
    from gradcli.render import images

    groups, frames = [], []
    for title, E in (("before", training.E0), ("after", training.E)):
        points, _ = lesson.projection(E)
        named = _groups(lesson, counts.vocabulary, points)
        _, box, outside = _framed(named)
        groups.append([(f"{label} ({title})", pts) for _, label, pts in named])
        frames.append((box, outside))
    images.embedding_figure(picture, "word vectors before and after training", groups,
                            training.steps, training.losses, report["best_loss"],
                            counts.vocabulary, [lesson.projection(training.E0)[0],
                                                lesson.projection(training.E)[0]], frames)
