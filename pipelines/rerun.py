"""Rerun texts through a run's model on the command's pool: what the audit's counterfactual check needs."""

from __future__ import annotations

from lrp_audit.audits.audit import Predict

from .config import ScanConfig
from .runtime import Runtime

ROWS_PER_BATCH = 256


def ray_predictor(config: ScanConfig, runtime: Runtime) -> Predict:
    """A function from rows ``{text, text_pair, target}`` to ``{probability, prediction}`` that runs
    the scan's model on the runtime's pool (started only when called, and shared with the scan and
    the evaluation); its progress goes to the runtime's console."""

    def predict(rows: list[dict]) -> list[dict]:
        pool = runtime.pool(config)
        batches = pool.map_batches("rerun", rows, ROWS_PER_BATCH, (runtime.console, "counterfactual swaps"))
        return [
            {"probability": float(probability), "prediction": int(prediction)}
            for batch in batches
            for probability, prediction in zip(batch["probability"], batch["prediction"])
        ]

    return predict
