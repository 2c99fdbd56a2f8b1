"""Which text model families of the installed transformers the engine explains conservatively.

Every (family, head) pair of ``tests/architectures.py`` (or those of ``--only``) is built as a tiny
float32 model (biases zero, norm scales perturbed, one layer of each kind), the three test texts are
explained with cp-lrp and the pair gets the outcome the test matrix gives it (``architectures.Outcome``:
conserve, leak, refused, crash, no-build), with the time it took. ``--self-check off`` measures the
gap of a model the self-check would refuse.

    .venv/bin/python benchmarks/architectures.py --json architectures.json
    .venv/bin/python benchmarks/architectures.py --only gemma4_text qwen3_next
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
import warnings
from collections import Counter
from dataclasses import asdict
from pathlib import Path

import torch
import transformers

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import architectures  # noqa: E402
from architectures import OUTCOMES, Outcome  # noqa: E402


class PairTimeout(Exception):
    """A pair that ran past ``--timeout``."""


def main() -> None:
    options = _arguments()
    transformers.logging.set_verbosity_error()
    warnings.filterwarnings("ignore")
    chosen = [pair for pair in architectures.pairs() if not options.only or pair[0] in options.only]
    start = time.perf_counter()
    results = []
    for pair in chosen:
        result, seconds = measure(*pair, self_check=options.self_check == "on", timeout=options.timeout)
        results.append((result, seconds))
        print(f"{result.model_type:<28} {result.head:<24} {result.kind:<9} {seconds:>6.1f}s  {result.detail[:300]}", flush=True)
    wall = time.perf_counter() - start
    _summary([result for result, _ in results], wall)
    if options.json:
        report = {
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "self_check": options.self_check,
            "wall_seconds": round(wall, 1),
            "not_text": [{"model_type": m, "head": h, "reason": why} for (m, h), why in architectures.not_text().items()],
            "results": [asdict(result) | {"seconds": seconds} for result, seconds in results],
        }
        Path(options.json).write_text(json.dumps(report, indent=2))


def measure(model_type: str, head: str, *, self_check: bool, timeout: int) -> tuple[Outcome, float]:
    """One pair's outcome and the seconds it took; a pair past ``timeout`` is a crash."""
    torch.manual_seed(0)
    start = time.perf_counter()
    previous = signal.signal(signal.SIGALRM, _time_out)
    signal.alarm(timeout)
    try:
        result = architectures.outcome(model_type, head, self_check)
    except PairTimeout:
        result = Outcome(model_type, head, "crash", f"timed out after {timeout} s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    return result, round(time.perf_counter() - start, 2)


def _time_out(signum, frame) -> None:
    raise PairTimeout


def _summary(results: list[Outcome], wall: float) -> None:
    """Counts per outcome and head, the share of built pairs that conserve, then each outcome's families."""
    heads = sorted({r.head for r in results})
    print(f"\n{'outcome':<10}" + "".join(f"{head:>25}" for head in heads) + f"{'all':>8}")
    for kind in OUTCOMES:
        counts = Counter(r.head for r in results if r.kind == kind)
        print(f"{kind:<10}" + "".join(f"{counts[head]:>25}" for head in heads) + f"{sum(counts.values()):>8}")
    built = [r for r in results if r.kind != "no-build"]
    conserving = sum(r.kind == "conserve" for r in built)
    print(f"\n{conserving} of the {len(built)} pairs that build conserve ({conserving / max(len(built), 1):.1%})")
    for kind in OUTCOMES[1:]:
        chosen = [r for r in results if r.kind == kind]
        if chosen:
            print(f"\n{kind} ({len(chosen)}):")
            for r in chosen:
                print(f"  {r.model_type} [{r.head}]: {r.detail[:300]}")
    print(f"\n{len(results)} pairs in {wall:.1f} s wall time")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="+", metavar="MODEL_TYPE", help="only these model types (both heads)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON")
    parser.add_argument(
        "--self-check", choices=("on", "off"), default="on", help="the engine's bias-free self-check (default on)"
    )
    parser.add_argument("--timeout", type=int, default=300, metavar="SECONDS", help="per pair (default 300)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
