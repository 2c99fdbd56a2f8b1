"""``lrp_audit.scan``: a whole job (scan, audit, faithfulness check, report) from Python, as one call.

It takes what the YAML config takes, section by section and with the same defaults and messages:

    run = lrp_audit.scan(model, df, text_column="bio", sensitive_columns=["gender"],
                         attribution={"batch_size": 32}, audit={"resamples": 2000})

``model`` is a hub id or folder (or a ``model:`` section as a dict), or a transformers model already
in memory with its ``tokenizer``; ``data`` a path, glob or hub id (or a ``dataset:`` section), or
rows in memory: a pandas DataFrame, a pyarrow Table or a ``datasets.Dataset``. Rows and models in
memory are written once, named by their content (``inputs``), so that the same call again is the
same run and does no model work, and the run keeps every guarantee of a scan from files.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console

from .config import ConfigError, read_tree, validated
from .inputs import data_file, model_folder
from .job import run_job
from .runs import Run
from .runtime import Runtime

SECTIONS = ("attribution", "runtime", "audit", "evaluation")
IN_MEMORY = "<in memory>"  # the name an object in memory has until it is written
WHERE = "in lrp_audit.scan(...)"


def scan(
    model: Any,
    data: Any,
    *,
    tokenizer: Any = None,
    text_column: str | None = None,
    text_pair_column: str | None = None,
    label_column: str | None = None,
    id_column: str | None = None,
    sensitive_columns: Sequence[str] | None = None,
    config: str | Path | None = None,
    console: Console | None = None,
    **sections: dict[str, Any],
) -> Run:
    """Scan ``data`` with ``model``, audit and evaluate as the settings say, write the report, and
    return the run. ``config`` is a YAML config to start from (the keywords override it); the other
    sections (``attribution``, ``runtime``, ``audit``, ``evaluation``) are dicts of their YAML keys.
    A rerun with the same inputs and settings does no model work; a stopped one resumes."""
    tree = _tree(config, sections)
    tree["model"] = _section(tree.get("model"), model, "model")
    tree["dataset"] = _section(tree.get("dataset"), data, "data")
    columns = {
        "text_column": text_column,
        "text_pair_column": text_pair_column,
        "label_column": label_column,
        "id_column": id_column,
        "sensitive_columns": None if sensitive_columns is None else list(sensitive_columns),
    }
    tree["dataset"] |= {key: value for key, value in columns.items() if value is not None}
    in_memory = {"model": not isinstance(model, (str, Path, dict)), "dataset": not isinstance(data, (str, Path, dict))}
    if tokenizer is not None and not in_memory["model"]:
        raise ConfigError("tokenizer: only for a model given as an object (a name or folder brings its own)")
    for section, held in in_memory.items():
        if held:
            tree[section]["name"] = IN_MEMORY
    settings = validated(tree, [], WHERE)  # every setting checked before anything is written
    if in_memory["model"]:
        tree["model"]["name"] = str(model_folder(model, tokenizer, settings.runtime.output_dir).resolve())
    if in_memory["dataset"]:  # rows in memory (anything else is refused by name)
        tree["dataset"]["name"] = str(data_file(data, settings.runtime.output_dir).resolve())
    settings = validated(tree, [], WHERE)
    with Runtime(console) as runtime:
        result = run_job(settings, runtime)
    return Run(result.scan.run_dir)


def _tree(config: str | Path | None, sections: dict[str, Any]) -> dict:
    """The YAML config's tree (or an empty one) with each keyword section's keys laid over it."""
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        raise ConfigError(
            f"{unknown[0]}: not a section of the scan config; lrp_audit.scan takes {', '.join(SECTIONS)} as dicts "
            "(model and dataset keys come with model= and data=)"
        )
    tree = read_tree(config) if config is not None else {}
    for name, keys in sections.items():
        if not isinstance(keys, dict):
            raise ConfigError(f"{name}: give the section's keys as a dict, e.g. {name}={{...}}")
        tree[name] = {**(tree.get(name) or {}), **keys}
    return tree


def _section(base: Any, given: Any, argument: str) -> dict:
    """A ``model:`` or ``dataset:`` section from the argument: a dict is the section itself, a name
    or path its ``name``; an object in memory gets its name once it is written (the caller's)."""
    section = dict(base) if isinstance(base, dict) else {}
    if isinstance(given, dict):
        return section | given
    if isinstance(given, (str, Path)):
        return section | {"name": str(given)}
    if given is None:
        raise ConfigError(f"{argument}: give a {'model' if argument == 'model' else 'dataset'}")
    return section
