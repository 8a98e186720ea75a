"""Two lessons as commands: embeddings moved by gradients (`embed`) and descent under a change
of coordinates (`reparam`)."""

import re

import numpy as np
import pytest

from gradcli.engine.plan import Transforms, make_plan
from gradcli.learn import embedding
from tests.conftest import gradcli


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_toy_corpus_words_gather_in_their_groups(seed):
    data = gradcli("embed", "--seed", str(seed), "--json").json()
    assert data["purity"]["after"] >= 0.9
    assert data["purity"]["before"] <= 0.25  # near chance (5/54 ≈ 0.09) before training
    assert data["purity"]["chance"] == pytest.approx(5 / 54)
    assert data["final_loss"] >= data["best_loss"] - 1e-12


def test_embedding_gradient_matches_finite_differences():
    counts = embedding.cooccurrence(embedding.toy_corpus(0), 2, None)
    rng = np.random.default_rng(1)
    V = len(counts.vocabulary)
    E, U = rng.normal(size=(V, 3)), rng.normal(size=(V, 3))
    _, gE, gU = embedding.loss_and_gradient(counts.X, E, U)
    for matrix, gradient in ((E, gE), (U, gU)):
        for row, column in ((0, 0), (5, 2), (V - 1, 1)):
            h = 1e-6
            matrix[row, column] += h
            up = embedding.loss_and_gradient(counts.X, E, U)[0]
            matrix[row, column] -= 2 * h
            down = embedding.loss_and_gradient(counts.X, E, U)[0]
            matrix[row, column] += h
            assert (up - down) / (2 * h) == pytest.approx(gradient[row, column], rel=1e-5,
                                                          abs=1e-9)


def test_loss_by_hand_and_its_lower_bound():
    X = np.array([[0.0, 2.0], [1.0, 1.0]])
    E, U = np.array([[1.0], [0.0]]), np.array([[0.5], [-0.5]])
    loss, _, _ = embedding.loss_and_gradient(X, E, U)
    p0 = np.exp([0.5, -0.5]) / np.exp([0.5, -0.5]).sum()
    expected = -(2 * np.log(p0[1]) + np.log(0.5) + np.log(0.5)) / 4
    assert loss == pytest.approx(expected, rel=1e-14)
    assert embedding.best_loss(X) == pytest.approx(-(np.log(0.5) * 2) / 4, rel=1e-14)


def test_counts_within_the_window():
    counts = embedding.cooccurrence([["a", "b", "c"], ["a", "c"]], 1, None)
    assert counts.vocabulary == ("a", "b", "c")
    assert counts.X.tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]]


def test_embed_outputs():
    rows = gradcli("embed", "--steps", "10", "--dim", "3", "--csv").stdout.splitlines()
    assert rows[0] == "word,e1,e2,e3" and len(rows) == 56
    data = gradcli("embed", "--words", "cat,red", "--track", "cat", "--steps", "50",
                   "--json").json()
    assert set(data["neighbours"]) == {"cat", "red"} and len(data["neighbours"]["cat"]) == 5
    assert len(data["vectors"]) == len(data["vocabulary"]) == 55
    text = gradcli("embed", "--steps", "20", "--plot").stdout
    assert "before training — a animals" in text and "after training" in text


def test_embed_on_a_users_corpus(tmp_path):
    corpus = tmp_path / "text.txt"
    corpus.write_text("The cat sat.\nThe dog sat!\nA cat ran, a dog ran.\n")
    data = gradcli("embed", "--corpus", str(corpus), "--steps", "100", "--json").json()
    assert data["vocabulary"] == ["a", "cat", "dog", "ran", "sat", "the"]
    assert data["purity"]["after"] is None and data["groups"] is None


@pytest.mark.parametrize("args, stdin, message", [
    (("--corpus", "-"), "word word word\n", "the corpus has 1 distinct word; embeddings need "
     "at least two."),
    (("--dim", "0"), None, "--dim must be a whole number from 1 to 100, not 0."),
    (("--window", "0"), None, "--window must be a whole number ≥ 1, not 0."),
    (("--track", "unicorn"), None, "--track 'unicorn' is not in the vocabulary; choose one of "
     "its 55 words, such as a."),
    (("--words", "cat,unicorn"), None, "--words 'unicorn' is not in the vocabulary of 55 "
     "words."),
    (("--corpus", "missing.txt"), None, "--corpus 'missing.txt' cannot be read: no such file."),
    (("--method", "newton"), None, "embed trains with first-order methods (gd, momentum, "
     "nesterov, adagrad, rmsprop, adam): a Hessian of 2·V·d parameters is too large."),
])
def test_bad_embed_input(args, stdin, message):
    run = gradcli("embed", *args, stdin=stdin)
    assert (run.code, run.stdout, run.stderr) == (2, "", f"error: {message}\n")


def test_rosenbrock_in_stretched_coordinates_needs_a_smaller_rate():
    data = gradcli("reparam", "rosenbrock", "--map", "x=u, y=10*v", "--lr", "1e-3",
                   "--steps", "50000", "--json").json()
    assert data["mapped_start"] == pytest.approx([-1.2, 0.1])
    chain = data["chain_rule"]
    assert chain["jacobian_transpose_times_gradient"] == pytest.approx([-215.6, -880.0])
    assert chain["gradient_of_g"] == pytest.approx([-215.6, -880.0])
    end = data["curvature"]["end"]
    assert end["original"]["stability_bound"] == pytest.approx(1.997e-3, rel=1e-3)
    assert end["mapped"]["stability_bound"] == pytest.approx(9.615e-5, rel=1e-3)
    gd, newton = data["results"]
    assert gd["original"]["status"] == "converged" and gd["mapped"]["status"] == "diverged"
    assert newton["original"]["x"] == pytest.approx([1, 1], abs=1e-8)
    assert newton["mapped_final_in_original"] == pytest.approx([1, 1], abs=1e-8)


def test_newton_is_invariant_under_an_affine_map_and_gradient_descent_is_not():
    data = gradcli("reparam", "x**4 + x*y + 3*y**2 + x", "--map", "x=2*u+v-1, y=u-3*v+2",
                   "--start", "1,1", "--methods", "gd:lr=0.01,newton", "--steps", "30",
                   "--tol", "0", "--json").json()
    gd, newton = data["results"]
    assert newton["largest_path_distance"] < 1e-10
    assert gd["largest_path_distance"] > 1e-2
    # the same start in both systems: ψ(φ₀) = θ₀ for the solved φ₀
    u, v = data["mapped_start"]
    assert (2 * u + v - 1, u - 3 * v + 2) == pytest.approx((1, 1), abs=1e-12)


def test_a_nonlinear_map_is_inverted_numerically():
    data = gradcli("reparam", "(x - 1)**2 + (y - 2)**2", "--map", "x=r*cos(t), y=r*sin(t)",
                   "--start", "1,1", "--json").json()
    r, t = data["mapped_start"]
    assert (r, t) == pytest.approx((2**0.5, np.pi / 4))
    assert data["results"][1]["mapped_final_in_original"] == pytest.approx([1, 2], abs=1e-8)


@pytest.mark.parametrize("mapping, message", [
    ("x=u, z=v", "--map maps 'z', which is not a variable of f (x, y)."),
    ("x=u", "--map gives no formula for 'y'; map every variable of f (x, y)."),
    ("x=y, y=x", "'y' is both an old variable and a new one in --map; name the new "
                 "coordinates differently, such as u, v."),
    ("x=u, y=u", "--map uses 1 new variable (u) for 2 old ones; a change of coordinates needs "
                 "as many of each."),
    ("x=u**2, y=v", "the map is not invertible near the start: its Jacobian ∂θ/∂φ is singular "
                    "there; choose another map or start."),
    ("x u, y=v", "--map entry 'x u': write OLD=FORMULA, such as x=u or y=10*v, separated by "
                 "commas."),
])
def test_bad_maps_get_one_sentence(mapping, message):
    run = gradcli("reparam", "x**2 + y**2", "--map", mapping, "--start", "0,1")
    assert (run.code, run.stdout, run.stderr) == (2, "", f"error: {message}\n")


@pytest.mark.parametrize("option", [("--clip-norm", "0.01"), ("--clip-value", "0.001"),
                                    ("--accumulate",), ("--noise", "0.5"),
                                    ("--schedule", "exp:0.9")])
def test_descend_options_change_an_embedding_run(option):
    base = ("embed", "--method", "gd", "--lr", "1", "--steps", "20", "--json")
    assert gradcli(*base, *option).json()["vectors"] != gradcli(*base).json()["vectors"]


def test_accumulated_embedding_gradients_match_a_loop_that_never_zeroes_them():
    counts = embedding.cooccurrence(embedding.toy_corpus(0), 1, None)
    plan = make_plan("gd", {}, transforms=Transforms(accumulate=True))
    run = embedding.train(counts, 2, plan, 0.5, 3, 0, 0.0, None)
    V = len(counts.vocabulary)
    theta = 0.1 * np.random.default_rng(0).standard_normal(4 * V)
    total = np.zeros_like(theta)
    for _ in range(3):
        E, U = theta[:2 * V].reshape(V, 2), theta[2 * V:].reshape(V, 2)
        _, gE, gU = embedding.loss_and_gradient(counts.X, E, U)
        total = total + np.concatenate([gE.ravel(), gU.ravel()])
        theta = theta - 0.5 * total
    assert pytest.approx(theta[:2 * V].reshape(V, 2), rel=1e-12) == run.E


def test_embed_names_its_loss_floor_for_what_it_is():
    """H(context | word) is the floor of any model; at d = 2 the toy corpus stays above it (the
    README's numbers), so it is no 'best possible' for the run that was asked for."""
    data = gradcli("embed", "--json").json()
    final = data["loss"][-1]["loss"]
    assert round(final, 2) == 1.94 and round(data["best_loss"], 2) == 1.48
    assert f"no loss is below H(context | word) = {data['best_loss']:.4g}, which only vectors " \
           "with no limit on their dimension can reach." in data["message"]


def test_the_reparam_picture_title_writes_names_as_a_person_does():
    from gradcli.cli.reparam import reparam_title

    assert reparam_title(["x", "y"], {"x": "u", "y": "10*v"}) == \
        "f(x, y) in two coordinate systems: x = u, y = 10*v"


def test_embed_scatters_are_framed_on_the_group_words():
    import numpy as np

    from gradcli.cli.embed import _framed

    groups = [("a", "animals", np.array([[0.0, 0.0], [1.0, 1.0]])),
              ("·", "others", np.array([[0.5, 0.5], [40.0, -50.0], [-30.0, 2.0]]))]
    kept, box, outside = _framed(groups)
    assert box == ((-0.25, 1.25), (-0.25, 1.25)) and outside == 2
    assert kept[1][2].tolist() == [[0.5, 0.5]] and kept[0][2].tolist() == [[0, 0], [1, 1]]
    alone = [("·", "others", np.array([[0.0, 0.0], [9.0, 9.0]]))]
    assert _framed(alone) == (alone, None, 0)  # a corpus with no group words: all of it
    text = gradcli("embed", "--plot", "--no-table").stdout
    assert re.search(r"\(axes: the vectors themselves; \d+ other words outside the frame\)",
                     text)
    assert "after training — a animals  f foods  c colours  p places  · others" in text
