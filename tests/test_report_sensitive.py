"""The summary and the report of an audit with sensitive columns: outcome gaps by group, confirmed and
unconfirmed proxy words, and relevance by group; an audit without them shows none of it."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from rich.console import Console
from test_relevance_by_group import planted_examples, write_tables

from lrp_audit.audits.database import connect, run_named
from lrp_audit.audits.lexicon import terms_table
from lrp_audit.audits.settings import AuditSettings
from lrp_audit.audits.summary import print_summary
from lrp_audit.audits.view import audit_summary
from lrp_audit.reports import write_report
from lrp_audit.run_folder.records import (
    Association,
    AuditReport,
    CounterfactualCheck,
    Coverage,
    Effect,
    Interval,
    OutcomeGaps,
    OutcomeMetric,
    Proxy,
    Test as GroupTest,
    WordAssociation,
)


def interval(estimate: float, low: float, high: float) -> Interval:
    return Interval(estimate=estimate, low=low, high=high)


def proxy(word: str, column: str, group: str, confirmed: bool) -> Proxy:
    association = Association(examples=62, in_group=38, group_rate=0.613, base_rate=0.526, odds_ratio=4.2,
                              g_statistic=18.5, p_value=0.0001, q_value=0.0004)
    statistics = GroupTest(level="group", axis="proxy words", group=word, prediction=None, term=None, examples=62,
                      examples_with_controls=60, tested=True, share=0.41, expected_share=0.1, control_share=0.08,
                      top1_rate=0.5, topk_rate=0.8, lift_control=interval(5.1, 3.9, 6.2), p_value=0.0005,
                      q_value=0.001, interval_method="analytic")
    measured = {
        "examples": 62,
        "swap": Effect(flip_rate=0.45, mean_probability_change=-0.38, mean_absolute_change=0.4),
        "control": Effect(flip_rate=0.03, mean_probability_change=-0.02, mean_absolute_change=0.03),
        "excess_change": interval(0.31, 0.22, 0.4) if confirmed else interval(0.01, -0.02, 0.04),
        "p_value": 0.001 if confirmed else 0.4,
        "q_value": 0.002 if confirmed else 0.41,
    }
    reason = None if confirmed else "the swap changed the target probability by +0.010 on average (q = 0.41)"
    check = CounterfactualCheck(partner="neutral words", confirmed=confirmed, reason=reason, **measured)
    return Proxy(column=column, group=group, word=word, association=association, statistics=statistics,
                 counterfactual=check)


OUTCOMES = [
    OutcomeGaps(
        column="gender", columns=["gender"], examples=79, missing=2, groups={"f": 40, "m": 36}, too_small={"x": 3},
        labelled=79,
        metrics=[
            OutcomeMetric(metric="selection_rate", of_class="yes", overall=interval(0.68, 0.58, 0.78),
                          by_group={"f": interval(0.8, 0.7, 0.9), "m": interval(0.55, 0.4, 0.7)},
                          difference=interval(0.25, 0.08, 0.42), ratio=0.6875),
            OutcomeMetric(metric="true_positive_rate", of_class="yes", overall=interval(0.9, 0.8, 0.95),
                          by_group={"f": interval(0.95, 0.9, 1.0), "m": interval(0.85, 0.7, 0.95)},
                          difference=interval(0.1, 0.0, 0.22), ratio=0.8947),
        ],
    ),
    OutcomeGaps(column="gender & race", columns=["gender", "race"], examples=79, missing=2, groups={},
                too_small={"f & a": 8, "m & b": 9}, labelled=79, metrics=[],
                reason="fewer than two groups with 10 examples"),
]


def report(sensitive: bool = True) -> AuditReport:
    """An audit by hand: no lexicon group found; with ``sensitive``, outcome gaps and two proxy words."""
    extra = {}
    if sensitive:
        lacrosse, chess = proxy("lacrosse", "gender", "f", True), proxy("chess", "race", "b", False)
        extra = {
            "outcomes": OUTCOMES,
            "associations": [WordAssociation(column=p.column, group=p.group, word=p.word, association=p.association)
                             for p in (lacrosse, chess)],
            "proxies": [lacrosse],
            "unconfirmed_proxies": [chess],
        }
    return AuditReport(
        run_id="run", created_at="2026-12-01T10:00:00+00:00", settings=AuditSettings().model_dump(),
        status="flagged" if sensitive else "clear", method="cp-lrp", lexicons=[],
        coverage=Coverage(examples=82, examples_with_any_term=0, axes={}), tests=[], flags=[], unconfirmed=[],
        caveats=["A hand-built audit."], **extra,
    )


def summary(audit: AuditReport) -> str:
    console = Console(record=True, width=220, color_system=None)
    print_summary(audit, console)
    return console.export_text()


@pytest.fixture(scope="module")
def sensitive_run(tmp_path_factory):
    """The planted run of test_relevance_by_group ('lacrosse' relied on for gender f), audited by hand."""
    run_dir = write_tables(tmp_path_factory.mktemp("sensitive") / "run", planted_examples())
    pq.write_table(terms_table([]), run_dir / "terms.parquet")
    (run_dir / "audit.json").write_text(json.dumps(report().model_dump(mode="json")))
    return run_dir


def test_the_summary_shows_proxies_beside_flags_and_outcome_gaps():
    text = summary(report())
    assert "flagged (1 finding): proxy 'lacrosse' (gender = f): the model relies on these words" in text
    proxy_row = next(line for line in text.splitlines() if line.startswith("lacrosse"))
    for shown in ("gender = f", "4.2", "0.61 (0.53)", "5.10 [3.90, 6.20]", "+0.31 [+0.22, +0.40]", "FLAG"):
        assert shown in proxy_row, shown
    assert "unconfirmed proxy 'chess' (race = b): the swap changed the target probability" in text
    assert "Decisions by gender (79 examples: f 40, m 36; 2 without a value)" in text
    assert "too few examples to compare: x (3)" in text
    row = next(line for line in text.splitlines() if line.startswith("selection rate (yes)"))
    assert "0.80 [0.70, 0.90]" in row and "0.55 [0.40, 0.70]" in row and "0.25 [0.08, 0.42]" in row and "0.69" in row
    assert "no metric: fewer than two groups with 10 examples" in text
    assert "TPR (yes)" in text and "proxy: a word outside the lexicons" in text and "no flag raised" not in text


def test_the_json_summary_counts_confirmed_proxies_as_findings():
    record = audit_summary(report()).model_dump()
    assert record["status"] == "flagged" and record["findings"] == 1 and record["flags"] == []
    (confirmed,) = record["proxies"]
    assert (confirmed["word"], confirmed["column"], confirmed["group"]) == ("lacrosse", "gender", "f")
    assert confirmed["excess_change"] == {"estimate": 0.31, "low": 0.22, "high": 0.4}
    assert record["unconfirmed_proxies"][0]["reason"].startswith("the swap changed")
    gender = record["outcomes"][0]
    assert gender["too_small"] == {"x": 3} and gender["metrics"][0]["difference"]["estimate"] == 0.25
    json.dumps(record)  # plain data


def test_an_audit_without_sensitive_columns_summarises_as_before():
    audit = report(sensitive=False)
    record = audit_summary(audit).model_dump()
    assert set(record) == {"run_id", "key", "created_at", "method", "status", "examples", "examples_with_any_term",
                           "confidence", "groups", "flags", "unconfirmed"}
    text = summary(audit)
    assert "no flag raised" in text
    assert "proxy" not in text.lower() and "Decisions by" not in text


def test_the_report_shows_proxies_outcome_gaps_and_relevance_by_group(sensitive_run):
    html = write_report(sensitive_run).read_text()
    assert 'flagged proxy word “lacrosse” (gender = f): the model relies on these words.' in html
    assert '<a href="#sensitive">3. Sensitive columns</a><a href="#axes">4. Per axis</a>' in html
    assert '<span class="badge flagged">flagged</span> proxy word “lacrosse” for gender = f' in html
    assert '<span class="badge unconfirmed">unconfirmed</span> proxy word “chess” for race = b' in html
    assert "<strong>Why unconfirmed:</strong> the swap changed the target probability" in html
    assert "5.1 [3.9, 6.2]" in html and "+0.310 [+0.220, +0.400]" in html and "61.3% / 52.6%" in html
    section = html[html.index('<section id="sensitive">'):html.index('<section id="axes">')]
    assert "<h2>3. Sensitive columns" in section and "<h2>4. Per axis</h2>" in html
    assert "sensitive columns (gender, race)" in section
    assert "0.800 [0.700, 0.900]" in section and "0.250 [0.080, 0.420]" in section and "0.69" in section
    assert section.index("<h4>race</h4>") < section.index("<h4>gender &amp; race</h4>", section.index("Relevance by"))
    assert "Too few examples to compare: x (3)." in section and "2 without one, left out" in section
    assert "No metric: fewer than two groups with 10 examples." in section
    assert "<h4>gender &amp; race</h4>" in section  # the intersection, escaped
    assert "TPR (true positive rate)" in section and "selection rate (yes)" in section
    # relevance by group: the query's first word for gender, with its gap
    connection = connect(sensitive_run, terms_table([]))
    first = run_named(connection, "relevance_by_group", {"column": "gender", "limit": 1}).to_pylist()[0]
    assert first["word"] == "lacrosse"
    relevance = section[section.index("<h3>Relevance by group</h3>"):]
    gender = relevance[relevance.index("<h4>gender</h4>"):]
    assert f"<tr><td>lacrosse</td><td class=\"num\">{first['examples']}</td><td>f</td>" in gender
    assert f"<td class=\"num\">{first['gap']:.3f}</td></tr>" in gender.split("</table>")[0]


def test_a_report_without_sensitive_columns_has_no_such_section(tmp_path):
    run_dir = write_tables(tmp_path / "run", planted_examples())
    pq.write_table(terms_table([]), run_dir / "terms.parquet")
    (run_dir / "audit.json").write_text(json.dumps(report(sensitive=False).model_dump(mode="json")))
    html = write_report(run_dir).read_text()
    assert 'id="sensitive"' not in html and "Proxy words" not in html and "Decisions by group" not in html
    assert '<a href="#verdict">2. Verdict</a><a href="#axes">3. Per axis</a>' in html
    assert "<h2>5. The examples that rely most on sensitive words</h2>" in html
