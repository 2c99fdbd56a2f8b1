"""``lrp-audit evaluate``: how faithful is a run's relevance to its model?

A seeded sample of the run's examples -> perturbation curves for each compared method and a random
order, on the model-actor pool (lrp/faithfulness.py) -> the paper-shaped table and a verdict
(audits/faithfulness.py) -> ``faithfulness.json`` in the run folder.
"""

from __future__ import annotations

import zlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow.dataset as ds
from rich.console import Console

from lrp_audit.audits.faithfulness import summarize
from lrp_audit.lrp import LRPError
from lrp_audit.lrp.faithfulness import FRACTIONS, RANDOM, Curves, replacement_token

from .cluster import map_on_pool
from .config import ScanConfig
from .stages import Evaluate
from lrp_audit.run_folder import FAITHFULNESS_FILE, Kept, complete_manifest, current_or_made, settings_key
from lrp_audit.run_folder.records import FaithfulnessReport, Manifest

FILE = FAITHFULNESS_FILE  # the current evaluation, at the top of the run folder
STEP = "evaluation"  # every evaluation is kept in kept/evaluation-<key>/
DEFAULT_SAMPLE = 200
ROWS_PER_BATCH = 16
CURVES = ("accuracy", "probability", "mse")


class EvaluationError(ValueError):
    """A run that cannot be evaluated; the message names the folder or key."""


def run_evaluation(
    run_dir: str | Path, config: ScanConfig, console: Console | None = None
) -> Kept[FaithfulnessReport]:
    """Evaluate ``run_dir`` with ``config.evaluation`` (``sample`` examples, 200 when unset).

    ``faithfulness.json`` in the run folder is the current evaluation; every evaluation is kept in
    ``kept/evaluation-<key>/`` under the key of its run and settings, so one with other settings
    never replaces an earlier one for good, and asking again for one that exists costs nothing."""
    run_dir = Path(run_dir)
    manifest = complete_manifest(run_dir)
    size = config.evaluation.sample or DEFAULT_SAMPLE
    key = settings_key(STEP, manifest.identity, config.evaluation.model_dump() | {"sample": size})
    return current_or_made(
        run_dir,
        STEP,
        key,
        (FILE,),
        lambda _folder: _evaluate(run_dir, manifest, config, size, console),
        FaithfulnessReport,
    )


def _evaluate(
    run_dir: Path, manifest: Manifest, config: ScanConfig, size: int, console: Console | None
) -> FaithfulnessReport:
    settings = config.evaluation
    method = manifest.method or config.attribution.method
    methods = list(dict.fromkeys([method, *settings.methods]))  # the run's own method always, first
    token, token_id = _replacement(config)
    rows = sample_examples(run_dir, size, settings.seed)
    if not rows:
        raise EvaluationError(f"{run_dir}: the run has no explained example to evaluate")
    step = (console, "faithfulness check") if console else None
    results = map_on_pool(config, rows, Evaluate, ROWS_PER_BATCH, step, methods=methods, replacement_id=token_id)
    perturbed = [bool(result["perturbed"]) for result in results]
    if not any(perturbed):
        raise EvaluationError(f"{run_dir}: no sampled example has a token of its own text to replace")
    kept = [result for result, ok in zip(results, perturbed) if ok]
    curves = {
        name: Curves(*(np.stack([result[f"{name}/{curve}"] for result in kept]) for curve in CURVES))
        for name in [*methods, RANDOM]
    }
    summary = summarize(curves, FRACTIONS, settings, method)
    return FaithfulnessReport(
        run_id=manifest.run_id,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        settings=settings.model_dump() | {"sample": len(rows)},
        fractions=list(FRACTIONS),
        replacement={"token": token, "token_id": token_id},
        examples=int(sum(perturbed)),
        skipped=[
            {"example_id": row["example_id"], "reason": "no token of its own text to replace"}
            for row, ok in zip(rows, perturbed)
            if not ok
        ],
        results=summary.results,
        verdict=summary.verdict,
    )


def _replacement(config: ScanConfig) -> tuple[str, int]:
    """The replacement token, checked before any actor starts."""
    from lrp_audit.lrp.loading import load_tokenizer

    section = config.model
    try:
        tokenizer = load_tokenizer(section.name, section.revision, section.trust_remote_code)
    except LRPError as error:
        raise EvaluationError(f"model.name: the run's {error}") from None
    try:
        return replacement_token(tokenizer, config.evaluation.replacement)
    except LRPError as error:
        raise EvaluationError(f"evaluation.replacement: {error}") from None


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
