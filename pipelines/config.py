"""Scan configuration: YAML plus ``--set key.path=value`` overrides, validated in full before any work.

Every error names the key (``attribution.batch_size``), and a config can never write outside
``runtime.output_dir``: ``runtime.run_id`` is a single, plain path part.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from lrp_audit.audits.settings import AuditSettings, EvaluationSettings
from lrp_audit.lrp.encoding import check_prompt
from lrp_audit.lrp.targets import contrast_refusal
from lrp_audit.lrp.methods import resolve_method
from lrp_audit.run_folder import MANIFEST_FILE, RunFolderError, read_manifest
from lrp_audit.run_folder.validation import first_problem

AFTER_SCAN = ("audit.", "evaluation.")  # sections that do not change a run's results
PATH_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class ConfigError(ValueError):
    """A config that cannot run; the message names the key or path."""


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ModelSection(Section):
    name: str = Field(description="Hub id or local folder.")
    revision: str | None = None
    dtype: Literal["float32", "bfloat16"] = "float32"
    task: Literal["auto", "sequence-classification", "causal-lm"] = "auto"
    num_labels: int | None = Field(default=None, ge=1)
    trust_remote_code: bool = False


class DatasetSection(Section):
    name: str = Field(description="Hub id, local parquet/csv/json(l) file or glob, a save_to_disk folder, or an fsspec URL.")
    config: str | None = None
    split: str = "train"
    revision: str | None = None
    text_column: str = "text"
    text_pair_column: str | None = None
    label_column: str | None = None
    id_column: str | None = None
    sensitive_columns: list[str] = Field(
        default=[], description="Columns copied into the examples table to group its examples; never shown to the model."
    )
    limit: int | None = Field(default=None, ge=1)

    @field_validator("sensitive_columns")
    @classmethod
    def _each_once(cls, columns: list[str], info: ValidationInfo) -> list[str]:
        repeated = sorted({column for column in columns if columns.count(column) > 1})
        if repeated:
            raise ValueError(f"column {repeated[0]!r} is listed twice")
        for key in ("text_column", "text_pair_column"):
            if info.data.get(key) in columns:
                raise ValueError(f"column {info.data[key]!r} is the dataset.{key}: the model reads it")
        return columns


class AttributionSection(Section):
    method: str = "cp-lrp"
    target: int | str | None = None
    contrast: int | str | None = Field(default=None, description="Subtracted from the target: logit(target) - logit(contrast).")
    prompt: str | None = None
    chat_template: bool = Field(default=False, description="Wrap the prompt in the tokenizer's chat template.")
    max_length: int = Field(default=512, ge=2)
    batch_size: int = Field(default=16, ge=1)
    ig_steps: int = Field(default=50, ge=1)
    checkpointing: bool = Field(default=False, description="Recompute each layer in the backward pass: less memory.")

    @field_validator("method")
    @classmethod
    def _known_method(cls, value: str) -> str:
        resolve_method(value)  # an LRPError is a ValueError: pydantic reports it under the key
        return value

    @field_validator("prompt")
    @classmethod
    def _one_slot(cls, value: str | None) -> str | None:
        check_prompt(value)
        return value

    @field_validator("contrast")
    @classmethod
    def _against_a_target(cls, value: int | str | None, info: ValidationInfo) -> int | str | None:
        refusal = contrast_refusal(info.data.get("target"), value)  # target is validated first: declared before
        if refusal:
            raise ValueError(refusal)
        return value


class RuntimeSection(Section):
    executor: Literal["auto", "ray", "local"] = "auto"
    ray_address: str | None = None
    num_workers: int | None = Field(default=None, ge=1)
    cpus_per_worker: int | None = Field(default=None, ge=1)
    max_attempts: int = Field(default=3, ge=1)
    output_dir: str = "runs"
    run_id: str | None = None
    shard_rows: int = Field(default=4000, ge=1)
    part_rows: int | None = Field(
        default=1_000_000, ge=1, description="Input rows per compacted file of a complete run; null: one file per shard."
    )

    @field_validator("run_id")
    @classmethod
    def _plain_path_part(cls, value: str | None) -> str | None:
        if value is not None and (not PATH_PART.fullmatch(value) or value in (".", "..") or ".." in value):
            raise ValueError("must be a plain name (letters, digits, '.', '_', '-'; no '..' or separators)")
        return value


class ScanConfig(Section):
    model: ModelSection
    dataset: DatasetSection
    attribution: AttributionSection = AttributionSection()
    runtime: RuntimeSection = RuntimeSection()
    audit: AuditSettings = AuditSettings()
    evaluation: EvaluationSettings = EvaluationSettings()

    @model_validator(mode="after")
    def _pair_or_prompt(self) -> "ScanConfig":
        attribution = self.attribution
        if self.dataset.text_pair_column is not None and (attribution.prompt is not None or attribution.chat_template):
            raise ValueError("dataset.text_pair_column and attribution.prompt or chat_template cannot be combined")
        return self

    def identity(self) -> dict[str, Any]:
        """What defines the scan's result: everything but where it runs, how it is audited and
        evaluated, checkpointing (the same relevance for less memory) and how many files hold the rows
        (``part_rows``: the same rows). Options at their default are left out, so that a run made
        before they existed keeps its identity."""
        identity = self.model_dump(
            exclude={
                "runtime": {"executor", "ray_address", "num_workers", "cpus_per_worker", "max_attempts", "output_dir", "run_id", "part_rows"},
                "attribution": {"checkpointing"},
                "audit": True,
                "evaluation": True,
            }
        )
        for key, default in (("contrast", None), ("chat_template", False)):
            if identity["attribution"][key] == default:
                del identity["attribution"][key]
        if not identity["dataset"]["sensitive_columns"]:
            del identity["dataset"]["sensitive_columns"]
        return identity

    def identity_hash(self) -> str:
        canonical = json.dumps(self.identity(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def _set(tree: dict, dotted: str, raw: str) -> None:
    keys = dotted.split(".")
    node = tree
    for depth, key in enumerate(keys[:-1]):
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(f"--set {dotted}: {'.'.join(keys[: depth + 1])} is not a section")
        node = child
    node[keys[-1]] = yaml.safe_load(raw) if raw != "" else None


def load_config(path: str | Path, overrides: list[str] = ()) -> ScanConfig:
    """Read YAML, apply ``key.path=value`` overrides (values parsed as YAML), validate everything."""
    return validated(read_tree(path), overrides, f"in {path}")


def read_tree(path: str | Path) -> dict:
    """A YAML config's sections, not yet validated; a file that is not one is one message naming it."""
    path = Path(path)
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise ConfigError(f"config {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"config {path} is not valid YAML: {error}") from None
    if not isinstance(tree, dict):
        raise ConfigError(f"config {path} must be a mapping of sections (model, dataset, ...)")
    return tree


def check_lexicons(settings: AuditSettings) -> None:
    """The audit's lexicons load, checked with the rest of the config so that a misspelt axis stops
    the scan before it starts, not after it ran."""
    from lrp_audit.audits.lexicon import LexiconError, load_lexicons

    try:
        load_lexicons(settings.axes, settings.lexicons)
    except LexiconError as error:
        raise ConfigError(str(error)) from None


def load_run_config(run_dir: str | Path, overrides: list[str] = ()) -> ScanConfig:
    """The config a run was scanned with (from its manifest), with ``audit.*`` and ``evaluation.*``
    overrides applied (the rest is what the run's results were made with)."""
    path = Path(run_dir) / MANIFEST_FILE
    if not path.is_file():
        raise ConfigError(f"{run_dir}: no manifest.json; give the folder of a scan run (runs/<run_id>)")
    try:
        tree = read_manifest(run_dir).config
    except RunFolderError as error:
        raise ConfigError(str(error)) from None
    if tree is None or "model" not in tree:
        raise ConfigError(f"{path} holds no scan config; was this folder written by lrp-audit scan?")
    for override in overrides:
        if not override.startswith(AFTER_SCAN):
            raise ConfigError(f"--set {override!r}: only audit.* and evaluation.* keys can change after the scan")
    return validated(tree, overrides, f"in {path}", lexicons=False)


def validated(tree: dict, overrides: list[str], where: str, lexicons: bool = True) -> ScanConfig:
    """A config's tree with ``key.path=value`` overrides, validated; every error names the key and
    where it came from (``where``: "in config.yaml", or the ``--set`` that wrote it). With
    ``lexicons``, an audit's lexicons are loaded too, so that a misspelt axis stops it before it starts."""
    for override in overrides:
        key, sep, value = override.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set {override!r}: expected key.path=value")
        _set(tree, key.strip(), value)
    try:
        config = ScanConfig.model_validate(tree)
    except ValidationError as error:
        key, message = first_problem(error)
        key = key or "config"
        raise ConfigError(f"{key}: {message} ({_source(key, overrides, where)})") from None
    if lexicons and config.audit.enabled:
        check_lexicons(config.audit)
    return config


def _source(key: str, overrides: list[str], where: str) -> str:
    """Where a bad key came from: the last ``--set`` that wrote it (or a key under it), else the file."""
    for override in reversed(overrides):
        dotted = override.partition("=")[0].strip()
        if key == dotted or key.startswith(dotted + ".") or dotted.startswith(key + "."):
            return f"from --set {override}"
    return where
