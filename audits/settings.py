"""The ``audit`` section of a scan config: which lexicons, and when a group is flagged."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from .lexicon import DEFAULT_AXES


class AuditSettings(BaseModel):
    """Defaults are documented in configs/example-scan.yaml; every value is checked on load."""

    model_config = ConfigDict(extra="forbid", strict=True)

    enabled: bool = Field(True, description="Run the audit at the end of every scan.")
    axes: list[str] = Field(list(DEFAULT_AXES), description="Bundled lexicons to use (audits/lexicons/*.yaml).")
    lexicons: list[str] = Field([], description="Your own lexicon files, in the bundled format.")
    min_examples: int = Field(10, ge=2, description="Groups, classes and terms seen in fewer examples are not tested.")
    min_lift: float = Field(1.5, gt=0, description="Flag when the lift's lower confidence bound is above this.")
    alpha: float = Field(0.05, gt=0, lt=1, description="False discovery rate (Benjamini-Hochberg).")
    confidence: float = Field(0.95, gt=0, lt=1, description="Level of the bootstrap intervals.")
    resamples: int = Field(2000, ge=100, description="Bootstrap and permutation resamples.")
    top_k: int = Field(3, ge=1, description="A word is among its example's top k by |relevance|.")
    counterfactual_examples: int = Field(500, ge=1, description="Examples swapped per flagged group (a seeded sample).")
    min_probability_change: float = Field(
        0.05, ge=0, le=1, description="Swapping must move the target probability this much more than the control."
    )
    seed: int = 0
    fail_on_flag: bool = Field(False, description="Exit with code 3 when a flag is raised.")
