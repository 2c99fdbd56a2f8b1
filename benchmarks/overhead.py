"""Cost of an explanation relative to plain inference, on the real all-MiniLM-L6-v2.

    make bench            # or: .venv/bin/python benchmarks/overhead.py --repeats 7

One 32 x 128-token batch; the model is the bundled all-MiniLM-L6-v2 with a freshly initialised
2-class head. Every method is timed against ``torch.inference_mode`` forward passes interleaved in
the same run (ratios, not seconds: machines are noisy). "core" is forward + backward on tokenised
inputs; "end to end" is ``Explainer.explain`` on raw texts, tokenisation and result records included.
The floor for cp-lrp is about 2: one forward that keeps the graph plus one backward without weight
gradients.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from transformers.utils import logging

from lrp_audit.lrp import Explainer, bundled_model_path
from lrp_audit.lrp.encoding import Encoded
from lrp_audit.lrp.targets import Answer

BATCH, TOKENS = 32, 128


def texts() -> list[str]:
    base = "The committee reviewed her application and praised his careful, patient work on the project. "
    return [f"Candidate {i}: " + base * 8 for i in range(BATCH)]


def timed(function) -> float:
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def core(explainer: Explainer, records: list[Encoded]) -> Callable[[], object]:
    """Forward and backward of one tokenised batch under the method's rules, read by its attributor."""
    batch = explainer.forward.batch(records, [Answer(())] * len(records))  # explain each predicted class
    return lambda: explainer.attributor.attribute(explainer.forward, explainer.composite, batch, explainer.batch_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--ig-steps", type=int, default=50)
    parser.add_argument("--ig-repeats", type=int, default=1)
    args = parser.parse_args()
    logging.set_verbosity_error()
    logging.disable_progress_bar()
    torch.manual_seed(0)
    explainers = {
        method: Explainer.from_pretrained(
            bundled_model_path(), method, num_labels=2, max_length=TOKENS, batch_size=BATCH, ig_steps=args.ig_steps
        )
        for method in ("cp-lrp", "attnlrp", "gxi", "ig")
    }
    cp = explainers["cp-lrp"]
    model, batch = cp.model, texts()
    records = cp.encode(batch)
    inputs = cp.forward.batch(records, [Answer(())] * BATCH).inputs
    assert tuple(inputs["input_ids"].shape) == (BATCH, TOKENS), inputs["input_ids"].shape

    def inference():
        with torch.inference_mode():
            model(**inputs)

    runs = {
        "cp-lrp core": core(cp, records),
        "cp-lrp end to end": lambda: cp.explain(batch),
        "attnlrp core": core(explainers["attnlrp"], records),
        "gxi core": core(explainers["gxi"], records),
    }
    ig_name = f"ig ({args.ig_steps} steps) core"
    for run in (inference, *runs.values()):  # warm-up, and cp-lrp's one-time self-check
        run()
    base, times = [], {name: [] for name in [*runs, ig_name]}
    for repeat in range(args.repeats):
        for name, run in runs.items():
            base.append(timed(inference))
            times[name].append(timed(run))
        if repeat < args.ig_repeats:  # ~100x inference per run: a few runs are enough
            base.append(timed(inference))
            times[ig_name].append(timed(core(explainers["ig"], records)))
    inference_s = statistics.median(base)
    print(f"all-MiniLM-L6-v2, batch {BATCH} x {TOKENS} tokens, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}, median of {args.repeats}")
    print(f"{'inference (torch.inference_mode)':34s} {inference_s * 1000:9.1f} ms   ratio 1.00")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:34s} {median * 1000:9.1f} ms   ratio {median / inference_s:5.2f}")


if __name__ == "__main__":
    main()
