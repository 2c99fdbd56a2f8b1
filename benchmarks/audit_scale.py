"""The whole audit (no counterfactual) on a synthetic run of N examples: time and peak memory.

    .venv/bin/python benchmarks/audit_scale.py --examples 10000000 --tokens-per-example 50

The run (benchmarks/audit_sql.py's synthetic run: words of 1-2 tokens, 1 word in 20 a lexicon
term, random relevance) is written once to ``benchmarks/.cache/``, shard by shard. Generation and
each audit run in a child process of their own, so that each one's peak RSS (``wait4``) is its own.
The audit's time is split into SQL (DuckDB: lexicon matching, shares, moments, fetching the rows of
bootstrapped tests) and statistics (intervals and p-values). For comparison the same audit with
``interval_method: bootstrap`` (every test resampled, as before the analytic method) runs until
``--compare-timeout`` seconds. The last line printed is one JSON object with every number.
Target: 10M examples (500M token rows) in under 10 minutes and 6 GiB on 2 cores; ``--memory-limit``
(default 4GB) is DuckDB's, beyond which it spills to disk.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from audit_sql import synthetic_run  # noqa: E402

from lrp_audit.audits.lexicon import english  # noqa: E402
from lrp_audit.audits import audit, load_lexicons, terms_table  # noqa: E402
from lrp_audit.audits.settings import AuditSettings  # noqa: E402

TOKENS_PER_WORD = (1, 1, 1, 2)  # 1.25 tokens per word on average, as common tokenisers on English
SQL_STEPS = ("materialize", "materialize_shares", "run_named", "moments_by_test", "examples_with_any_term")
STATISTICS_STEPS = ("_bootstrap", "_analytic", "benjamini_hochberg")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=10_000_000)
    parser.add_argument("--tokens-per-example", type=int, default=50)
    parser.add_argument("--shard-examples", type=int, default=200_000, help="examples per shard file")
    parser.add_argument("--compare-timeout", type=float, default=600, help="all-bootstrap audit: seconds (0: none)")
    parser.add_argument("--memory-limit", default="4GB", help="audit.memory_limit (default: 4GB, the target's 6 GiB "
                        "less Python's own); none: DuckDB's default, 80%% of RAM")
    parser.add_argument("--phase", choices=("generate", "audit"), help=argparse.SUPPRESS)
    parser.add_argument("--interval-method", default="auto", help=argparse.SUPPRESS)
    parser.add_argument(
        "--language", default="en", help="audit.language: en (the synthetic text's terms are English), or auto to "
        "time detecting each example's language too (the text is not language, so what it finds means nothing)"
    )
    args = parser.parse_args()
    run_dir = ROOT / "benchmarks" / ".cache" / f"scale-{args.examples}x{args.tokens_per_example}"
    if args.phase == "generate":
        print(json.dumps(_generate(run_dir, args)))
    elif args.phase == "audit":
        memory = None if args.memory_limit == "none" else args.memory_limit
        settings = AuditSettings(interval_method=args.interval_method, memory_limit=memory, language=args.language)
        print(json.dumps(_audit(run_dir, settings)))
    else:
        print(json.dumps(_measure(args)))


def _measure(args) -> dict:
    """Generation, the audit and the all-bootstrap audit, each in a child process."""
    command = [sys.executable, __file__, "--examples", str(args.examples),
               "--tokens-per-example", str(args.tokens_per_example), "--shard-examples", str(args.shard_examples)]
    limit = ["--memory-limit", args.memory_limit, "--language", args.language]
    generated = _child(command + ["--phase", "generate"], None)
    print(f"generation: {generated}", flush=True)
    audited = _child(command + limit + ["--phase", "audit"], None)
    print(f"audit: {audited}", flush=True)
    result = {"examples": args.examples, "tokens_per_example": args.tokens_per_example,
              "memory_limit": args.memory_limit, "language": args.language, "generation": generated, "audit": audited}
    if args.compare_timeout > 0:
        bootstrap = ["--phase", "audit", "--interval-method", "bootstrap"]
        compared = _child(command + limit + bootstrap, args.compare_timeout)
        print(f"all-bootstrap audit: {compared}", flush=True)
        result["bootstrap_audit"] = compared
    return result


def _child(command: list[str], timeout: float | None) -> dict:
    """Run ``command``; its last stdout line (JSON), wall seconds and peak RSS, or that it timed out."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, start_new_session=True)
    status, usage = _wait(process, timeout)
    wall = round(time.perf_counter() - start, 1)
    peak = round(usage.ru_maxrss / 2**20, 2) if usage else None  # ru_maxrss is in KiB on Linux
    if status is None:
        return {"timed_out": True, "wall_s": wall, "timeout_s": timeout}
    output = process.stdout.read().strip().splitlines()
    if status != 0 or not output:
        raise SystemExit(f"{' '.join(command)} failed with status {status}")
    return {"wall_s": wall, "peak_rss_gib": peak} | json.loads(output[-1])


def _wait(process: subprocess.Popen, timeout: float | None):
    """(exit status, resource usage) of the child, or (None, None) once it ran past ``timeout``."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG if deadline else 0)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            os.wait4(process.pid, 0)
            return None, None
        time.sleep(0.5)


def _generate(run_dir: Path, args) -> dict:
    cached = (run_dir / "manifest.json").exists()
    terms = terms_table(english(load_lexicons()))
    single = [t for t, n in zip(terms.column("term").to_pylist(), terms.column("num_words").to_pylist()) if n == 1]
    words = round(args.tokens_per_example / (sum(TOKENS_PER_WORD) / len(TOKENS_PER_WORD)))
    shards = max(1, -(-args.examples // args.shard_examples))
    synthetic_run(run_dir, args.examples, single, words_per_example=words, pieces=TOKENS_PER_WORD, shards=shards)
    return {"cached": cached, "words_per_example": words, "shards": shards, "run_dir": str(run_dir)}


def _audit(run_dir: Path, settings: AuditSettings) -> dict:
    """``run_audit`` from scratch (earlier audits removed), its steps timed as SQL or statistics."""
    shutil.rmtree(run_dir / "kept", ignore_errors=True)
    for name in audit.FILES:
        (run_dir / name).unlink(missing_ok=True)
    spent = Counter()
    for name in SQL_STEPS + STATISTICS_STEPS:
        setattr(audit, name, _timed(getattr(audit, name), "sql" if name in SQL_STEPS else "statistics", spent))
    audit.samples = _timed_generator(audit.samples, spent)
    start = time.perf_counter()
    report = audit.run_audit(run_dir, settings).report
    methods = Counter(f"{test.level}/{test.interval_method}" for test in report.tests)
    return {"audit_s": round(time.perf_counter() - start, 1)} | {f"{k}_s": round(v, 1) for k, v in spent.items()} | {
        "tests": dict(sorted(methods.items()))}


def _timed(function, part: str, spent: Counter):
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    return timed


def _timed_generator(function, spent: Counter):
    """Time the fetching of each item (SQL), not what the caller does with it."""

    def timed(*args, **kwargs):
        items = function(*args, **kwargs)
        while True:
            start = time.perf_counter()
            try:
                item = next(items)
            except StopIteration:
                return
            finally:
                spent["sql"] += time.perf_counter() - start
            yield item

    return timed


if __name__ == "__main__":
    main()
