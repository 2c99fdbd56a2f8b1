"""Rerun texts through a run's model on the Ray pool: what the audit's counterfactual check needs."""

from __future__ import annotations

from audits.audit import Predict

from .cluster import pool_options, quiet_data_context, start_ray
from .config import ScanConfig
from .stages import Rerun

ROWS_PER_BATCH = 256


def ray_predictor(config: ScanConfig) -> Predict:
    """A function from rows ``{text, text_pair, target}`` to ``{probability, prediction}`` that runs
    the scan's model on a pool of actors (one per GPU), started only when called."""

    def predict(rows: list[dict]) -> list[dict]:
        import ray
        import ray.data

        started = start_ray(config)
        try:
            pool = pool_options(config)
            quiet_data_context()
            items = [{"row": index, **row} for index, row in enumerate(rows)]
            dataset = ray.data.from_items(items).map_batches(
                Rerun,
                batch_size=ROWS_PER_BATCH,
                compute=ray.data.ActorPoolStrategy(size=pool["concurrency"]),
                num_cpus=pool["num_cpus"],
                num_gpus=pool["num_gpus"],
                fn_constructor_kwargs={"config": config.model_dump(), "threads": pool["threads"]},
            )
            results = sorted(dataset.take_all(), key=lambda result: result["row"])
        finally:
            if started:
                ray.shutdown()
        return [{"probability": float(r["probability"]), "prediction": int(r["prediction"])} for r in results]

    return predict
