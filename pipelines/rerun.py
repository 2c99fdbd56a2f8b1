"""Rerun texts through a run's model on the command's pool: what the audit's counterfactual check needs."""

from __future__ import annotations

from rich.console import Console

from lrp_audit.audits.audit import Predict

from .config import ScanConfig
from .pool import model_pool

ROWS_PER_BATCH = 256


def ray_predictor(config: ScanConfig, console: Console | None = None) -> Predict:
    """A function from rows ``{text, text_pair, target}`` to ``{probability, prediction}`` that runs
    the scan's model on the command's pool of actors (started only when called, and shared with
    the scan and the evaluation inside ``one_ray``); its progress goes to ``console``."""

    def predict(rows: list[dict]) -> list[dict]:
        step = (console, "counterfactual swaps") if console else None
        with model_pool(config) as pool:
            batches = pool.map_batches("rerun", rows, ROWS_PER_BATCH, step)
        return [
            {"probability": float(probability), "prediction": int(prediction)}
            for batch in batches
            for probability, prediction in zip(batch["probability"], batch["prediction"])
        ]

    return predict
