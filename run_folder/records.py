"""Typed records of a run folder's JSON files: ``manifest.json`` (Manifest), ``audit.json``
(AuditReport), ``faithfulness.json`` (FaithfulnessReport) and ``parts.json`` (Parts).

The steps build these records and write ``model_dump(mode="json")``; every reader validates a file
into one, so a damaged file is refused once, where it is read, instead of failing in whatever part
reads it first. The layout is the one of the plain dicts written before records existed (only
``schema_version`` is new): a field marked ``LEFT_OUT`` is left out of the file when it has no
value, as it was then, and one marked ``LEFT_OUT_EMPTY`` (a list newer than the layout) when it is
empty, so files from before and after read and write alike.
"""

from __future__ import annotations

from collections import Counter
from functools import cache, cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, field_validator, model_serializer
from typing_extensions import Self

# Version 1 is the layout of the dicts written before records; a file without the field is version 1.
SCHEMA_VERSION = 1


class _LeftOutWhenNone:
    """Marks a field that the file leaves out, rather than writing null, when it has no value."""


class _LeftOutWhenEmpty:
    """Marks a list field that the file leaves out when it is empty (fields newer than the layout)."""


LEFT_OUT = _LeftOutWhenNone()
LEFT_OUT_EMPTY = _LeftOutWhenEmpty()


class Record(BaseModel):
    """A part of a run folder's JSON file: every field known, none changed once built."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def updated(self, **changes: Any) -> Self:
        """A copy with ``changes``, validated as the record is (pydantic's ``model_copy`` is not)."""
        return self.model_validate(self.model_dump() | changes)

    @model_serializer(mode="wrap")
    def _leave_out_empty(self, handler) -> dict[str, Any]:
        data = handler(self)
        none, empty = _left_out(type(self), LEFT_OUT), _left_out(type(self), LEFT_OUT_EMPTY)
        return {
            key: value
            for key, value in data.items()
            if not (value is None and key in none or value == [] and key in empty)
        }


@cache
def _left_out(record: type[Record], marker: object) -> frozenset[str]:
    return frozenset(name for name, field in record.model_fields.items() if marker in field.metadata)


class File(Record):
    """A whole JSON file of the run folder, with the version of its layout."""

    schema_version: int = SCHEMA_VERSION

    @field_validator("schema_version")
    @classmethod
    def _known_version(cls, version: int) -> int:
        if version > SCHEMA_VERSION:
            raise ValueError(f"written by a newer lrp-audit (version {version}; this one reads up to {SCHEMA_VERSION})")
        return version


# ---- manifest.json ----------------------------------------------------------------------------


class ModelFacts(Record):
    """The model a run was scanned with, and what identifies its content."""

    name: str
    revision: str | None = None
    config_sha256: str | None = None
    content_sha256: str | None = None
    dtype: str | None = None


class Worker(Record):
    """A model worker that did shards: its process, its device and the GPUs Ray gave it."""

    pid: int
    device: str
    gpu_ids: str  # comma-separated; empty without GPUs
    node: Annotated[str | None, LEFT_OUT] = None  # Ray's id of the node it ran on
    threads: Annotated[int | None, LEFT_OUT] = None  # torch threads it used


class PoolFacts(Record):
    """The pool of model workers a scan ran on, and the workers that did its shards."""

    concurrency: int  # model workers
    num_gpus: int  # per worker
    num_cpus: float  # per worker
    threads: int | None  # torch threads per CPU worker
    read_tasks: int  # shards read and tokenised at once
    resources: dict[str, float]  # the cluster's, as Ray reported them
    workers: Annotated[list[Worker] | None, LEFT_OUT] = None
    nodes: Annotated[int | None, LEFT_OUT] = None  # nodes holding workers
    deaths: Annotated[int | None, LEFT_OUT] = None  # worker processes that died under a call
    retries: Annotated[int | None, LEFT_OUT] = None  # calls given again after their worker died
    executor: Annotated[str | None, LEFT_OUT] = None  # ray (model workers as Ray actors) or local (in the driver)


class DatasetFacts(Record):
    name: str
    config: str | None = None
    split: str | None = None
    revision: str | None = None
    fingerprint: dict[str, Any] | None = None  # file hashes, or the dataset's own fingerprint
    limit: int | None = None


class Attribution(Record):
    """The method, its rules by part of the model and its attributor, and what it explained."""

    method: str
    rules: dict[str, str] | None = None
    attributor: Annotated[dict[str, str | int] | None, LEFT_OUT] = None  # (manifests before it: none)
    target: int | str | None = None
    contrast: Annotated[int | str | None, LEFT_OUT] = None  # subtracted from the target's logit
    chat_template: Annotated[bool | None, LEFT_OUT] = None  # true: the prompt was wrapped in the chat template
    max_length: int | None = None


class Counts(Record):
    """Rows over every shard; tokens and padding are counted by the scan (not by every writer)."""

    input_rows: int
    examples: int
    errors: int
    tokens: Annotated[int | None, LEFT_OUT] = None
    padded_tokens: Annotated[int | None, LEFT_OUT] = None


Status = Literal["running", "complete", "failed", "interrupted"]


class Manifest(File):
    """What was scanned, how, and how far the scan got. Written when it starts (``running``) and
    when it ends; the facts a scan writes at its start are left out by older or partial runs."""

    run_id: str
    status: Status
    identity: Annotated[str | None, LEFT_OUT] = None
    config_sha256: Annotated[str | None, LEFT_OUT] = None
    config: Annotated[dict[str, Any] | None, LEFT_OUT] = None  # the scan config (pipelines.config.ScanConfig)
    model: Annotated[ModelFacts | None, LEFT_OUT] = None
    dataset: Annotated[DatasetFacts | None, LEFT_OUT] = None
    attribution: Annotated[Attribution | None, LEFT_OUT] = None
    versions: Annotated[dict[str, str | None] | None, LEFT_OUT] = None
    started_at: Annotated[str | None, LEFT_OUT] = None
    resumed_at: str | None = None
    shards: Annotated[int | None, LEFT_OUT] = None
    ray: Annotated[PoolFacts | None, LEFT_OUT] = None
    counts: Annotated[Counts | None, LEFT_OUT] = None
    padding_fraction: Annotated[float | None, LEFT_OUT] = None
    failure: Annotated[str | None, LEFT_OUT] = None
    ended_at: Annotated[str | None, LEFT_OUT] = None

    @property
    def method(self) -> str | None:
        """The attribution method the run was scanned with (None for a manifest that does not say)."""
        return self.attribution.method if self.attribution else None


# ---- what the steps after the scan write ------------------------------------------------------


class StepReport(File):
    """A step's result, kept under ``key`` (the key of its inputs and settings; none before results
    were kept) in ``kept/<step>-<key>/``."""

    run_id: str
    created_at: str
    settings: dict[str, Any]  # the step's settings (audits.settings), as it was run
    key: Annotated[str | None, LEFT_OUT] = None


class Interval(Record):
    """An estimate with its confidence interval; null where it could not be computed."""

    estimate: float | None
    low: float | None
    high: float | None

    def text(self, spec: str = ".3g") -> str:
        """``estimate [low, high]`` in ``spec``; the estimate alone where no interval could be
        computed, and a dash without an estimate. Every summary and report shows intervals so."""
        if self.estimate is None:
            return "-"
        if self.low is None or self.high is None:
            return format(self.estimate, spec)
        return f"{self.estimate:{spec}} [{self.low:{spec}}, {self.high:{spec}}]"


# ---- audit.json -------------------------------------------------------------------------------

# Bootstrap: percentile intervals and a sign-flip permutation p-value, resampling examples.
# Analytic: Fieller and t intervals and the permutation's normal approximation, from moments.
IntervalMethod = Literal["bootstrap", "analytic"]


class Test(Record):
    """One test: of a group (``level`` group), of a group within a predicted class (class), of one
    term (term), or of a group within the examples of one language (language: only where the run's
    examples are in several). Untested (too few examples) it has a ``reason`` and no intervals or
    p-values. ``interval_method`` says how its intervals and p-value were computed
    (audits.statistics; none in audits from before it, which all bootstrapped)."""

    level: Literal["group", "class", "term", "language"]
    axis: str
    group: str
    prediction: str | None
    term: str | None
    language: Annotated[str | None, LEFT_OUT] = None
    examples: int
    examples_with_controls: int
    tested: bool
    share: float | None
    expected_share: float | None
    control_share: float | None
    top1_rate: float | None
    topk_rate: float | None
    reason: Annotated[str | None, LEFT_OUT] = None
    lift_tokens: Annotated[Interval | None, LEFT_OUT] = None
    lift_control: Annotated[Interval | None, LEFT_OUT] = None
    relevance: Annotated[Interval | None, LEFT_OUT] = None
    p_value: Annotated[float | None, LEFT_OUT] = None
    q_value: Annotated[float | None, LEFT_OUT] = None
    interval_method: Annotated[IntervalMethod | None, LEFT_OUT] = None


class Effect(Record):
    """What swapping words did to the model's predictions."""

    flip_rate: float
    mean_probability_change: float
    mean_absolute_change: float


def left_out_text(left_out: dict[str, int]) -> str:
    """``8 for <reason>; 4 for <reason>``: examples left out of a swap by reason, most first, as
    reasons, summaries and the report write them."""
    return "; ".join(f"{count} for {reason}" for reason, count in sorted(left_out.items(), key=lambda i: (-i[1], i[0])))


def group_label(group: str, language: str | None) -> str:
    """``female``, or ``female (de)`` for a group within the examples of one language."""
    return group + (f" ({language})" if language else "")


class CounterfactualCheck(Record):
    """The swap of a candidate's terms for its partner's; only a measured swap has the numbers."""

    partner: str | None
    confirmed: bool
    reason: str | None
    examples: Annotated[int | None, LEFT_OUT] = None
    unswappable_terms: Annotated[int | None, LEFT_OUT] = None
    # Examples of the sample left out because their language's rules could not swap them safely, by reason.
    left_out: Annotated[dict[str, int] | None, LEFT_OUT] = None
    swap: Annotated[Effect | None, LEFT_OUT] = None
    control: Annotated[Effect | None, LEFT_OUT] = None
    excess_change: Annotated[Interval | None, LEFT_OUT] = None
    p_value: Annotated[float | None, LEFT_OUT] = None
    q_value: Annotated[float | None, LEFT_OUT] = None

    @property
    def measured(self) -> bool:
        return self.swap is not None


class Finding(Record):
    """A group whose statistics made it a candidate: a flag when its swap confirmed it, else unconfirmed.
    With a ``language``, the group within the examples of that language (its language's test passed
    where the group's did not), swapped in those examples only."""

    axis: str
    group: str
    statistics: Test
    counterfactual: CounterfactualCheck
    language: Annotated[str | None, LEFT_OUT] = None

    @property
    def label(self) -> str:
        return group_label(self.group, self.language)

    @property
    def name(self) -> str:
        """``gender/female``, or ``gender/female (de)``."""
        return f"{self.axis}/{self.label}"


class TermCoverage(Record):
    examples: int
    occurrences: int


class GroupCoverage(Record):
    examples: int
    occurrences: int
    terms: dict[str, TermCoverage]  # the terms that occur


class Coverage(Record):
    """How much of the data the lexicons see, per axis and group."""

    examples: int
    examples_with_any_term: int
    axes: dict[str, dict[str, GroupCoverage]]


class LanguageCoverage(Record):
    """One language of the run's examples, and which of the audit's lexicons could see it."""

    language: str  # ISO 639-1
    examples: int
    detected: int  # of them, detected with confidence; the others were set, or too short to tell
    examples_with_any_term: int
    axes: list[str]  # the audit's axes with a lexicon in this language
    without_lexicon: list[str]  # the audit's axes with none: invisible in this language's examples


class LanguageReport(Record):
    """The languages an audit saw: ``setting`` is auto (detected per example) or the one language set."""

    setting: str
    languages: list[LanguageCoverage]  # most examples first

    @property
    def without_lexicon(self) -> list[LanguageCoverage]:
        return [language for language in self.languages if language.without_lexicon]


class LexiconGroup(Record):
    terms: int  # how many
    swap_with: str | None


class LexiconSummary(Record):
    """Which lexicon an audit used, and its content's hash."""

    axis: str
    language: Annotated[str | None, LEFT_OUT] = None  # ISO 639-1; none in audits from before other languages (English)
    path: str
    sha256: str
    description: str
    sources: list[str]
    licence: str
    groups: dict[str, LexiconGroup]


class OutcomeMetric(Record):
    """One metric of the model's decisions per group, in the conventions of Fairlearn's
    ``MetricFrame``: ``overall``, ``by_group`` and ``difference`` (the largest gap between two
    groups, max - min), each with a bootstrap interval over examples. ``of_class`` is the predicted
    class a rate is of (none for accuracy)."""

    metric: Literal["selection_rate", "true_positive_rate", "false_positive_rate", "accuracy"]
    of_class: str | None
    overall: Interval
    by_group: dict[str, Interval]
    difference: Interval
    ratio: float | None  # min / max of the groups' estimates (Fairlearn's ratio between groups)


class OutcomeGaps(Record):
    """How the model's decisions differ between the groups of a sensitive column, or of the
    intersection of two (``columns``); groups with fewer than ``audit.min_examples`` examples are
    named in ``too_small`` and left out of the metrics."""

    column: str  # the column, or "a & b" for an intersection
    columns: list[str]
    examples: int  # examples with a value in every column
    missing: int  # examples without
    groups: dict[str, int]  # examples per group compared
    too_small: dict[str, int]
    labelled: int  # examples whose dataset label is one of the model's classes (rates by label use these)
    metrics: list[OutcomeMetric]
    reason: Annotated[str | None, LEFT_OUT] = None  # why there are no metrics


class Association(Record):
    """How strongly a word's occurrence goes with a group of a sensitive column, over the examples
    with a value in that column: Dunning's log-likelihood ratio (G) test of the 2 x 2 table (word in
    the example or not, group or not), Benjamini-Hochberg corrected over every word and group tested,
    and the odds ratio (0.5 added to each cell)."""

    examples: int  # examples with the word
    in_group: int  # of them, in the group
    group_rate: float  # in_group / examples
    base_rate: float  # the group's share of all examples with a value
    odds_ratio: float
    g_statistic: float
    p_value: float
    q_value: float


class WordAssociation(Record):
    column: str
    group: str
    word: str
    association: Association


class Proxy(Record):
    """A word outside every lexicon, associated with a group of a sensitive column, with high
    relevance (``statistics``, its lift over matched control words, as for lexicon groups) and the
    counterfactual check of replacing it (``counterfactual``; its partner names what replaced it)."""

    column: str
    group: str
    word: str
    association: Association
    statistics: Test
    counterfactual: CounterfactualCheck


class AuditReport(StepReport):
    status: Literal["flagged", "clear"]
    method: str | None
    lexicons: list[LexiconSummary]
    coverage: Coverage
    tests: list[Test]
    flags: list[Finding]
    unconfirmed: list[Finding]
    caveats: list[str]
    # With dataset.sensitive_columns (none in audits from before them):
    outcomes: Annotated[list[OutcomeGaps], LEFT_OUT_EMPTY] = []
    associations: Annotated[list[WordAssociation], LEFT_OUT_EMPTY] = []  # every significantly associated word
    proxies: Annotated[list[Proxy], LEFT_OUT_EMPTY] = []  # confirmed by the counterfactual: findings, like flags
    unconfirmed_proxies: Annotated[list[Proxy], LEFT_OUT_EMPTY] = []
    languages: Annotated[LanguageReport | None, LEFT_OUT] = None  # none in audits from before other languages

    @property
    def findings(self) -> int:
        """Flags and confirmed proxies: what ``--fail-on-flag`` exits 3 on."""
        return len(self.flags) + len(self.proxies)


# ---- faithfulness.json ------------------------------------------------------------------------


class Versus(Record):
    """A method's paired difference to the random order: AUAC (> 0 better), AU-MSE (< 0 better)."""

    auac: Interval
    au_mse: Interval
    p_auac: float
    p_au_mse: float


class MethodResult(Record):
    """A method's mean perturbation curves and their areas; ``vs_random`` is None for random itself."""

    method: str
    auac: float
    au_mse: float
    accuracy: list[float]
    probability: list[float]
    mse: list[float]
    vs_random: Versus | None


class Verdict(Record):
    method: str
    beats_random: bool
    message: str


class Replacement(Record):
    token: str
    token_id: int


class Skipped(Record):
    example_id: str
    reason: str


class FaithfulnessSummary(Record):
    """The table and its verdict (audits.faithfulness.summarize)."""

    results: list[MethodResult]
    verdict: Verdict


class FaithfulnessReport(StepReport):
    fractions: list[float]
    replacement: Replacement
    examples: int
    skipped: list[Skipped] = []
    results: list[MethodResult]
    verdict: Verdict


# ---- parts.json -------------------------------------------------------------------------------


class PartShard(Counts):
    """A shard merged into a part, with the counts its examples file recorded before it was removed."""

    shard_id: str


class Part(Record):
    """Consecutive shards merged into one file per table (``<table>/<name>.parquet``), in plan order."""

    name: str
    shards: list[PartShard]
    rows: dict[str, int]  # rows of the part's file, by table

    @field_validator("shards")
    @classmethod
    def _some_shards(cls, shards: list[PartShard]) -> list[PartShard]:
        if not shards:
            raise ValueError("a part holds at least one shard")
        return shards


class Parts(File):
    """The parts of a compacted run; a part listed here is committed: its shards' own files are
    redundant, and its staged files are moved into place (``run_folder.parts``)."""

    parts: list[Part] = []

    @cached_property
    def by_shard(self) -> dict[str, Part]:
        """The part that holds each compacted shard."""
        return {shard.shard_id: part for part in self.parts for shard in part.shards}

    @field_validator("parts")
    @classmethod
    def _each_shard_once(cls, parts: list[Part]) -> list[Part]:
        names, shards = [part.name for part in parts], [shard.shard_id for part in parts for shard in part.shards]
        for kind, values in (("part", names), ("shard", shards)):
            repeated = sorted(value for value, times in Counter(values).items() if times > 1)
            if repeated:
                raise ValueError(f"{kind} {repeated[0]} is listed more than once")
        return parts
