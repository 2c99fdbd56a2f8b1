"""How the model's decisions differ between the groups of each sensitive column, in the conventions of
Fairlearn's ``MetricFrame``: per metric, ``overall``, ``by_group``, ``difference`` (max - min) and
``ratio`` (min / max), with percentile bootstrap intervals over examples.

Every metric (selection rate, true and false positive rate of each class, one-vs-rest, and accuracy)
depends only on how many examples each (group, prediction, label) cell holds, so DuckDB counts the
cells (``queries/outcome_cells.sql``) and nothing else leaves it. Resampling the examples with
replacement is then exactly a multinomial draw of the cell counts, so a bootstrap costs cells x
resamples whatever the number of examples. The estimates are the same computation on the observed
counts: one code path for estimates and replicates, with Fairlearn kept out of the dependencies and
used by the tests as an independent oracle.
"""

from __future__ import annotations

import warnings
from itertools import chain

import duckdb
import numpy as np
import pandas as pd

from lrp_audit.run_folder import records

from .database import run_named, run_sql
from .settings import AuditSettings
from .statistics import BATCH_NUMBERS, Interval, rng_for


def outcome_gaps(connection: duckdb.DuckDBPyConnection, settings: AuditSettings) -> list[records.OutcomeGaps]:
    """One ``OutcomeGaps`` per sensitive column and intersection, single columns first, by name."""
    cells = run_named(connection, "outcome_cells").to_pandas()
    total = run_sql(connection, "SELECT count(*) AS n FROM examples").column("n")[0].as_py()
    predicted = run_sql(connection, "SELECT DISTINCT prediction_label FROM examples WHERE prediction_label IS NOT NULL")
    classes = sorted(predicted.column("prediction_label").to_pylist())
    columns = {column: list(names) for column, names in zip(cells["column"], cells["columns"])}
    return [
        _gaps(column, columns[column], cells[cells["column"] == column], classes, total, settings)
        for column in sorted(columns, key=lambda column: (len(columns[column]), column))
    ]


def _gaps(
    column: str, columns: list[str], cells: pd.DataFrame, classes: list[str], total: int, settings: AuditSettings
) -> records.OutcomeGaps:
    sizes = cells.groupby("group")["examples"].sum()
    compared = sizes[sizes >= settings.min_examples]
    cells = cells[cells["group"].isin(compared.index)]
    index = {name: code for code, name in enumerate(classes)}
    prediction = cells["prediction_label"].map(index).fillna(len(classes)).to_numpy(dtype=int)
    label = cells["label"].map(index).fillna(len(classes)).to_numpy(dtype=int)
    counts = cells["examples"].to_numpy(dtype=np.int64)
    labelled = int(counts[label < len(classes)].sum())
    gaps = records.OutcomeGaps(
        column=column,
        columns=columns,
        examples=int(sizes.sum()),
        missing=total - int(sizes.sum()),
        groups={str(group): int(n) for group, n in compared.items()},
        too_small={str(group): int(n) for group, n in sizes[sizes < settings.min_examples].items()},
        labelled=labelled,
        metrics=[],
    )
    if len(compared) < 2:
        return gaps.updated(reason=f"fewer than 2 groups with at least {settings.min_examples} examples")
    group = pd.Categorical(cells["group"], categories=compared.index).codes
    shape = (len(compared), len(classes) + 1, len(classes) + 1)
    cell, merged = np.unique(np.ravel_multi_index((group, prediction, label), shape), return_inverse=True)
    counts = np.bincount(merged, weights=counts).astype(np.int64)  # no label and a label of no class: one cell
    rng = rng_for(settings.seed, f"outcomes/{column}")
    rates = _replicated_rates(counts, cell, shape, labelled > 0, settings.resamples, rng)
    of_classes = ("selection_rate", "true_positive_rate", "false_positive_rate") if labelled else ("selection_rate",)
    metrics = [(name, of_class) for name in of_classes for of_class in classes]
    metrics += [("accuracy", None)] if labelled else []
    names = [str(name) for name in compared.index]
    return gaps.updated(metrics=[_record(*m, rates[:, i], names, settings.confidence) for i, m in enumerate(metrics)])


def _replicated_rates(
    counts: np.ndarray,
    cell: np.ndarray,
    shape: tuple[int, int, int],
    labelled: bool,
    resamples: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """(1 + resamples, metrics, groups + 1): the rates of the observed counts, then of each resample of
    the examples with replacement (a multinomial draw of the cell counts), drawn in batches of
    bounded memory."""
    batch = max(1, BATCH_NUMBERS // int(np.prod(shape)))
    draws = (
        rng.multinomial(counts.sum(), counts / counts.sum(), size=min(batch, resamples - start))
        for start in range(0, resamples, batch)
    )
    replicates = chain([counts[None]], draws)  # drawn batch by batch, never all at once
    return np.concatenate([_rates(_table(replicate, cell, shape), labelled) for replicate in replicates])


def _table(counts: np.ndarray, cell: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """(replicates, groups + 1, predictions, labels) counts, with none of the classes last in both and
    every group together (overall) last: a confusion table per group."""
    table = np.zeros((len(counts), int(np.prod(shape))))
    table[:, cell] = counts
    table = table.reshape(len(counts), *shape)
    return np.concatenate([table, table.sum(axis=1, keepdims=True)], axis=1)


def _rates(table: np.ndarray, labelled: bool) -> np.ndarray:
    """(replicates, metrics, groups + 1): the selection rate of each class, then (with labels) its true
    and false positive rate one-vs-rest, then accuracy; NaN where no example counts toward a rate."""
    k = table.shape[-1] - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        rates = [table[:, :, :k].sum(axis=3) / table.sum(axis=(2, 3))[..., None]]
        if labelled:
            known = table[:, :, :k, :k]  # predicted and labelled as one of the classes
            hits = np.diagonal(known, axis1=2, axis2=3)
            of_label = table[:, :, :, :k].sum(axis=2)
            with_label = of_label.sum(axis=2, keepdims=True)
            rates += [hits / of_label, (known.sum(axis=3) - hits) / (with_label - of_label)]
            rates += [hits.sum(axis=2, keepdims=True) / with_label]
    return np.concatenate(rates, axis=2).transpose(0, 2, 1)


def _record(
    metric: str, of_class: str | None, rates: np.ndarray, groups: list[str], confidence: float
) -> records.OutcomeMetric:
    """``rates``: (replicates, groups + 1), the observed counts' first. Difference and ratio are over
    the groups where the rate is defined (as pandas' max and min skip NaN), and need two of them."""
    by_group = rates[:, :-1]
    defined = (~np.isnan(by_group)).sum(axis=1) >= 2
    high, low = np.fmax.reduce(by_group, axis=1), np.fmin.reduce(by_group, axis=1)
    difference = np.where(defined, high - low, np.nan)
    ratio = low[0] / high[0] if defined[0] and high[0] > 0 else None
    return records.OutcomeMetric(
        metric=metric,
        of_class=of_class,
        overall=_interval(rates[:, -1], confidence),
        by_group={group: _interval(by_group[:, g], confidence) for g, group in enumerate(groups)},
        difference=_interval(difference, confidence),
        ratio=None if ratio is None else float(ratio),
    )


def _interval(values: np.ndarray, confidence: float) -> records.Interval:
    """The estimate (``values[0]``) and the percentile interval of the replicates that are defined."""
    tail = (1 - confidence) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # every replicate undefined: NaN, recorded as None
        low, high = np.nanpercentile(values[1:], [tail, 100 - tail])
    if np.isnan(values[0]):
        low = high = np.nan
    return Interval(float(values[0]), float(low), float(high)).record()
