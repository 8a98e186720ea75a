"""Word vectors moved by gradients: skip-gram with a full softmax over co-occurrence counts.

Each word t has a vector e_t (rows of E) and a context vector u_c (rows of U); p(c | t) =
softmax_c(e_t · u_c). With co-occurrence counts X (word t seen within the window of c), the loss
L = −(1/N) Σ_{t,c} X_tc log p(c | t) has, with P = softmax(E Uᵀ) row-wise and
G = (P·rowsum(X) − X)/N, the exact gradients ∇E = G U and ∇U = Gᵀ E. Its smallest possible
value is the conditional entropy H(context | word) of the counts.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np

from gradcli import interrupts
from gradcli.engine.fusion import fuse_array_update
from gradcli.engine.plan import Plan
from gradcli.errors import InputError
from gradcli.learn.training import transform_gradient

# The toy corpus: four groups of words, each used in its own kind of sentence, so words of a
# group share their contexts and the right answer is known.
GROUPS = {
    "animals": ("cat", "dog", "horse", "cow", "sheep", "goat"),
    "foods": ("bread", "cheese", "apple", "rice", "soup", "cake"),
    "colours": ("red", "blue", "green", "yellow", "purple", "orange"),
    "places": ("city", "town", "village", "farm", "forest", "harbour"),
}
TEMPLATES = {
    "animals": ("the {} runs in the field", "a {} sleeps in the barn", "the {} eats grass"),
    "foods": ("we eat {} for dinner", "the {} tastes good", "she cooks {} in the kitchen"),
    "colours": ("the car is {}", "she paints the wall {}", "a {} shirt looks nice"),
    "places": ("they live in the {}", "we travel to the {}", "the {} is far away"),
}
TOY_SENTENCES = 600
MAX_WORDS = 100_000_000  # characters of a corpus file
MAX_VOCAB = 2000
MAX_DIM = 100


def toy_corpus(seed: int) -> list[list[str]]:
    """TOY_SENTENCES sentences drawn (seeded) from the templates, one group word each."""
    rng = np.random.default_rng(seed)
    groups = list(GROUPS)
    sentences = []
    for _ in range(TOY_SENTENCES):
        group = groups[rng.integers(len(groups))]
        template = TEMPLATES[group][rng.integers(len(TEMPLATES[group]))]
        word = GROUPS[group][rng.integers(len(GROUPS[group]))]
        sentences.append(template.format(word).split())
    return sentences


def read_corpus(text: str) -> list[list[str]]:
    """Lines of a user's text as sentences of lower-case words: letters of any alphabet
    ("naïve", "café"), digits and apostrophes."""
    return [words for line in text.splitlines()
            if (words := re.findall(r"(?:[^\W_]|')+", line.lower()))]


class Counts(NamedTuple):
    vocabulary: tuple[str, ...]
    X: np.ndarray  # (V, V): X[t, c] = times c was within the window of t


def cooccurrence(sentences: list[list[str]], window: int, vocab: int | None) -> Counts:
    """Counts of context words within `window` positions of each word (same sentence), over
    the `vocab` most frequent words (ties by first appearance)."""
    if window < 1:
        raise InputError(f"--window must be a whole number ≥ 1, not {window}.")
    frequency: dict[str, int] = {}
    for sentence in sentences:
        for word in sentence:
            frequency[word] = frequency.get(word, 0) + 1
    if len(frequency) < 2:
        raise InputError(f"the corpus has {len(frequency)} distinct word"
                         f"{'s' if len(frequency) != 1 else ''}; embeddings need at least two.")
    ranked = sorted(frequency, key=lambda w: -frequency[w])[:vocab or MAX_VOCAB]
    if vocab is None and len(frequency) > MAX_VOCAB:
        raise InputError(f"the corpus has {len(frequency)} distinct words; choose at most "
                         f"{MAX_VOCAB} with --vocab N.")
    words = tuple(sorted(ranked))
    index = {word: k for k, word in enumerate(words)}
    X = np.zeros((len(words), len(words)))
    for sentence in sentences:
        for position, word in enumerate(sentence):
            if word not in index:
                continue
            for other in range(max(0, position - window),
                               min(len(sentence), position + window + 1)):
                if other != position and sentence[other] in index:
                    X[index[word], index[sentence[other]]] += 1
    if X.sum() == 0:
        raise InputError("no two words of the vocabulary ever appear within the window; use "
                         "a larger --window or a longer corpus.")
    return Counts(words, X)


def loss_and_gradient(X: np.ndarray, E: np.ndarray, U: np.ndarray):
    """L = −(1/N) Σ X log softmax(E Uᵀ) and its gradients with respect to E and U."""
    scores = E @ U.T
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    log_p = shifted - log_norm
    total = X.sum()
    loss = -float((X * log_p).sum() / total)
    G = (np.exp(log_p) * X.sum(axis=1, keepdims=True) - X) / total
    return loss, G @ U, G.T @ E


def best_loss(X: np.ndarray) -> float:
    """H(context | word): the loss when p(c | t) equals the counts' own X_tc / Σ_c X_tc."""
    rows = X.sum(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(X > 0, X * np.log(X / np.where(rows > 0, rows, 1)), 0.0)
    return -float(terms.sum() / X.sum())


class Training(NamedTuple):
    E0: np.ndarray
    E: np.ndarray
    U: np.ndarray
    steps: np.ndarray  # recorded steps
    losses: np.ndarray  # loss at each recorded step
    tracked: np.ndarray | None  # (r, d): the tracked word's vector at each recorded step
    status: str  # max_steps, converged, diverged, interrupted
    iterations: int


RECORD_ROWS = 500


def train(counts: Counts, dim: int, plan: Plan, lr: float, steps: int, seed: int,
          tol: float, track: int | None) -> Training:
    """Full-batch descent on [E, U] with any elementwise method of `descend`."""
    if not 1 <= dim <= MAX_DIM:
        raise InputError(f"--dim must be a whole number from 1 to {MAX_DIM}, not {dim}.")
    if not plan.rule.elementwise:
        raise InputError("embed trains with first-order methods (gd, momentum, nesterov, "
                         "adagrad, rmsprop, adam): a Hessian of 2·V·d parameters is too large.")
    V = len(counts.vocabulary)
    rng = np.random.default_rng(seed)
    theta = 0.1 * rng.standard_normal(2 * V * dim)
    E0 = theta[:V * dim].reshape(V, dim).copy()
    update = fuse_array_update(plan)
    state = tuple(0.0 for _ in plan.rule.state)
    multiplier = plan.schedule.function()
    stride = max(1, -(-steps // RECORD_ROWS))
    kept, losses, path = [], [], []
    status, step = "max_steps", 0
    accumulated = [0.0]
    noise = np.random.default_rng(plan.transforms.seed or 0)
    try:
        with np.errstate(all="ignore"):
            while True:
                E, U = theta[:V * dim].reshape(V, dim), theta[V * dim:].reshape(V, dim)
                loss, gE, gU = loss_and_gradient(counts.X, E, U)
                g = np.concatenate([gE.ravel(), gU.ravel()])
                if step % stride == 0 or step == steps:
                    kept.append(step)
                    losses.append(loss)
                    if track is not None:
                        path.append(E[track].copy())
                if not np.isfinite(loss):
                    status = "diverged"
                    break
                if np.linalg.norm(g) <= tol:
                    status = "converged"
                    break
                if step == steps:
                    break
                if interrupts.flag[0]:  # Ctrl-C, acted on here: this step is recorded
                    raise KeyboardInterrupt
                if plan.transforms.active:
                    g, _ = transform_gradient(plan, g, accumulated, noise)
                theta, state = update(theta, g, lr * multiplier(step), step + 1, state)
                step += 1
    except KeyboardInterrupt:
        interrupts.consume()
        status = "interrupted"
    E, U = theta[:V * dim].reshape(V, dim), theta[V * dim:].reshape(V, dim)
    if kept[-1] != step:
        kept.append(step)
        losses.append(loss_and_gradient(counts.X, E, U)[0])
        if track is not None:
            path.append(E[track].copy())
    return Training(E0, E.copy(), U.copy(), np.array(kept), np.array(losses),
                    np.array(path) if track is not None else None, status, step)


def neighbours(E: np.ndarray, word: int, k: int) -> list[int]:
    """The k nearest other words to `word` by Euclidean distance between vectors."""
    distance = np.linalg.norm(E - E[word], axis=1)
    distance[word] = np.inf
    return [int(i) for i in np.argsort(distance, kind="stable")[:k]]


def purity(E: np.ndarray, vocabulary: tuple[str, ...]) -> float | None:
    """For the toy corpus's group words: the mean share of each one's k nearest neighbours
    (k = its group's size − 1) that are in its own group. None when no group word is present."""
    group_of = {word: group for group, words in GROUPS.items() for word in words}
    present = [k for k, word in enumerate(vocabulary) if word in group_of]
    if not present:
        return None
    shares = []
    for k in present:
        group = group_of[vocabulary[k]]
        size = sum(1 for w in vocabulary if group_of.get(w) == group) - 1
        if size < 1:
            continue
        found = neighbours(E, k, size)
        shares.append(np.mean([group_of.get(vocabulary[i]) == group for i in found]))
    return float(np.mean(shares)) if shares else None


def chance_purity(vocabulary: tuple[str, ...]) -> float | None:
    """The purity of neighbours drawn at random: (group size − 1)/(V − 1), averaged."""
    sizes = [sum(w in words for w in vocabulary) for words in GROUPS.values()]
    shares = [(size - 1) / (len(vocabulary) - 1) for size in sizes for _ in range(size)]
    return float(np.mean(shares)) if shares else None


def projection(E: np.ndarray) -> tuple[np.ndarray, str]:
    """Two coordinates for a picture: E itself for d ≤ 2 (padded), else its first two
    principal components."""
    if E.shape[1] == 2:
        return E, "the vectors themselves"
    if E.shape[1] == 1:
        return np.column_stack([E[:, 0], np.zeros(len(E))]), "the vectors (d = 1) on a line"
    centred = E - E.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    return centred @ directions[:2].T, "the first two principal components (PCA)"
