"""How far bfloat16 moves cp-lrp relevance from float32, on the demo's fine-tuned all-MiniLM-L6-v2.

    .venv/bin/python benchmarks/bf16.py --examples 200

Explains the same demo texts (a seeded choice from the test split) in float32 and in bfloat16; the
bf16 run explains the class float32 predicted (targets passed explicitly), so both explain the same
logit. Reported:

- agreement: Spearman rank correlation of token relevance over each text's own tokens (no specials,
  no template), per text (median, 5th percentile, min) and pooled over all tokens; and the overlap of
  the five most relevant words (|top5 f32 & top5 bf16| / 5, median and mean). 1 is identical ranking.
- conservation with biases: |gap| / |explained| in each dtype (median, 95th percentile). Here the gap
  is what biases absorb, so bf16 should read about like float32; a large difference is bf16 error.
- conservation without biases: every parameter named ``*bias`` zeroed (both dtypes), where cp-lrp
  conserves exactly up to float error. The relative error |explained - sum R| / (sum |R| + |explained|)
  (median, max) is what a bf16 conservation tolerance (``self_check.tolerance``) must cover.
- time: bf16 / f32 for explaining the texts on this machine (informative only: CPUs often have no
  fast bf16 path, GPUs do).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr
from transformers.utils import logging

from lrp_audit.demo import DATA_DIR, demo_model
from lrp_audit.lrp import Explainer, Explanation
from lrp_audit.lrp.self_check import tolerance

TOP = 5


def demo_texts(count: int, seed: int = 0) -> list[str]:
    """A seeded choice of ``count`` texts from the demo's test split (all of them if fewer)."""
    texts = pd.read_parquet(DATA_DIR / "test.parquet")["text"].tolist()
    if count >= len(texts):
        return texts
    rows = np.sort(np.random.default_rng(seed).choice(len(texts), count, replace=False))
    return [texts[row] for row in rows]


def own(explanation: Explanation) -> np.ndarray:
    """Relevance of the text's own tokens: no specials, no template tokens."""
    keep = ~(np.array(explanation.is_special) | np.array(explanation.is_template))
    return explanation.relevance[: len(keep)][keep].astype(np.float64)


def top_words(explanation: Explanation, k: int = TOP) -> set[int]:
    """Indices of the k most relevant words (positions, so repeated words count apart)."""
    return set(np.argsort(-explanation.word_relevance, kind="stable")[:k].tolist())


def relative_error(explanation: Explanation) -> float:
    scale = float(np.abs(explanation.relevance).astype(np.float64).sum()) + abs(explanation.explained)
    return abs(explanation.explained - explanation.relevance_sum) / max(scale, 1e-12)


def zero_biases(model: torch.nn.Module) -> int:
    zeroed = 0
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if name.endswith("bias"):
                parameter.zero_()
                zeroed += 1
    return zeroed


def timed(function):
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def quantiles(values, *points: float) -> list[float]:
    return [float(np.nanpercentile(values, p)) for p in points]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    torch.manual_seed(0)
    path = demo_model()
    texts = demo_texts(args.examples, args.seed)
    explainers = {
        dtype: Explainer.from_pretrained(path, "cp-lrp", dtype=dtype, max_length=128, batch_size=args.batch_size)
        for dtype in ("float32", "bfloat16")
    }
    for explainer in explainers.values():  # the self-check runs on the first call: keep it out of the times
        explainer.explain(texts[:1])
    f32, f32_time = timed(lambda: explainers["float32"].explain(texts))
    targets = [e.target for e in f32]
    bf16, bf16_time = timed(lambda: explainers["bfloat16"].explain(texts, targets))
    assert [e.target for e in bf16] == targets
    flipped = sum(e.prediction != t for e, t in zip(bf16, targets))

    rhos = np.array([spearmanr(own(a), own(b)).statistic for a, b in zip(f32, bf16)])
    pooled = spearmanr(np.concatenate([own(e) for e in f32]), np.concatenate([own(e) for e in bf16])).statistic
    overlap = np.array(
        [len(top_words(a) & top_words(b)) / min(TOP, len(a.words)) for a, b in zip(f32, bf16)]
    )
    tokens = sum(len(own(e)) for e in f32)

    def gap_share(explanations) -> np.ndarray:
        return np.array([abs(e.conservation_gap) / abs(e.explained) for e in explanations])

    zeroed = {dtype: zero_biases(explainer.model) for dtype, explainer in explainers.items()}
    bias_free = {
        "float32": explainers["float32"].explain(texts, targets),
        "bfloat16": explainers["bfloat16"].explain(texts, targets),
    }
    errors = {dtype: np.array([relative_error(e) for e in explanations]) for dtype, explanations in bias_free.items()}

    print(f"{len(texts)} demo texts, {tokens} own tokens; model {path}")
    print(f"bf16 predicts another class than f32 on {flipped} of {len(texts)} (both explain f32's class)")
    print()
    print("agreement of bf16 with f32 relevance")
    print(f"  Spearman per text   median {np.nanmedian(rhos):.4f}  p5 {quantiles(rhos, 5)[0]:.4f}  "
          f"min {np.nanmin(rhos):.4f}  (undefined: {int(np.isnan(rhos).sum())})")
    print(f"  Spearman pooled     {pooled:.4f}")
    print(f"  top-{TOP} word overlap  median {np.median(overlap):.2f}  mean {overlap.mean():.3f}  "
          f"all {TOP} shared: {np.mean(overlap == 1):.1%}")
    print()
    print("conservation with biases: |gap| / |explained|")
    for dtype, explanations in (("float32", f32), ("bfloat16", bf16)):
        share = gap_share(explanations)
        print(f"  {dtype:9s} median {np.median(share):.4f}  p95 {quantiles(share, 95)[0]:.4f}")
    difference = np.array([abs(a.conservation_gap - b.conservation_gap) / abs(a.explained) for a, b in zip(f32, bf16)])
    print(f"  |gap bf16 - gap f32| / |explained f32|  median {np.median(difference):.4f}  "
          f"p95 {quantiles(difference, 95)[0]:.4f}  max {difference.max():.4f}")
    print()
    print(f"conservation without biases ({zeroed['float32']} bias parameters zeroed): "
          "|explained - sum R| / (sum |R| + |explained|)")
    for dtype, error in errors.items():
        used = max(
            abs(e.explained - e.relevance_sum) / tolerance(getattr(torch, dtype), e)
            for e in bias_free[dtype]
        )
        print(f"  {dtype:9s} median {np.median(error):.2e}  p95 {quantiles(error, 95)[0]:.2e}  max {error.max():.2e}  "
              f"(the self-check's tolerance: the worst text uses {used:.1%} of it)")
    print()
    threads = torch.get_num_threads()
    print(f"time bf16 / f32 on this machine: {bf16_time / f32_time:.2f}  ({threads} threads; informative)")


if __name__ == "__main__":
    main()
