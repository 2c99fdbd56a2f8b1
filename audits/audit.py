"""The audit of one run: per-example shares (SQL) -> statistics -> counterfactual check -> flags.

A group is flagged when (1) the lower confidence bound of its lift over matched control words is
above ``min_lift``, (2) that excess is significant after Benjamini-Hochberg correction, and (3)
swapping its terms for the paired group's moves the model's target probability significantly more
than swapping as many other words. A group that passes (1) and (2) but not (3) is reported as
unconfirmed, never as flagged.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from lrp_audit.run_folder import (
    AUDIT_FILE,
    LANGUAGES_FILE,
    TERMS_FILE,
    Kept,
    complete_manifest,
    current_or_made,
    settings_key,
    write_atomic,
)
from lrp_audit.run_folder.records import (
    AuditReport,
    CounterfactualCheck,
    Coverage,
    Finding,
    GroupCoverage,
    IntervalMethod,
    LanguageCoverage,
    LanguageReport,
    Manifest,
    Proxy,
    TermCoverage,
    Test,
    WordAssociation,
    left_out_text,
)

from .counterfactual import VARIANTS, Example, Outcome, build_examples
from .database import connect, materialize, run_named, scale_config
from .languages.detection import languages_seen, run_languages, with_setting
from .lexicon import Lexicon, in_languages, load_lexicons, terms_table
from .moments import SampleMoments, examples_with_any_term, materialize_shares, moments_by_test, samples
from .outcomes import outcome_gaps
from .proxies import PROXY_AXIS, WordCounts, associated, candidate_words, proxy_terms, replacements, word_associations
from .settings import AuditSettings
from .statistics import (
    benjamini_hochberg,
    fieller_interval,
    mean_interval,
    ratio_of_means,
    rng_for,
    sign_flip_normal_pvalue,
    sign_flip_pvalue,
    t_interval,
)

# Rows {text, text_pair, target} -> rows {probability (of the target), prediction}, in order.
Predict = Callable[[list[dict]], list[dict]]

# The fields of a test's record that its moments give, tested or not.
SEEN = ("level", "axis", "group", "prediction", "term", "language", "examples", "examples_with_controls", "share",
        "expected_share", "control_share", "top1_rate", "topk_rate")
FILES = (AUDIT_FILE, TERMS_FILE, LANGUAGES_FILE)  # the current audit, at the top of the run folder
STEP = "audit"  # every audit is kept in kept/audit-<key>/
NO_MODEL = "no model to rerun (the run's config has no loadable model)"
# Settings that say what to do with the result, or how to compute it, not what it is.
NOT_IN_KEY = {"enabled", "fail_on_flag", "memory_limit"}

CAVEATS = [
    "A lexicon cannot see proxies: words that stand in for a group without naming it (a hobby, a "
    "college, a name the lexicon lacks) are invisible to the lexicon tests (De-Arteaga et al. 2019); "
    "proxy discovery needs the group as a column of the data (dataset.sensitive_columns).",
    "Low coverage means the audit saw little, not that the model is clean: check the coverage table.",
    "Explanations can be manipulated (Slack et al. 2020); the counterfactual swap is the check that "
    "does not rely on relevance.",
]


# The swap plan's inputs; `chosen` is the registered sample of example ids.
EXAMPLES_WITH_GROUP = """
    SELECT DISTINCT example_id FROM term_words
    WHERE axis = ? AND "group" = ?
      AND (?::VARCHAR IS NULL OR example_id IN (SELECT example_id FROM example_languages WHERE language = ?))
    ORDER BY example_id
"""
CHOSEN_EXAMPLES = """
    SELECT example_id, text, text_pair, target, language
    FROM examples JOIN example_languages USING (example_id) SEMI JOIN chosen USING (example_id)
    ORDER BY example_id
"""
CHOSEN_MATCHES = """
    SELECT matches.example_id, matches.segment, matches.char_start, matches.char_end, terms.replacement
    FROM matches JOIN terms USING (language, axis, "group", term) SEMI JOIN chosen USING (example_id)
    WHERE matches.axis = ? AND matches."group" = ?
    ORDER BY ALL
"""
CHOSEN_CONTROL_WORDS = """
    SELECT example_id, segment, char_start, char_end, norm
    FROM words
    SEMI JOIN chosen USING (example_id)
    ANTI JOIN (SELECT DISTINCT example_id, segment, word_index FROM term_words) USING (example_id, segment, word_index)
    WHERE norm <> ''
    ORDER BY example_id, segment, word_index
"""


def audit_key(manifest: Manifest, settings: AuditSettings, lexicons: list[Lexicon], with_model: bool) -> str:
    """What an audit's result depends on: the run's identity, the settings, the lexicons' content and
    whether a model was there to rerun the counterfactual swaps."""
    return settings_key(
        STEP,
        manifest.identity,
        settings.model_dump(exclude=NOT_IN_KEY),
        [lexicon.summary() | {"path": None} for lexicon in lexicons],
        with_model,
    )


def run_audit(run_dir: str | Path, settings: AuditSettings, predict: Predict | None = None) -> Kept[AuditReport]:
    """Audit ``run_dir``: ``audit.json`` and ``terms.parquet`` in the run folder are the current audit.

    Every audit is kept in ``kept/audit-<key>/`` under the key of its run, settings and lexicons, so
    an audit with other settings never replaces an earlier one for good, and asking again for one
    that exists costs nothing (no statistics, no model)."""
    run_dir = Path(run_dir)
    manifest = complete_manifest(run_dir)
    lexicons = load_lexicons(settings.axes, settings.lexicons)
    key = audit_key(manifest, settings, lexicons, predict is not None)

    def make(folder: Path) -> AuditReport:
        languages = run_languages(run_dir, settings.language)
        terms = terms_table(in_languages(lexicons, languages_seen(languages)))
        write_atomic(terms, folder / TERMS_FILE)
        write_atomic(with_setting(languages, settings.language), folder / LANGUAGES_FILE)
        return _audit(run_dir, manifest, settings, lexicons, terms, languages, predict)

    return current_or_made(run_dir, STEP, key, FILES, make, AuditReport)


def _audit(
    run_dir: Path,
    manifest: Manifest,
    settings: AuditSettings,
    lexicons: list[Lexicon],
    terms: pa.Table,
    languages: pa.Table,
    predict,
) -> AuditReport:
    """Shares (SQL) -> tests -> counterfactual check of the candidates -> the report."""
    with tempfile.TemporaryDirectory(prefix="lrp-audit-spill-") as spill:
        connection = connect(run_dir, terms, scale_config(spill, settings.memory_limit), languages)
        try:
            return _audited(connection, manifest, settings, lexicons, terms, languages_seen(languages), predict)
        finally:
            connection.close()


def _audited(
    connection,
    manifest: Manifest,
    settings: AuditSettings,
    lexicons: list[Lexicon],
    terms: pa.Table,
    seen: set[str],
    predict,
) -> AuditReport:
    """The audit over the run's views in ``connection``. Candidate proxies join the lexicon's terms
    (under ``PROXY_AXIS``, in every language) before the terms are matched, so one pass computes
    every share, and no candidate proxy serves as a control word. ``lexicons`` are all the audit's
    lexicons; ``terms`` those of the languages ``seen`` in the examples."""
    counts = word_associations(connection, settings)
    associations = associated(counts, settings)
    words = candidate_words(associations, settings)
    if words:
        connection.register("terms", pa.concat_tables([terms, proxy_terms(words, sorted(seen))]))
    materialize(connection)
    materialize_shares(connection, settings.top_k)
    coverage = run_named(connection, "coverage").to_pandas()
    coverage = coverage[coverage["axis"] != PROXY_AXIS]
    num_examples = connection.sql("SELECT count(*) FROM examples").fetchall()[0][0]

    tests = _tests(connection, settings)
    proxy_tests = {test.group: test for test in tests if test.axis == PROXY_AXIS and test.level == "group"}
    tests = _corrected([test for test in tests if test.axis != PROXY_AXIS])
    proxy_tests = dict(zip(proxy_tests, _corrected(list(proxy_tests.values()))))
    candidates = [
        test for test in tests if test.tested and test.level == "group" and _passes_statistics(test, settings)
    ]
    passed = {(test.axis, test.group) for test in candidates}
    candidates += [  # a group that relies on its words in one language only, diluted by the others
        test
        for test in tests
        if test.tested and test.level == "language" and (test.axis, test.group) not in passed
        and _passes_statistics(test, settings)
    ]
    axes = sorted({lexicon.axis for lexicon in lexicons})
    proxies = [
        (association, proxy_tests[association.word])
        for association in associations
        if association.word in proxy_tests and _passes_statistics(proxy_tests[association.word], settings)
    ]
    swaps = [_lexicon_swap(connection, test, lexicons, settings, predict) for test in candidates]
    swaps += [_proxy_swap(connection, association, counts, settings, predict) for association, _ in proxies]
    checks = _counterfactuals(swaps, settings, predict)
    findings = [
        Finding(axis=test.axis, group=test.group, language=test.language, statistics=test, counterfactual=check)
        for test, check in zip(candidates, checks)
    ]
    found_proxies = [
        Proxy(**association.model_dump(), statistics=test, counterfactual=check)
        for (association, test), check in zip(proxies, checks[len(candidates):])
    ]
    flags = [finding for finding in findings if finding.counterfactual.confirmed]
    confirmed = [proxy for proxy in found_proxies if proxy.counterfactual.confirmed]
    return AuditReport(
        run_id=manifest.run_id,
        created_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        status="flagged" if flags or confirmed else "clear",
        method=manifest.method,
        settings=settings.model_dump(),
        lexicons=[lexicon.summary() for lexicon in in_languages(lexicons, seen)],
        coverage=_coverage(coverage, examples_with_any_term(connection, axes), num_examples),
        tests=tests,
        flags=flags,
        unconfirmed=[finding for finding in findings if not finding.counterfactual.confirmed],
        caveats=CAVEATS,
        outcomes=outcome_gaps(connection, settings),
        associations=associations,
        proxies=confirmed,
        unconfirmed_proxies=[proxy for proxy in found_proxies if not proxy.counterfactual.confirmed],
        languages=_language_report(connection, settings, lexicons),
    )


def _corrected(tests: list[Test]) -> list[Test]:
    """``tests`` with their Benjamini-Hochberg q-values (over the tested ones)."""
    q_values = iter(benjamini_hochberg([test.p_value for test in tests if test.tested]))
    return [test.updated(q_value=next(q_values)) if test.tested else test for test in tests]


def _tests(connection, settings: AuditSettings) -> list[Test]:
    """One test per group, per group and predicted class, and per term (a candidate proxy: only as a
    group, its one term): bootstrapped from the rows of its examples (fetched for these tests only),
    or analytic from its moments alone."""
    moments = {m.key: m for m in moments_by_test(connection) if m.axis != PROXY_AXIS or m.level == "group"}
    methods = {key: _method(m, settings) for key, m in moments.items()}
    small = [key for key, method in methods.items() if method == "bootstrap"]
    made = {key: _bootstrap(moments[key], rows, settings) for key, rows in samples(connection, small)}
    for key, method in methods.items():
        if method is None:
            made[key] = Test(**_seen(moments[key], settings), reason=f"fewer than {settings.min_examples} examples")
        elif method == "analytic":
            made[key] = _analytic(moments[key], settings)
    return [made[key] for key in moments]


def _method(moments: SampleMoments, settings: AuditSettings) -> IntervalMethod | None:
    """How the test gets its intervals and p-value; None when it has too few examples to be tested."""
    if moments.examples_with_controls < settings.min_examples:
        return None
    return settings.interval_method_for(moments.examples)


def _seen(moments: SampleMoments, settings: AuditSettings) -> dict:
    """What a test reports whether tested or not: its sample's size and mean shares and rates."""
    return {name: getattr(moments, name) for name in SEEN} | {
        "tested": moments.examples_with_controls >= settings.min_examples
    }


def _bootstrap(moments: SampleMoments, rows: pd.DataFrame, settings: AuditSettings) -> Test:
    """Percentile intervals and a sign-flip p-value, resampling the test's examples (``rows``)."""
    controlled = rows[rows["control_share"].notna()]
    key = "/".join(map(str, moments.key))
    options = {"resamples": settings.resamples, "confidence": settings.confidence}
    return Test(
        **_seen(moments, settings),
        interval_method="bootstrap",
        lift_tokens=ratio_of_means(
            rows["share"], rows["expected_share"], rng=rng_for(settings.seed, key + "/tokens"), **options
        ).record(),
        lift_control=ratio_of_means(
            controlled["share"], controlled["control_share"], rng=rng_for(settings.seed, key + "/control"), **options
        ).record(),
        relevance=mean_interval(rows["relevance"], rng=rng_for(settings.seed, key + "/relevance"), **options).record(),
        p_value=sign_flip_pvalue(
            controlled["share"] - controlled["control_share"],
            resamples=settings.resamples,
            rng=rng_for(settings.seed, key + "/p"),
        ),
    )


def _analytic(moments: SampleMoments, settings: AuditSettings) -> Test:
    """Fieller intervals of the lifts, a t interval of the relevance and the sign-flip test's normal
    approximation, from the test's moments: the same cost at any number of examples."""
    m, confidence = moments, settings.confidence
    return Test(
        **_seen(m, settings),
        interval_method="analytic",
        lift_tokens=fieller_interval(
            m.examples, m.share, m.expected_share, m.share_var, m.expected_share_var, m.share_expected_share_cov,
            confidence=confidence,
        ).record(),
        lift_control=fieller_interval(
            m.examples_with_controls, m.controlled_share, m.control_share, m.controlled_share_var,
            m.control_share_var, m.share_control_share_cov, confidence=confidence,
        ).record(),
        relevance=t_interval(m.examples, m.relevance, m.relevance_var, confidence=confidence).record(),
        p_value=sign_flip_normal_pvalue(m.difference_sum, m.difference_squares),
    )


def _passes_statistics(test: Test, settings: AuditSettings) -> bool:
    low = test.lift_control.low
    return low is not None and low > settings.min_lift and test.q_value <= settings.alpha


@dataclass(frozen=True)
class Swap:
    """A candidate's counterfactual: its swap plans, or the reason it has none, and the examples of
    its sample left out as unsafe to swap, by reason."""

    partner: str | None
    examples: list[Example]
    reason: str | None
    left_out: dict[str, int] = field(default_factory=dict)


def _lexicon_swap(connection, test: Test, lexicons: list[Lexicon], settings: AuditSettings, predict) -> Swap:
    """Swap a candidate group's terms for its partner's (the lexicon's swap rows), with the words
    that agree with them where the language's lexicon gives the partner a grammatical gender."""
    groups = {lexicon.language: lexicon.spec.groups for lexicon in lexicons if lexicon.axis == test.axis}
    partner = next(g[test.group].swap_with for g in groups.values() if test.group in g)
    if partner is None:
        return Swap(partner, [], f"group {test.group} has no swap_with partner in its lexicon")
    if predict is None:
        return Swap(partner, [], NO_MODEL)
    genders = {
        language: g[partner].grammatical_gender
        for language, g in groups.items()
        if partner in g and g[partner].grammatical_gender is not None
    }
    key = f"sample/{test.axis}/{test.group}" + (f"/{test.language}" if test.language else "")
    examples = _plan(connection, test.axis, test.group, key, settings, genders=genders, language=test.language)
    return _swap(partner, examples, "no example has a term with a swap partner")


def _swap(partner: str | None, planned: list[Example], nothing: str) -> Swap:
    """A swap of the ``planned`` examples; those left out are counted by reason."""
    examples = [example for example in planned if example.left_out is None]
    left_out = dict(sorted(Counter(example.left_out for example in planned if example.left_out is not None).items()))
    if examples:
        return Swap(partner, examples, None, left_out)
    if left_out:
        return Swap(partner, [], f"every example was left out: {left_out_text(left_out)}", left_out)
    return Swap(partner, [], nothing)


def _proxy_swap(
    connection, association: WordAssociation, counts: list[WordCounts], settings: AuditSettings, predict
) -> Swap:
    """Replace a candidate proxy, in the examples that contain it, by words drawn from ``replacements``."""
    pool = replacements(association, counts, settings)
    if pool is None:
        return Swap(None, [], f"no other group's proxy and no neutral word to replace {association.word!r} with")
    if predict is None:
        return Swap(pool.partner, [], NO_MODEL)
    key = f"proxy/{association.column}/{association.group}/{association.word}"
    examples = _plan(connection, PROXY_AXIS, association.word, key, settings, pool.words)
    return _swap(pool.partner, examples, "no example to replace it in")


def _counterfactuals(swaps: list[Swap], settings: AuditSettings, predict) -> list[CounterfactualCheck]:
    """Rerun every planned swap and its control (one pooled call); q-values over the measured ones."""
    plans = [(index, swap.examples) for index, swap in enumerate(swaps) if swap.examples]
    checks = [
        CounterfactualCheck(partner=swap.partner, confirmed=False, reason=swap.reason, left_out=swap.left_out or None)
        for swap in swaps
    ]
    rows = [
        dict(zip(("text", "text_pair"), example.texts(variant))) | {"target": example.target}
        for _, examples in plans
        for example in examples
        for variant in VARIANTS
    ]
    results = iter(predict(rows) if rows else [])
    measured = {}
    for index, examples in plans:
        answers = [[next(results) for _ in VARIANTS] for _ in examples]
        outcome = Outcome(
            {v: np.array([a[i]["probability"] for a in answers]) for i, v in enumerate(VARIANTS)},
            {v: np.array([a[i]["prediction"] for a in answers]) for i, v in enumerate(VARIANTS)},
        )
        key = f"counterfactual/{checks[index].partner}/{examples[0].example_id}"
        excess = outcome.excess()
        measured[index] = {
            "examples": len(examples),
            "unswappable_terms": sum(example.unswappable for example in examples),
            "left_out": checks[index].left_out,
            "swap": outcome.effect("swapped"),
            "control": outcome.effect("control"),
            "excess_change": mean_interval(
                excess, resamples=settings.resamples, confidence=settings.confidence, rng=rng_for(settings.seed, key)
            ).record(),
            "p_value": sign_flip_pvalue(excess, resamples=settings.resamples, rng=rng_for(settings.seed, key + "/p")),
        }
    q_values = benjamini_hochberg([numbers["p_value"] for numbers in measured.values()])
    for (index, numbers), q in zip(measured.items(), q_values):
        confirmed = q <= settings.alpha and numbers["excess_change"].estimate >= settings.min_probability_change
        check = CounterfactualCheck(
            partner=checks[index].partner, confirmed=confirmed, reason=None, q_value=q, **numbers
        )
        checks[index] = check if confirmed else check.updated(reason=unconfirmed_reason(check, settings))
    return checks


def unconfirmed_reason(check: CounterfactualCheck, settings: AuditSettings) -> str:
    """Why a measured swap did not confirm a candidate, in the signs the summary table shows."""
    return (
        f"the swap changed the target probability by {check.swap.mean_probability_change:+.3f} on "
        f"average against {check.control.mean_probability_change:+.3f} for the control; its mean "
        f"absolute change beyond the control's is {check.excess_change.estimate:+.3f} (needs >= "
        f"{settings.min_probability_change} at q <= {settings.alpha}; q = {check.q_value:.3g})"
    )


def _plan(
    connection,
    axis: str,
    group: str,
    key: str,
    settings: AuditSettings,
    pool: list[str] | None = None,
    genders: dict[str, str] | None = None,
    language: str | None = None,
) -> list[Example]:
    """The swap plan for a seeded sample of the examples that contain the group: each term replaced
    by its lexicon replacement, or (a proxy's) by a word drawn from ``pool``; in the languages of
    ``genders`` (the partner's grammatical gender) the words that agree change too. With a
    ``language``, only the examples in it."""
    rng = rng_for(settings.seed, key)
    ids = [row["example_id"] for row in _rows(connection, EXAMPLES_WITH_GROUP, [axis, group, language, language])]
    if len(ids) > settings.counterfactual_examples:
        ids = sorted(rng.choice(ids, settings.counterfactual_examples, replace=False).tolist())
    connection.register("chosen", pa.table({"example_id": ids}))
    examples = _rows(connection, CHOSEN_EXAMPLES)
    matches = _rows(connection, CHOSEN_MATCHES, [axis, group])
    control_words = _rows(connection, CHOSEN_CONTROL_WORDS)
    connection.unregister("chosen")
    if pool is not None:
        matches = [match | {"replacement": str(rng.choice(pool))} for match in matches]
    return build_examples(examples, matches, control_words, rng, genders)


LANGUAGE_COUNTS = """
    SELECT language, count(*)::INTEGER AS examples, count(*) FILTER (WHERE detected)::INTEGER AS detected,
           count(*) FILTER (WHERE example_id IN (SELECT example_id FROM term_words WHERE axis <> ?))::INTEGER AS touched
    FROM example_languages
    GROUP BY language
    ORDER BY examples DESC, language
"""


def _language_report(connection, settings: AuditSettings, lexicons: list[Lexicon]) -> LanguageReport:
    """Each language of the examples: how many, how many detected, how many any term touched, and
    which of the audit's axes have a lexicon in it."""
    axes = sorted({lexicon.axis for lexicon in lexicons})
    covered = {(lexicon.axis, lexicon.language) for lexicon in lexicons}
    return LanguageReport(
        setting=settings.language,
        languages=[
            LanguageCoverage(
                language=language,
                examples=examples,
                detected=detected,
                examples_with_any_term=touched,
                axes=[axis for axis in axes if (axis, language) in covered],
                without_lexicon=[axis for axis in axes if (axis, language) not in covered],
            )
            for language, examples, detected, touched in connection.sql(LANGUAGE_COUNTS, params=[PROXY_AXIS]).fetchall()
        ],
    )


def _rows(connection, sql: str, params: list | None = None) -> list[dict]:
    return connection.sql(sql, params=params).to_arrow_table().to_pylist()


def _coverage(coverage: pd.DataFrame, touched: int, num_examples: int) -> Coverage:
    """Examples and occurrences per group and term (the terms that occur), and how many examples any
    lexicon term touches. The coverage query has a row per group (term NULL) and one per term."""
    rows = list(coverage.itertuples(index=False))
    terms: dict[tuple[str, str], dict[str, TermCoverage]] = {}
    for row in rows:
        if not pd.isna(row.term) and row.examples:
            counts = TermCoverage(examples=int(row.examples), occurrences=int(row.occurrences))
            terms.setdefault((row.axis, row.group), {})[row.term] = counts
    axes: dict[str, dict[str, GroupCoverage]] = {}
    for row in rows:
        if pd.isna(row.term):
            axes.setdefault(row.axis, {})[row.group] = GroupCoverage(
                examples=int(row.examples), occurrences=int(row.occurrences), terms=terms.get((row.axis, row.group), {})
            )
    return Coverage(examples=int(num_examples), examples_with_any_term=int(touched), axes=axes)
