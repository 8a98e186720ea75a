"""Speed of the lessons: the default `embed` demo (target: at most 1 s of training).

    python tests/bench/bench_lessons.py
"""

from __future__ import annotations

from timing import best_of

from gradcli.engine.plan import make_plan
from gradcli.learn import embedding

if __name__ == "__main__":
    counts = embedding.cooccurrence(embedding.toy_corpus(0), 1, None)
    plan = make_plan("adam", {})
    seconds = best_of(3, lambda: embedding.train(counts, 2, plan, 0.1, 3000, 0, 1e-8, None))
    print(f"{'embed, toy corpus, 3000 adam steps, d = 2':<46} {seconds:8.3f} s  (target ≤ 1 s)"
          f"  {'ok' if seconds <= 1 else 'OVER TARGET'}")
