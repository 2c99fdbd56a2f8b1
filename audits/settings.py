"""The ``audit`` and ``evaluation`` sections of a scan config: which lexicons, when a group is
flagged, and how the faithfulness of the relevance is checked."""

from __future__ import annotations

import re
from typing import Literal

import duckdb
from pydantic import BaseModel, ConfigDict, Field, field_validator

from lrp_audit.lrp.methods import resolve_method
from lrp_audit.run_folder.records import IntervalMethod

from .lexicon import DEFAULT_AXES

IntervalChoice = Literal["auto", "bootstrap", "analytic"]


class AuditSettings(BaseModel):
    """Defaults are documented in configs/example-scan.yaml; every value is checked on load."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool = Field(True, description="Run the audit at the end of every scan.")
    axes: list[str] = Field(list(DEFAULT_AXES), description="Bundled lexicons to use (audits/lexicons/*.yaml).")
    lexicons: list[str] = Field([], description="Your own lexicon files, in the bundled format.")
    language: str = Field(
        "auto",
        description="The examples' language (ISO 639-1: en, de, fr, ...), or auto: detected per example among the "
        "EU's official languages; each example is matched and swapped with the lexicons of its language.",
    )
    min_examples: int = Field(10, ge=2, description="Groups, classes and terms seen in fewer examples are not tested.")
    min_lift: float = Field(1.5, gt=0, description="Flag when the lift's lower confidence bound is above this.")
    alpha: float = Field(0.05, gt=0, lt=1, description="False discovery rate (Benjamini-Hochberg).")
    confidence: float = Field(0.95, gt=0, lt=1, description="Level of the confidence intervals.")
    resamples: int = Field(2000, ge=100, description="Bootstrap and permutation resamples.")
    interval_method: IntervalChoice = Field(
        "auto",
        description="bootstrap: resample every test; analytic: Fieller, t and normal-approximation intervals and "
        "p-values from moments computed in SQL; auto: bootstrap tests of at most bootstrap_max_examples examples.",
    )
    bootstrap_max_examples: int = Field(
        1000, ge=0, description="With interval_method auto, larger tests get analytic intervals and p-values."
    )
    top_k: int = Field(3, ge=1, description="A word is among its example's top k by |relevance|.")
    counterfactual_examples: int = Field(500, ge=1, description="Examples swapped per flagged group (a seeded sample).")
    min_probability_change: float = Field(
        0.05, ge=0, le=1, description="Swapping must move the target probability this much more than the control."
    )
    proxy_min_count: int = Field(
        20, ge=2, description="Words in fewer examples with a sensitive column's value are not tested as proxies."
    )
    proxy_min_odds_ratio: float = Field(
        2.0, gt=1, description="A word goes with a group when its odds ratio is at least this (and q <= alpha)."
    )
    proxy_max_words: int = Field(
        50, ge=1, description="The most strongly associated words whose relevance and counterfactual are tested."
    )
    seed: int = 0
    fail_on_flag: bool = Field(False, description="Exit with code 3 when a flag is raised.")
    memory_limit: str | None = Field(
        None, description="DuckDB's memory for the audit (e.g. '4GB'); beyond it, it spills to disk. None: 80% of RAM."
    )

    @field_validator("language")
    @classmethod
    def _language_code(cls, language: str) -> str:
        if language != "auto" and not re.fullmatch(r"[a-z]{2,3}", language):
            raise ValueError(f"{language!r} is neither auto nor a language code (ISO 639-1, such as en, de, fr)")
        return language

    @field_validator("memory_limit")
    @classmethod
    def _duckdb_memory(cls, limit: str | None) -> str | None:
        if limit is not None:
            try:
                duckdb.connect(config={"memory_limit": limit}).close()  # DuckDB's own reading of the value
            except duckdb.Error as error:
                raise ValueError(str(error).strip().splitlines()[0]) from None
        return limit

    def interval_method_for(self, examples: int) -> IntervalMethod:
        """How a test of ``examples`` examples gets its intervals and p-value: a bootstrap costs
        examples x resamples, the analytic method the same at any size."""
        if self.interval_method != "auto":
            return self.interval_method
        return "bootstrap" if examples <= self.bootstrap_max_examples else "analytic"


class EvaluationSettings(BaseModel):
    """The ``evaluation`` section: the faithfulness check of ``lrp-audit evaluate`` (off in scans unless
    ``sample`` is set)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    sample: int | None = Field(
        None, ge=1, description="Examples to perturb (a seeded sample). Set it to evaluate at the end of every scan."
    )
    methods: list[str] = Field(
        ["cp-lrp", "gxi", "attnlrp"], min_length=1, description="Methods compared (with a random order, always)."
    )
    replacement: Literal["unk", "mask"] = Field("unk", description="Token that stands in for removed tokens.")
    confidence: float = Field(0.95, gt=0, lt=1, description="Level of the bootstrap intervals.")
    resamples: int = Field(2000, ge=100, description="Bootstrap and permutation resamples.")
    seed: int = 0

    @field_validator("methods")
    @classmethod
    def _known_methods(cls, methods: list[str]) -> list[str]:
        for method in methods:
            resolve_method(method)  # an LRPError is a ValueError: pydantic reports it under the key
        if len(set(methods)) != len(methods):
            raise ValueError("a method is listed twice")
        return methods
