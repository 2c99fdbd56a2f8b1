"""Rerun texts through a run's model on the Ray pool: what the audit's counterfactual check needs."""

from __future__ import annotations

from rich.console import Console

from lrp_audit.audits.audit import Predict

from .cluster import map_on_pool
from .config import ScanConfig
from .stages import Rerun

ROWS_PER_BATCH = 256


def ray_predictor(config: ScanConfig, console: Console | None = None) -> Predict:
    """A function from rows ``{text, text_pair, target}`` to ``{probability, prediction}`` that runs
    the scan's model on a pool of actors (one per GPU), started only when called; its progress
    goes to ``console``."""

    def predict(rows: list[dict]) -> list[dict]:
        step = (console, "counterfactual swaps") if console else None
        results = map_on_pool(config, rows, Rerun, ROWS_PER_BATCH, step)
        return [{"probability": float(r["probability"]), "prediction": int(r["prediction"])} for r in results]

    return predict
