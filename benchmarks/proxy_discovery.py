"""Proxy discovery's cost (the SQL part of the audit it adds) on a synthetic run of N examples.

    .venv/bin/python benchmarks/proxy_discovery.py --examples 1000000

The run (benchmarks/audit_sql.py's synthetic run: 40 words of 1-2 tokens per example, 50 tokens on
average, 1 word in 20 a lexicon term, random relevance) is written once to ``benchmarks/.cache/``.
Its other words are drawn from a Zipf-like vocabulary of 5,000 words, and every example has the
sensitive columns ``gender`` (f or m, 5% missing) and ``region`` (4 values), so that the
intersection ``gender & region`` exists too. 20 planted words (10 per gender, of Zipf ranks 1,000 to
5,000) also occur in 2% of their gender's examples each, with 2 added to their relevance.

Each step runs in a child process of its own, so that its peak RSS (``wait4``) is its own, with
DuckDB's memory limited by ``--memory-limit`` as the audit's ``memory_limit`` does:

1. ``word_associations``: the ``word_groups`` query (SQL), then G-tests and records (Python); rows,
   words associated, and the recall of the planted words among the associated ones (all 20 are
   expected: the benchmark exits with status 1 after its JSON when one is missed).
2. The shares pass as the audit runs it (``materialize``, ``materialize_shares``, ``moments_by_test``)
   without candidate proxies (the baseline), then with them added to the terms; their ratio.
3. ``outcome_gaps`` (the ``outcome_cells`` query and the bootstrap of the cells).
4. The ``relevance_by_group`` query.

The last line printed is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from audit_scale import _child  # noqa: E402
from audit_sql import TERM_RATE, VOCABULARY, Drawn, synthetic_run  # noqa: E402

from lrp_audit.audits.lexicon import english  # noqa: E402
from lrp_audit.audits import load_lexicons, terms_table  # noqa: E402
from lrp_audit.audits import proxies  # noqa: E402
from lrp_audit.audits.database import connect, materialize, run_named, scale_config  # noqa: E402
from lrp_audit.audits.moments import SHARES, materialize_shares, moments_by_test  # noqa: E402
from lrp_audit.audits.outcomes import outcome_gaps  # noqa: E402
from lrp_audit.audits.settings import AuditSettings  # noqa: E402
from lrp_audit.run_folder import EXAMPLES  # noqa: E402

WORDS_PER_EXAMPLE = 40
TOKENS_PER_WORD = (1, 1, 1, 2)  # 1.25 tokens per word on average: 50 tokens per example
ZIPF = 1.0 / np.arange(1, VOCABULARY + 1)  # word w<i>x has rank i + 1
ZIPF /= ZIPF.sum()
PLANTED = {  # 10 words per gender, spread over Zipf ranks 1,000 to 5,000
    gender: [f"w{i}x" for i in np.linspace(1000, VOCABULARY - 50, 20).astype(int)[start::2]]
    for start, gender in enumerate(("f", "m"))
}
PLANT_RATE = 0.02  # each planted word is put into this share of its gender's examples
BOOST = 2.0  # added to a planted word's relevance (a token's relevance is N(0, 1))
MISSING = 0.05  # examples without a gender
REGIONS = ("north", "south", "east", "west")
STEPS = ("associations", "shares", "outcomes", "relevance")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=1_000_000)
    parser.add_argument("--shard-examples", type=int, default=100_000, help="examples per shard file")
    parser.add_argument("--memory-limit", default="4GB", help="audit.memory_limit (default: 4GB); none: DuckDB's "
                        "default, 80%% of RAM")
    parser.add_argument("--threads", type=int, help="DuckDB's threads (default: DuckDB's, one per core)")
    parser.add_argument("--phase", choices=("generate", *STEPS), help=argparse.SUPPRESS)
    parser.add_argument("--candidates", default="", help=argparse.SUPPRESS)  # comma-separated proxy words
    args = parser.parse_args()
    run_dir = ROOT / "benchmarks" / ".cache" / f"proxy-{args.examples}x{WORDS_PER_EXAMPLE}"
    if args.phase == "generate":
        print(json.dumps(_generate(run_dir, args)))
    elif args.phase:
        memory = None if args.memory_limit == "none" else args.memory_limit
        settings = AuditSettings(memory_limit=memory, language="en")
        candidates = [word for word in args.candidates.split(",") if word]
        print(json.dumps(_step(args.phase, run_dir, settings, args.threads, candidates)))
    else:
        result = _measure(args)
        print(json.dumps(result))
        if not result["ok"]:
            raise SystemExit(f"planted words missed: recall {result['recall']} (see 'missed')")


def _measure(args) -> dict:
    """Generation, then each step in a child process of its own."""
    command = [sys.executable, __file__, "--examples", str(args.examples), "--shard-examples", str(args.shard_examples),
               "--memory-limit", args.memory_limit] + (["--threads", str(args.threads)] if args.threads else [])
    result = {"examples": args.examples, "words_per_example": WORDS_PER_EXAMPLE, "memory_limit": args.memory_limit,
              "threads": args.threads}
    result["generation"] = _child(command + ["--phase", "generate"], None)
    print(f"generation: {result['generation']}", flush=True)
    found = result["associations"] = _child(command + ["--phase", "associations"], None)
    print(f"word_associations: {_shown(found)}", flush=True)
    result["shares_baseline"] = _child(command + ["--phase", "shares"], None)
    print(f"shares without proxies: {result['shares_baseline']}", flush=True)
    with_proxies = ["--phase", "shares", "--candidates", ",".join(found["candidates"])]
    result["shares_proxies"] = _child(command + with_proxies, None)
    print(f"shares with {len(found['candidates'])} candidate proxies: {result['shares_proxies']}", flush=True)
    result["shares_ratio"] = round(result["shares_proxies"]["sql_s"] / result["shares_baseline"]["sql_s"], 2)
    print(f"shares pass, with / without proxies: {result['shares_ratio']}", flush=True)
    result["outcomes"] = _child(command + ["--phase", "outcomes"], None)
    print(f"outcome_gaps: {result['outcomes']}", flush=True)
    result["relevance_by_group"] = _child(command + ["--phase", "relevance"], None)
    print(f"relevance_by_group: {result['relevance_by_group']}", flush=True)
    planted = {(word, gender) for gender, words in PLANTED.items() for word in words}
    associated = {(word, group) for word, group in found.pop("gender_associated")}
    candidates = set(found["candidates"])
    result["recall"] = len(planted & associated) / len(planted)
    result["recall_in_candidates"] = sum(word in candidates for word, _ in planted) / len(planted)
    result["missed"] = sorted(f"{word} ({group})" for word, group in planted - associated)
    result["other_gender_associations"] = len(associated - planted)
    result["ok"] = result["recall"] == 1.0
    print(f"planted words associated with their gender: recall {result['recall']:.2f} "
          f"({len(planted & associated)} of {len(planted)}), "
          f"among the candidates {result['recall_in_candidates']:.2f}; "
          f"{result['other_gender_associations']} other words associated with a gender", flush=True)
    return result


def _shown(found: dict) -> dict:
    return {key: value for key, value in found.items() if key not in ("candidates", "gender_associated")}


def _generate(run_dir: Path, args) -> dict:
    cached = (run_dir / "manifest.json").exists()
    terms = terms_table(english(load_lexicons()))
    single = [t for t, n in zip(terms.column("term").to_pylist(), terms.column("num_words").to_pylist()) if n == 1]
    shards = max(1, -(-args.examples // args.shard_examples))
    synthetic_run(run_dir, args.examples, single, words_per_example=WORDS_PER_EXAMPLE, pieces=TOKENS_PER_WORD,
                  shards=shards, draw=_draw)
    return {"cached": cached, "shards": shards, "run_dir": str(run_dir)}


def _draw(rng: np.random.Generator, examples: int, words_per_example: int, terms: int) -> Drawn:
    """Zipf-distributed words (1 in 20 a lexicon term), the sensitive columns, and the planted words
    put at random places of their gender's examples, their relevance raised."""
    n_words = examples * words_per_example
    is_term = rng.random(n_words) < TERM_RATE
    term = VOCABULARY + rng.integers(terms, size=n_words)
    choice = np.where(is_term, term, rng.choice(VOCABULARY, size=n_words, p=ZIPF)).reshape(examples, words_per_example)
    gender = np.where(rng.random(examples) < MISSING, None, rng.choice(["f", "m"], size=examples)).astype(object)
    region = np.asarray(REGIONS, dtype=object)[rng.integers(len(REGIONS), size=examples)]
    planted = []
    for group, words in PLANTED.items():
        indices = np.array([int(word[1:-1]) for word in words])
        rows, which = np.nonzero((gender == group)[:, None] & (rng.random((examples, len(words))) < PLANT_RATE))
        choice[rows, rng.integers(words_per_example, size=len(rows))] = indices[which]
        planted.append(indices)
    shift = np.where(np.isin(choice, np.concatenate(planted)), BOOST, 0.0)
    keys = pa.array(["gender", "region"] * examples)
    values = pa.array(np.stack([gender, region], axis=1).ravel(), pa.string())
    sensitive = pa.MapArray.from_arrays(np.arange(0, 2 * examples + 1, 2, dtype=np.int32), keys, values)
    return Drawn(choice, shift, {"sensitive": sensitive.cast(EXAMPLES.field("sensitive").type)})


def _step(step: str, run_dir: Path, settings: AuditSettings, threads: int | None, candidates: list[str]) -> dict:
    """One step over the run, in a DuckDB session configured as the audit's."""
    terms = terms_table(english(load_lexicons(settings.axes, settings.lexicons)))
    with tempfile.TemporaryDirectory(prefix="lrp-audit-spill-") as spill:
        config = scale_config(spill, settings.memory_limit) | ({"threads": threads} if threads else {})
        connection = connect(run_dir, terms, config)
        try:
            if step == "associations":
                return _associations(connection, settings)
            if step == "shares":
                return _shares(connection, settings, terms, candidates)
            if step == "outcomes":
                start = time.perf_counter()
                gaps = outcome_gaps(connection, settings)
                return {"seconds": _since(start), "columns": [g.column for g in gaps],
                        "metrics": sum(len(g.metrics) for g in gaps)}
            start = time.perf_counter()
            rows = run_named(connection, "relevance_by_group")
            return {"seconds": _since(start), "rows": rows.num_rows}
        finally:
            connection.close()


def _associations(connection, settings: AuditSettings) -> dict:
    """``word_associations`` timed as the audit calls it, its query's share of the time apart."""
    sql = []
    query = proxies.run_named

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return query(*args, **kwargs)
        finally:
            sql.append(time.perf_counter() - start)

    proxies.run_named = timed
    start = time.perf_counter()
    counts = proxies.word_associations(connection, settings)
    seconds = _since(start)
    associations = proxies.associated(counts, settings)
    words = proxies.candidate_words(associations, settings)
    by_column = {}
    for association in associations:
        by_column[association.column] = by_column.get(association.column, 0) + 1
    return {"seconds": seconds, "sql_s": round(sum(sql), 2), "python_s": round(seconds - sum(sql), 2),
            "rows": len(counts), "associated": len(associations), "associated_by_column": by_column,
            "candidates": words,
            "gender_associated": [(a.word, a.group) for a in associations if a.column == "gender"]}


def _shares(connection, settings: AuditSettings, terms: pa.Table, candidates: list[str]) -> dict:
    """The audit's shares pass (``_audited``): the terms (with ``candidates`` as proxies) matched,
    the per-example shares computed, every test's moments."""
    marks = [time.perf_counter()]
    if candidates:
        connection.register("terms", pa.concat_tables([terms, proxies.proxy_terms(candidates)]))
    materialize(connection)
    marks.append(time.perf_counter())
    materialize_shares(connection, settings.top_k)
    marks.append(time.perf_counter())
    moments = moments_by_test(connection)
    marks.append(time.perf_counter())
    share_rows = connection.sql(f"SELECT count(*) FROM {SHARES}").fetchall()[0][0]
    names = ("materialize_s", "materialize_shares_s", "moments_by_test_s")
    result = {"sql_s": round(marks[-1] - marks[0], 2)} | {
        name: round(end - begin, 2) for name, begin, end in zip(names, marks, marks[1:])
    } | {"candidates": len(candidates), "share_rows": share_rows, "tests": len(moments)}
    if candidates:  # the planted words' relevance was raised: their lift over the expected share shows it
        planted = {word for words in PLANTED.values() for word in words}
        lifts = {m.group: m.share / m.expected_share for m in moments
                 if m.axis == proxies.PROXY_AXIS and m.level == "group" and m.expected_share}
        result["proxy_tests"] = len(lifts)
        result["planted_lift"] = _mean([lift for word, lift in lifts.items() if word in planted])
        result["other_lift"] = _mean([lift for word, lift in lifts.items() if word not in planted])
    return result


def _mean(values: list[float]) -> float | None:
    return round(float(np.mean(values)), 2) if values else None


def _since(start: float) -> float:
    return round(time.perf_counter() - start, 2)


if __name__ == "__main__":
    main()
