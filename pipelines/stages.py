"""The Ray Data stages: a scan's two, one shard per call, and the audit's rerun.

``tokenize`` runs as CPU tasks ahead of the model: it reads the shard, sorts bad rows into errors
and tokenises the rest. ``Attribute`` is a callable class, so each actor loads the model once; it
explains the shard, writes the shard's four Parquet files (tokens, words, examples, errors) and
returns one summary row. ``Rerun`` holds the same model to score counterfactual texts, and
``Evaluate`` to draw the perturbation curves of ``lrp-audit evaluate``.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pyarrow as pa
import torch

from lrp_audit.lrp import Explainer, TargetError, UnsupportedArchitectureError, UnsupportedDtypeError
from lrp_audit.lrp.encoding import encode, length_batches
from lrp_audit.lrp.faithfulness import FRACTIONS, perturbable, perturbation_curves
from lrp_audit.lrp.loading import load_model, load_tokenizer
from lrp_audit.lrp.tables import to_tables

from .sources import Shard, read_shard
from lrp_audit.run_folder import shard_path, write_atomic

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Failures of the model itself, not of a row: they stop the scan instead of filling the errors table.
MODEL_FAILURES = (UnsupportedArchitectureError, UnsupportedDtypeError, TargetError)


def model_failure(error: BaseException) -> BaseException | None:
    """The model-level failure (``MODEL_FAILURES``) behind an error raised through Ray, if any."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, MODEL_FAILURES):
            return error
        seen.add(id(error))
        error = getattr(error, "cause", None) or error.__cause__
    return None


@cache
def _tokenizer(name: str, revision: str | None, trust_remote_code: bool):
    return load_tokenizer(name, revision, trust_remote_code)


def _example_ids(table: pa.Table, shard: Shard, id_column: str | None) -> list[str]:
    if id_column is None:
        return [str(shard.first_row + row) for row in range(table.num_rows)]
    return [_as_str(value) for value in table.column(id_column).to_pylist()]


def _as_str(value) -> str | None:
    """An id or label as text; bytes that are not UTF-8 (a CSV reader types such a column as binary)
    keep their valid characters and show each bad byte as U+FFFD."""
    if value is None:
        return None
    return value.decode("utf-8", errors="replace") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class NotUTF8:
    """A text cell whose bytes are not UTF-8, and where the first bad byte is."""

    where: str


def _decoded(value):
    """A text cell as str where it can be: bytes (a CSV column with a bad byte anywhere is read as
    binary) are decoded one row at a time, so a bad byte makes only its own row an error."""
    if not isinstance(value, bytes):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError as error:
        return NotUTF8(f"byte 0x{value[error.start]:02x} at offset {error.start}")


def _problem(name: str, value) -> str | None:
    if value is None:
        return f"{name} is null"
    if isinstance(value, NotUTF8):
        return f"{name} is not valid UTF-8 ({value.where})"
    if not isinstance(value, str):
        return f"{name} is not text ({type(value).__name__})"
    if not value.strip():
        return f"{name} is empty"
    return None


def tokenize(batch: dict, config: dict) -> dict:
    """One shard descriptor in; one row out holding the shard's tokenised records and its bad rows."""
    shard = Shard(**{key: value[0].item() if hasattr(value[0], "item") else value[0] for key, value in batch.items()})
    data, model = config["dataset"], config["model"]
    names = (data["text_column"], data["text_pair_column"], data["label_column"], data["id_column"])
    table = read_shard(shard, list(dict.fromkeys(c for c in names if c)))
    ids = _example_ids(table, shard, data["id_column"])
    texts, pairs = ([_decoded(v) for v in table.column(column).to_pylist()] if column else None for column in names[:2])
    labels = table.column(names[2]).to_pylist() if names[2] else [None] * len(texts)
    good, errors = [], []
    for row, example_id in enumerate(ids):
        problem = "id is null" if example_id is None else _problem("text", texts[row])
        problem = problem or (_problem("text pair", pairs[row]) if pairs else None)
        if problem:
            errors.append((example_id or f"row {shard.first_row + row}", "invalid_text", problem))
        else:
            good.append(row)
    tokenizer = _tokenizer(model["name"], model["revision"], model["trust_remote_code"])
    attribution = config["attribution"]

    def encoded(rows: list[int]):
        return encode(
            tokenizer,
            [texts[r] for r in rows],
            attribution["max_length"],
            attribution["prompt"],
            [pairs[r] for r in rows] if pairs else None,
        )

    try:
        records = encoded(good)
    except Exception:  # one bad row must not fail the shard: find it
        records, kept = [], []
        for row in good:
            try:
                records += encoded([row])
                kept.append(row)
            except Exception as error:
                errors.append((ids[row], "tokenizer", f"{type(error).__name__}: {error}"))
        good = kept
    payload = {
        "shard": shard,
        "ids": [ids[r] for r in good],
        "labels": [_as_str(labels[r]) for r in good],
        "records": records,
        "errors": errors,
        "input_rows": table.num_rows,
    }
    return {"shard_id": [shard.shard_id], "payload": [pickle.dumps(payload)]}


def load_explainer(config: dict, threads: int | None = None) -> Explainer:
    """The scan's model and explainer, on this worker's GPU when it has one."""
    if threads and not torch.cuda.is_available():
        torch.set_num_threads(threads)
    model_section, attribution = config["model"], config["attribution"]
    model, tokenizer = load_model(
        model_section["name"],
        task=model_section["task"],
        dtype=model_section["dtype"],
        revision=model_section["revision"],
        num_labels=model_section["num_labels"],
        trust_remote_code=model_section["trust_remote_code"],
    )
    if torch.cuda.is_available():
        model.to("cuda")
    return Explainer(
        model,
        tokenizer,
        attribution["method"],
        max_length=attribution["max_length"],
        batch_size=attribution["batch_size"],
        ig_steps=attribution["ig_steps"],
        prompt=attribution["prompt"],
    )


class Attribute:
    """A pool of these holds the model: one actor per GPU, or CPU actors with fractional CPUs."""

    def __init__(self, config: dict, run_dir: str, threads: int | None = None) -> None:
        self.explainer = load_explainer(config, threads)
        self.target = config["attribution"]["target"]
        self.run_dir = run_dir
        self.device = str(self.explainer.model.device)
        self.gpu_ids = [str(gpu) for gpu in _ray_gpu_ids()]

    def __call__(self, batch: dict) -> dict:
        payload = pickle.loads(batch["payload"][0])
        shard, records = payload["shard"], payload["records"]
        explanations, errors = self._explain(records, payload["ids"])
        errors = payload["errors"] + errors
        kept = [i for i, e in enumerate(explanations) if e is not None]
        explained = [explanations[i] for i in kept]
        ids = [payload["ids"][i] for i in kept]
        labels = [payload["labels"][i] for i in kept]
        real = sum(len(records[i]) for i in kept)
        padded = self._padded_tokens([len(records[i]) for i in kept])
        counts = {
            "input_rows": payload["input_rows"],
            "examples": len(explained),
            "errors": len(errors),
            "tokens": real,
            "padded_tokens": padded,
        }
        run_dir = Path(self.run_dir)
        tables = to_tables(explained, ids, labels, errors)
        for name in ("tokens", "words", "errors"):
            write_atomic(tables[name], shard_path(run_dir, name, shard.shard_id))
        write_atomic(tables["examples"], shard_path(run_dir, "examples", shard.shard_id), metadata=counts)
        return {
            "shard_id": [shard.shard_id],
            **{key: [value] for key, value in counts.items()},
            "device": [self.device],
            "gpu_ids": [",".join(self.gpu_ids)],
            "pid": [os.getpid()],
        }

    def _explain(self, records, ids):
        """All at once; if that fails, row by row so that one bad row becomes one error."""
        try:
            return self.explainer.explain_encoded(records, self.target), []
        except MODEL_FAILURES:
            raise
        except Exception:
            explanations, errors = [], []
            for record, example_id in zip(records, ids):
                try:
                    explanations += self.explainer.explain_encoded([record], self.target)
                except MODEL_FAILURES:
                    raise
                except Exception as error:
                    explanations.append(None)
                    errors.append((example_id, "model", f"{type(error).__name__}: {error}"))
            return explanations, errors

    def _padded_tokens(self, lengths: list[int]) -> int:
        batches = length_batches(lengths, self.explainer.batch_size)
        return sum(len(rows) * max(lengths[r] for r in rows) for rows in batches)


class Rerun:
    """Reruns texts (counterfactual swaps) through the scan's model: target probability, prediction."""

    def __init__(self, config: dict, threads: int | None = None) -> None:
        self.explainer = load_explainer(config, threads)

    def __call__(self, batch: dict) -> dict:
        records = self.explainer.encode(*_texts(batch))
        scored = self.explainer.predict(records, [int(target) for target in batch["target"]])
        return {"row": batch["row"], "probability": scored.probability, "prediction": scored.prediction}


class Evaluate:
    """Perturbation curves of sampled examples, for each compared method and a random order."""

    def __init__(self, config: dict, methods: list[str], replacement_id: int, threads: int | None = None) -> None:
        explainer = load_explainer(config, threads)
        self.explainers = {method: explainer.with_method(method) for method in methods}
        self.replacement_id = replacement_id  # resolved (and checked) by the driver

    def __call__(self, batch: dict) -> dict:
        """Rows without a token of their own text to replace (a prompt that truncation filled) are
        returned with ``perturbed`` false and empty curves."""
        records = next(iter(self.explainers.values())).encode(*_texts(batch))
        usable = np.array([len(perturbable(record)) > 0 for record in records])
        curves = perturbation_curves(
            self.explainers,
            [record for record, keep in zip(records, usable) if keep],
            batch["target"][usable].tolist(),
            batch["seed"][usable].tolist(),
            self.replacement_id,
        )
        columns = {"row": batch["row"], "perturbed": usable}
        for method, curve in curves.items():
            for name in ("accuracy", "probability", "mse"):
                values = np.full((len(records), len(FRACTIONS)), np.nan)
                values[usable] = getattr(curve, name)
                columns[f"{method}/{name}"] = values
        return columns


def _texts(batch: dict) -> tuple[list[str], list[str] | None]:
    """A batch's texts, and its second texts if the run has them. Ray Data turns a column of nulls
    into float NaN, so anything that is not a string means "no second text"."""
    pairs = [pair if isinstance(pair, str) else None for pair in batch["text_pair"]]
    return [str(text) for text in batch["text"]], None if all(pair is None for pair in pairs) else pairs


def _ray_gpu_ids() -> list:
    import ray

    return ray.get_gpu_ids() if ray.is_initialized() else []
