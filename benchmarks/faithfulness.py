"""Cost of the faithfulness check relative to explaining the same examples, on the real all-MiniLM-L6-v2.

    .venv/bin/python benchmarks/faithfulness.py --examples 32 --repeats 3

The check explains each example with three methods and runs 11 activation and 11 pruning inputs
per method and a random order (inputs shared between orders run once). Its time is reported as a
ratio to one cp-lrp explanation of the same examples, timed alternately in the same run (ratios,
not seconds: machines are noisy). Without sharing the ratio would be about 3 + 88 forward passes'
worth; the "forward passes run" line shows what sharing saved.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
from transformers.utils import logging

from lrp_audit.lrp import Explainer, bundled_model_path
from lrp_audit.lrp.faithfulness import FRACTIONS, RANDOM, perturbation_curves, replacement_token

METHODS = ("cp-lrp", "gxi", "attnlrp")
SUBJECTS = ["She", "He", "My sister", "My brother", "The woman", "The man"]


def texts(count: int) -> list[str]:
    """Short candidate notes of 12 to 30 words, like the audit's typical rows."""
    rng = np.random.default_rng(0)
    filler = "reviewed the budget and led the team through a difficult quarter with care".split()
    return [
        f"{SUBJECTS[i % len(SUBJECTS)]} " + " ".join(rng.choice(filler, int(rng.integers(12, 30)))) + "."
        for i in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    torch.manual_seed(0)
    base = Explainer.from_pretrained(bundled_model_path(), num_labels=2, batch_size=32)
    explainers = {method: base.with_method(method) for method in METHODS}
    records = base.encode(texts(args.examples))
    targets = [e.prediction for e in base.explain_encoded(records)]
    unk = replacement_token(base.tokenizer)[1]
    seeds = list(range(len(records)))

    def explain() -> None:
        base.explain_encoded(records, targets)

    def evaluate() -> dict:
        return perturbation_curves(explainers, records, targets, seeds, unk)

    explain_times, evaluate_times = [], []
    for _ in range(args.repeats):
        for times, function in ((explain_times, explain), (evaluate_times, evaluate)):
            start = time.perf_counter()
            function()
            times.append(time.perf_counter() - start)
    curves = evaluate()
    explained, evaluated = statistics.median(explain_times), statistics.median(evaluate_times)
    tokens = sum(len(record) for record in records)
    print(f"{len(records)} examples, {tokens} tokens, {args.repeats} repeats (medians)")
    print(f"cp-lrp explanation    {explained:7.2f} s  (baseline)")
    print(f"faithfulness check    {evaluated:7.2f} s  ratio {evaluated / explained:5.1f}")
    per_record = 2 * len(FRACTIONS) * (len(METHODS) + 1)
    print(f"perturbed inputs per example without sharing: {per_record}")
    for method in (*METHODS, RANDOM):
        print(f"  {method:8s} AUAC {curves[method].auac().mean():.3f}  AU-MSE {curves[method].au_mse().mean():.4g}")


if __name__ == "__main__":
    main()
