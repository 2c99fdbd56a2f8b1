"""Perturbation curves on the command's pool: what the faithfulness check needs of the model."""

from __future__ import annotations

import numpy as np

from lrp_audit.audits.evaluation import EvaluationError, Perturb, Perturbed
from lrp_audit.lrp import LRPError
from lrp_audit.lrp.faithfulness import RANDOM, Curves, replacement_token

from .config import ScanConfig
from .runtime import Runtime

ROWS_PER_BATCH = 16
CURVES = ("accuracy", "probability", "mse")


def ray_perturber(config: ScanConfig, runtime: Runtime) -> Perturb:
    """A function from rows ``{text, text_pair, target, seed}`` and methods to their perturbation
    curves, drawn by the run's model on the runtime's pool (started only when called, and shared
    with the scan and the audit); its progress goes to the runtime's console."""

    def perturb(rows: list[dict], methods: list[str]) -> Perturbed:
        token, token_id = _replacement(config)
        pool = runtime.pool(config)
        step = (runtime.console, "faithfulness check")
        batches = pool.map_batches("evaluate", rows, ROWS_PER_BATCH, step, methods=methods, replacement_id=token_id)
        perturbed = [ok for batch in batches for ok in batch["perturbed"]]
        keep = np.array(perturbed)
        curves = {
            name: Curves(*(np.concatenate([batch[f"{name}/{curve}"] for batch in batches])[keep] for curve in CURVES))
            for name in [*methods, RANDOM]
        }
        return Perturbed((token, token_id), perturbed, curves)

    return perturb


def _replacement(config: ScanConfig) -> tuple[str, int]:
    """The replacement token, checked (with the tokenizer alone) before any worker starts."""
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
