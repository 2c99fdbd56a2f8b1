"""A run's faithfulness check: how faithful is its relevance to its model?

A seeded sample of the run's examples -> perturbation curves for each compared method and a random
order, from a ``Perturb`` function that runs where the model is (the command's pool of model
workers; lrp/faithfulness.py) -> the paper-shaped table and a verdict (``faithfulness.py``) ->
``faithfulness.json`` in the run folder. Like the audit's ``Predict``, the seam keeps this module
free of Ray and of any model.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds

from lrp_audit.lrp.faithfulness import FRACTIONS, Curves
from lrp_audit.run_folder import FAITHFULNESS_FILE, Kept, complete_manifest, current_or_made, settings_key
from lrp_audit.run_folder.records import FaithfulnessReport, Manifest

from .faithfulness import summarize
from .settings import EvaluationSettings

STEP = "evaluation"  # every evaluation is kept in kept/evaluation-<key>/
DEFAULT_SAMPLE = 200


class EvaluationError(ValueError):
    """A run that cannot be evaluated; the message names the folder or key."""


@dataclass(frozen=True)
class Perturbed:
    """Perturbation curves of sampled rows."""

    replacement: tuple[str, int]  # the token that stood in for removed ones, and its id
    perturbed: list[bool]  # per row: it had a token of its own text to replace
    curves: dict[str, Curves]  # per method and the random order, the perturbed rows only


# Rows {text, text_pair, target, seed} and the methods to compare -> their curves.
Perturb = Callable[[list[dict], list[str]], Perturbed]


def run_evaluation(
    run_dir: str | Path, settings: EvaluationSettings, perturb: Perturb, method: str | None = None
) -> Kept[FaithfulnessReport]:
    """Evaluate ``run_dir`` with ``settings`` (``sample`` examples, 200 when unset) for the run's own
    method (``method`` where the manifest names none) and ``settings.methods``.

    ``faithfulness.json`` in the run folder is the current evaluation; every evaluation is kept in
    ``kept/evaluation-<key>/`` under the key of its run and settings, so one with other settings
    never replaces an earlier one for good, and asking again for one that exists costs nothing."""
    run_dir = Path(run_dir)
    manifest = complete_manifest(run_dir)
    size = settings.sample or DEFAULT_SAMPLE
    key = settings_key(STEP, manifest.identity, settings.model_dump() | {"sample": size})
    return current_or_made(
        run_dir,
        STEP,
        key,
        (FAITHFULNESS_FILE,),
        lambda _folder: _evaluate(run_dir, manifest, settings, size, perturb, manifest.method or method),
        FaithfulnessReport,
    )


def _evaluate(
    run_dir: Path, manifest: Manifest, settings: EvaluationSettings, size: int, perturb: Perturb, method: str
) -> FaithfulnessReport:
    methods = list(dict.fromkeys([method, *settings.methods]))  # the run's own method always, first
    rows = sample_examples(run_dir, size, settings.seed)
    if not rows:
        raise EvaluationError(f"{run_dir}: the run has no explained example to evaluate")
    found = perturb(rows, methods)
    if not any(found.perturbed):
        raise EvaluationError(f"{run_dir}: no sampled example has a token of its own text to replace")
    summary = summarize(found.curves, FRACTIONS, settings, method)
    token, token_id = found.replacement
    return FaithfulnessReport(
        run_id=manifest.run_id,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        settings=settings.model_dump() | {"sample": len(rows)},
        fractions=list(FRACTIONS),
        replacement={"token": token, "token_id": token_id},
        examples=sum(found.perturbed),
        skipped=[
            {"example_id": row["example_id"], "reason": "no token of its own text to replace"}
            for row, ok in zip(rows, found.perturbed)
            if not ok
        ],
        results=summary.results,
        verdict=summary.verdict,
    )


def sample_examples(run_dir: Path, size: int, seed: int) -> list[dict]:
    """``size`` examples drawn without replacement (seeded; all of them if the run has fewer), in
    example-id order, each with the seed of its random token order."""
    table = ds.dataset(run_dir / "examples", format="parquet").to_table(
        columns=["example_id", "text", "text_pair", "target"]
    )
    table = table.sort_by("example_id")
    if table.num_rows > size:
        chosen = np.sort(np.random.default_rng([seed, zlib.crc32(b"sample")]).choice(table.num_rows, size, False))
        table = table.take(chosen)
    rows = table.to_pylist()
    for row in rows:
        row["seed"] = zlib.crc32(f"{seed}/{row['example_id']}".encode())
    return rows
