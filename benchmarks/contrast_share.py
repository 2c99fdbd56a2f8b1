"""Whether cp-lrp's conservation gap is a per-class offset that a contrast cancels, on the demo's
fine-tuned all-MiniLM-L6-v2 (a binary classifier: reject, hire).

    .venv/bin/python benchmarks/contrast_share.py --examples 500

Explains demo texts (a seeded choice from the test split) twice: (a) the predicted class's logit
alone, (b) the predicted class's logit minus the other class's (the log-odds). For each it reports
the median of |gap| / |explained| (the gap is what biases absorb: explained - sum of relevance), the
share of the explained quantity that relevance accounts for (median of relevance_sum / explained per
example, and median relevance_sum / median explained), and the gap per predicted class (mean, std),
beside the explained quantity's own mean and std. Read: a per-class offset shows as a small std
of the gap within each class next to a large distance between the classes' means; a contrast
cancels what the two classes' gaps share, so it helps only as far as their offsets are equal.

Also, from (b), each class's logit-alone gap on every text (the target side's and the contrast
side's, ``target_relevance_sum`` separating the two): whether the gap follows the class explained
or the class predicted, and how the two sides' gaps relate per text (a correlation near -1 and a
logit ratio near -1: the head is antisymmetric, and a contrast doubles the gap instead of cancelling it).
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from transformers.utils import logging

from bf16 import demo_texts  # the same seeded choice of the demo's test texts (run from benchmarks/)

from lrp_audit.demo import demo_model
from lrp_audit.lrp import Explainer, Explanation


def summary(name: str, explanations: list[Explanation], labels: dict[int, str]) -> None:
    explained = np.array([e.explained for e in explanations])
    summed = np.array([e.relevance_sum for e in explanations])
    gap = explained - summed
    predicted = np.array([e.prediction for e in explanations])
    print(name)
    print(f"  |gap| / |explained|          median {np.median(np.abs(gap) / np.abs(explained)):.3f}")
    print(f"  relevance_sum / explained    median per example {np.median(summed / explained):.3f}   "
          f"median sum R / median explained {np.median(summed) / np.median(explained):.3f}")
    print(f"  gap overall                  mean {gap.mean():+.3f}  std {gap.std():.3f}")
    print(f"  {'predicted':>10s} {'n':>5s} {'gap mean':>9s} {'gap std':>8s} {'expl mean':>10s} {'expl std':>9s} "
          f"{'sum R mean':>11s} {'sum R std':>10s}")
    for label in sorted(labels):
        rows = predicted == label
        if not rows.any():
            continue
        print(f"  {labels[label]:>10s} {rows.sum():5d} {gap[rows].mean():+9.3f} {gap[rows].std():8.3f} "
              f"{explained[rows].mean():+10.3f} {explained[rows].std():9.3f} "
              f"{summed[rows].mean():+11.3f} {summed[rows].std():10.3f}")
    print()


def class_gaps(contrasted: list[Explanation], labels: dict[int, str]) -> None:
    """Each class's logit-alone gap on every text, from the contrast run's two sides."""
    per_class: dict[tuple[int, int], list[float]] = {}
    sides = []
    for e in contrasted:
        target_gap = e.target_logit - e.target_relevance_sum
        contrast_gap = e.contrast_logit - (e.target_relevance_sum - e.relevance_sum)
        sides.append((target_gap, contrast_gap, e.target_logit, e.contrast_logit))
        per_class.setdefault((e.target, e.prediction), []).append(target_gap)
        per_class.setdefault((e.contrast, e.prediction), []).append(contrast_gap)
    print("each class's logit-alone gap (from (b)'s two sides), by the class explained and the class predicted")
    print(f"  {'explained':>10s} {'predicted':>10s} {'n':>5s} {'gap mean':>9s} {'gap std':>8s}")
    for (explained, predicted), gaps in sorted(per_class.items()):
        print(f"  {labels[explained]:>10s} {labels[predicted]:>10s} {len(gaps):5d} "
              f"{np.mean(gaps):+9.3f} {np.std(gaps):8.3f}")
    target_gap, contrast_gap, target_logit, contrast_logit = np.array(sides).T
    correlation = np.corrcoef(target_gap, contrast_gap)[0, 1]
    print(f"  per text, target side against contrast side: gap correlation {correlation:+.3f}, "
          f"median contrast logit / target logit {np.median(contrast_logit / target_logit):+.3f}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    torch.manual_seed(0)
    path = demo_model()
    explainer = Explainer.from_pretrained(path, "cp-lrp", max_length=128, batch_size=args.batch_size)
    labels = {int(k): str(v) for k, v in explainer.model.config.id2label.items()}
    if len(labels) != 2:
        raise SystemExit(f"a binary classifier is needed; this one has labels {labels}")
    texts = demo_texts(args.examples, args.seed)
    alone = explainer.explain(texts)
    targets = [e.target for e in alone]
    contrasted = explainer.explain(texts, targets, contrast=[1 - t for t in targets])
    assert all(abs(a.target_logit - b.target_logit) < 1e-4 for a, b in zip(alone, contrasted))

    print(f"{len(texts)} demo texts; model {path}; labels {labels}")
    print()
    summary("(a) predicted class alone: explained = logit", alone, labels)
    summary("(b) predicted class against the other: explained = logit - other logit", contrasted, labels)
    class_gaps(contrasted, labels)


if __name__ == "__main__":
    main()
