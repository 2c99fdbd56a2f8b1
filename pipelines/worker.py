"""The model worker: one process that loads the run's model once and does every kind of model work.

A command's pool (``pool.py``) holds these as Ray actors on every node, or one in the driver's own
process (``LocalPool``). The same worker explains the
scan's shards and writes their files (``attribute``), scores the audit's counterfactual texts
(``rerun``) and draws the perturbation curves of the faithfulness check (``evaluate``), so a job
loads its model once per worker, not once per step. ``probe`` explains one text as the scan will,
before any row is read. Configuration arrives as the typed ``ScanConfig``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from lrp_audit.lrp import Explainer, TargetError, UnsupportedArchitectureError, UnsupportedDtypeError
from lrp_audit.lrp.encoding import length_batches
from lrp_audit.lrp.faithfulness import FRACTIONS, perturbable, perturbation_curves
from lrp_audit.lrp.loading import load_model
from lrp_audit.lrp.tables import to_tables
from lrp_audit.run_folder import shard_path, write_atomic

from .config import ScanConfig
from .reading import Tokenized

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Failures of the model itself, not of a row: they stop the scan instead of filling the errors table.
MODEL_FAILURES = (UnsupportedArchitectureError, UnsupportedDtypeError, TargetError)
# Explained once before any row is read, to find a model the rules cannot explain.
PROBE = "The applicant has five years of experience and a strong record."


def model_failure(error: BaseException) -> BaseException | None:
    """The model-level failure (``MODEL_FAILURES``) behind an error raised through Ray, if any."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MODEL_FAILURES):
            return error
        seen.add(id(error))
        error = getattr(error, "cause", None) or error.__cause__
    return None


def load_explainer(config: ScanConfig, threads: int | None = None) -> Explainer:
    """The run's model and explainer, on this worker's GPU when it has one."""
    if threads and not torch.cuda.is_available():
        torch.set_num_threads(threads)
    section, attribution = config.model, config.attribution
    model, tokenizer = load_model(
        section.name,
        task=section.task,
        dtype=section.dtype,
        revision=section.revision,
        num_labels=section.num_labels,
        trust_remote_code=section.trust_remote_code,
    )
    if torch.cuda.is_available():
        model.to("cuda")
    return Explainer(
        model,
        tokenizer,
        attribution.method,
        max_length=attribution.max_length,
        batch_size=attribution.batch_size,
        ig_steps=attribution.ig_steps,
        prompt=attribution.prompt,
        chat_template=attribution.chat_template,
        checkpointing=attribution.checkpointing,
    )


class ModelWorker:
    """Holds one copy of the model. A model that cannot be loaded or explained is not an actor
    failure (Ray would restart it forever): the error is kept and raised by every call."""

    def __init__(self, config: ScanConfig, threads: int | None = None) -> None:
        self.config = config
        self.broken: BaseException | None = None
        try:
            self.explainer = load_explainer(config, threads)
        except Exception as error:  # raised again, as itself, by the first call
            self.broken = error
            return
        self.device = str(self.explainer.model.device)
        self.gpu_ids = [str(gpu) for gpu in _ray_gpu_ids()]
        self._compared: dict[str, Explainer] = {}

    def describe(self) -> dict:
        """Which process, node and device this worker is, for the manifest."""
        self._check()
        return {
            "pid": os.getpid(),
            "device": self.device,
            "gpu_ids": ",".join(self.gpu_ids),
            "node": _ray_node_id(),
            "threads": torch.get_num_threads(),
        }

    def probe(self, pairs: bool) -> None:
        """Explain one text (a text pair where the scan reads ``pairs``) as ``attribute`` will
        (raises what the model or its rules cannot do)."""
        self._check()
        attribution = self.config.attribution
        self.explainer.explain([PROBE], attribution.target, contrast=attribution.contrast, pairs=[PROBE] if pairs else None)

    def attribute(self, shard: Tokenized, run_dir: str, killed: dict[int, str] | None = None) -> dict:
        """Explain a tokenised shard and write its four files; returns its counts and this worker.
        ``killed``: rows (indices of the shard's records) that killed a worker on their own, with why:
        errors of kind ``killed``, not explained again."""
        self._check()
        killed = killed or {}
        alive = [row for row in range(len(shard.records)) if row not in killed]
        explained, errors = self._explain_rows(shard, alive)
        explanations = [None] * len(shard.records)
        for row, explanation in zip(alive, explained):
            explanations[row] = explanation
        errors = shard.errors + [(shard.ids[row], "killed", reason) for row, reason in sorted(killed.items())] + errors
        kept = [i for i, explanation in enumerate(explanations) if explanation is not None]
        lengths = [len(shard.records[i]) for i in kept]
        counts = {
            "input_rows": shard.input_rows,
            "examples": len(kept),
            "errors": len(errors),
            "tokens": sum(lengths),
            "padded_tokens": self._padded_tokens(lengths),
        }
        tables = to_tables(
            [explanations[i] for i in kept],
            [shard.ids[i] for i in kept],
            [shard.labels[i] for i in kept],
            errors,
            [shard.sensitive[i] for i in kept],
        )
        folder, shard_id = Path(run_dir), shard.shard.shard_id
        for name in ("tokens", "words", "errors"):
            write_atomic(tables[name], shard_path(folder, name, shard_id))
        write_atomic(tables["examples"], shard_path(folder, "examples", shard_id), metadata=counts)
        return {"shard_id": shard_id, **counts, **self.describe()}

    def explain_rows(self, shard: Tokenized, rows: list[int]) -> int:
        """Explain some of a shard's records and keep nothing: whether they kill this process
        (``scan`` looks for the rows that do). Returns how many were explained."""
        self._check()
        self._explain_rows(shard, rows)
        return len(rows)

    def _explain_rows(self, shard: Tokenized, rows: list[int]):
        """``_explain`` of the shard's records at ``rows`` (indices), with their ids."""
        return self._explain([shard.records[row] for row in rows], [shard.ids[row] for row in rows])

    def rerun(self, rows: list[dict]) -> dict:
        """Score texts (counterfactual swaps) for the scan's explained quantity: the target's
        probability (against the contrast, if set) and the model's decision."""
        self._check()
        records = self.explainer.encode(*_texts(rows))
        scored = self.explainer.predict(records, self._targets(rows), self.config.attribution.contrast)
        return {"probability": scored.probability.tolist(), "prediction": scored.prediction.tolist()}

    def evaluate(self, rows: list[dict], methods: list[str], replacement_id: int) -> dict:
        """Perturbation curves of ``rows`` for each method and a random order. Rows without a token
        of their own text to replace (a prompt that truncation filled) come back with ``perturbed``
        false and curves of NaN."""
        self._check()
        explainers = {method: self._with_method(method) for method in methods}
        records = self.explainer.encode(*_texts(rows))
        usable = np.array([len(perturbable(record)) > 0 for record in records])
        targets = self._targets(rows)
        curves = perturbation_curves(
            explainers,
            [record for record, keep in zip(records, usable) if keep],
            [target for target, keep in zip(targets, usable) if keep],
            [row["seed"] for row, keep in zip(rows, usable) if keep],
            replacement_id,
            contrasts=[self.config.attribution.contrast] * int(usable.sum()),
        )
        columns: dict = {"perturbed": usable.tolist()}
        for method, curve in curves.items():
            for name in ("accuracy", "probability", "mse"):
                values = np.full((len(records), len(FRACTIONS)), np.nan)
                values[usable] = getattr(curve, name)
                columns[f"{method}/{name}"] = values
        return columns

    def _targets(self, rows: list[dict]) -> list:
        """The scan's target where it named one (a continuation is more than the first token the
        examples table keeps), else each row's explained (predicted) output."""
        target = self.config.attribution.target
        return [int(row["target"]) if target is None else target for row in rows]

    def _check(self) -> None:
        if self.broken is not None:
            raise self.broken

    def _with_method(self, method: str) -> Explainer:
        if method not in self._compared:
            self._compared[method] = self.explainer.with_method(method)
        return self._compared[method]

    def _explain(self, records, ids):
        """All at once; if that fails, row by row so that one bad row becomes one error."""
        target, contrast = self.config.attribution.target, self.config.attribution.contrast
        try:
            return self.explainer.explain_encoded(records, target, contrast), []
        except MODEL_FAILURES:
            raise
        except Exception:
            explanations, errors = [], []
            for record, example_id in zip(records, ids):
                try:
                    explanations += self.explainer.explain_encoded([record], target, contrast)
                except MODEL_FAILURES:
                    raise
                except Exception as error:
                    explanations.append(None)
                    errors.append((example_id, "model", f"{type(error).__name__}: {error}"))
            return explanations, errors

    def _padded_tokens(self, lengths: list[int]) -> int:
        batches = length_batches(lengths, self.explainer.batch_size)
        return sum(len(rows) * max(lengths[r] for r in rows) for rows in batches)


def _texts(rows: list[dict]) -> tuple[list[str], list[str] | None]:
    """The rows' texts, and their second texts if the run has them."""
    pairs = [row["text_pair"] for row in rows]
    return [row["text"] for row in rows], None if all(pair is None for pair in pairs) else pairs


def _ray_gpu_ids() -> list:
    import ray

    return ray.get_gpu_ids() if ray.is_initialized() else []


def _ray_node_id() -> str | None:
    import ray

    return ray.get_runtime_context().get_node_id() if ray.is_initialized() else None
