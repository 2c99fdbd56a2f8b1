"""The ``lrp-audit`` command line. Every command has ``--help``; bad input exits 2 with one message."""

from __future__ import annotations

import json
import sys
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from lrp import METHODS, Explainer, LRPError, bundled_model_path, to_arrow
from lrp.heatmap import print_heatmaps

from .config import ConfigError, load_config

app = typer.Typer(
    help="Audit transformers for reliance on sensitive features with conservative LRP.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
stderr = Console(stderr=True)

BAD_INPUT = 2


class Format(str, Enum):
    heatmap = "heatmap"
    json = "json"
    parquet = "parquet"


def bundled_sentences() -> list[str]:
    text = resources.files("pipelines").joinpath("data/sentences.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip()]


def fail(message: str) -> None:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(BAD_INPUT)


@app.callback()
def main() -> None:
    """Explain transformer predictions per token with conservative LRP (Ali et al., ICML 2022)."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


@app.command()
def explain(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to explain. Default: a few bundled sentences.")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Hub id or local folder. Default: the bundled all-MiniLM-L6-v2 with a fresh 2-class head."),
    ] = None,
    method: Annotated[str, typer.Option(help=f"Attribution method: {', '.join(METHODS)}.")] = "cp-lrp",
    target: Annotated[
        str | None,
        typer.Option(help="Class index or label name; for causal LMs a next token such as ' Yes'. Default: predicted."),
    ] = None,
    prompt: Annotated[
        str | None, typer.Option(help="Template with {text} for causal LMs, e.g. 'Profile: {text} Hire? Answer:'.")
    ] = None,
    dtype: Annotated[str, typer.Option(help="float32, or bfloat16 (GPU). float16 is refused.")] = "float32",
    device: Annotated[str | None, typer.Option(help="torch device, e.g. cuda:0. Default: cpu.")] = None,
    max_length: Annotated[int, typer.Option(min=2, help="Longer texts are truncated (and marked so).")] = 512,
    ig_steps: Annotated[int, typer.Option(min=1, help="Integration points for --method ig.")] = 50,
    num_labels: Annotated[int | None, typer.Option(min=1, help="Classes of a freshly initialised head.")] = None,
    output_format: Annotated[Format, typer.Option("--format", help="heatmap (terminal), json or parquet.")] = Format.heatmap,
    output: Annotated[Path | None, typer.Option(help="File for json/parquet output. Default: stdout for json.")] = None,
) -> None:
    """Explain texts and print a relevance heatmap per text (or write JSON / Parquet)."""
    if output_format is Format.parquet and output is None:
        fail("--format parquet needs --output FILE")
    texts = list(texts or bundled_sentences())
    parsed_target: int | str | None = int(target) if target is not None and target.lstrip("-").isdigit() else target
    try:
        if model is None:
            model, num_labels = str(bundled_model_path()), num_labels or 2
            stderr.print(
                "Embedded default: all-MiniLM-L6-v2 with a freshly initialised 2-class head (seed 0). "
                "The heatmap shows the mechanics; pass --model for a trained classifier.",
                style="dim",
            )
        explainer = Explainer.from_pretrained(
            model,
            method,
            dtype=dtype,
            device=device,
            num_labels=num_labels,
            max_length=max_length,
            ig_steps=ig_steps,
            prompt=prompt,
        )
        explanations = explainer.explain(texts, parsed_target)
    except LRPError as error:
        fail(str(error))
    if output_format is Format.heatmap:
        print_heatmaps(explanations)
    elif output_format is Format.json:
        payload = json.dumps([e.record() for e in explanations], indent=2)
        output.write_text(payload) if output else sys.stdout.write(payload + "\n")
    else:
        import pyarrow.parquet as pq

        pq.write_table(to_arrow(explanations), output, compression="zstd")
        stderr.print(f"wrote {len(explanations)} explanations to {output}")


@app.command()
def scan(
    config: Annotated[Path, typer.Argument(help="YAML scan config (see configs/example-scan.yaml).")],
    overrides: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a key: --set attribution.batch_size=32 (repeatable)."),
    ] = None,
) -> None:
    """Attribute every row of a dataset on a Ray cluster and write per-token relevance to Parquet.

    Rerunning the same command resumes an interrupted scan; a complete one is not redone.
    """
    from .scan import run_scan

    try:
        run_scan(load_config(config, overrides or []), stderr)
    except (ConfigError, LRPError) as error:
        fail(str(error))
