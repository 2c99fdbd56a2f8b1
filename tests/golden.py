"""Golden results: what a fixed scan wrote, in a form that survives refactoring, compared float-close.

``GOLDEN_WRITE=1 pytest ...`` writes the expected file anew (only when a change of results is meant).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pyarrow.dataset as ds

FOLDER = Path(__file__).parent / "golden"
# Fields that name when or where a result was made, or the version of its file's layout, not what it found.
VOLATILE = {"created_at", "key", "run_id", "run_dir", "started_at", "ended_at", "resumed_at", "schema_version"}


def _table(run_dir: Path, name: str, columns: list[str], keys: list[str]) -> dict[str, list]:
    table = ds.dataset(run_dir / name, format="parquet").to_table(columns=columns)
    return table.sort_by([(key, "ascending") for key in keys]).to_pydict()


def _without_volatile(value):
    if isinstance(value, dict):
        return {key: _without_volatile(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [_without_volatile(item) for item in value]
    return value


def observed(run_dir: Path, exit_code: int) -> dict:
    """A scan's exit code, its tables, the audit's findings and the faithfulness check's results."""
    audit = json.loads((run_dir / "audit.json").read_text())
    faithfulness = json.loads((run_dir / "faithfulness.json").read_text())
    return {
        "exit_code": exit_code,
        "examples": _table(
            run_dir,
            "examples",
            ["example_id", "label", "prediction", "target", "target_logit", "relevance_sum", "conservation_gap",
             "num_tokens", "truncated"],
            ["example_id"],
        ),
        "words": _table(run_dir, "words", ["example_id", "word_index", "word", "relevance"], ["example_id", "word_index"]),
        "tokens": _table(run_dir, "tokens", ["example_id", "position", "token", "relevance"], ["example_id", "position"]),
        "errors": _table(run_dir, "errors", ["example_id", "kind"], ["example_id"]),
        "audit": _without_volatile({key: audit[key] for key in ("status", "flags", "unconfirmed", "tests", "coverage")}),
        "faithfulness": _without_volatile({k: v for k, v in faithfulness.items() if k != "settings"}),
    }


# Float32 kernels sum in another order on another CPU's instruction set: the same code and inputs
# give relevance that differs by up to about 3e-6 (an audit statistic by about 1.3e-6 relative)
# between the machine that wrote the golden file and another. A real change of results is far larger.
REL_TOL, ABS_TOL = 1e-5, 1e-6
# A conservation gap is the difference of a logit and a relevance sum of similar size: its rounding
# is theirs (absolute), not a fraction of the small difference. 1e-5 is ten times that drift.
DIFFERENCE_TOL = {"conservation_gap": 1e-5}


def check(name: str, found: dict) -> None:
    """``found`` equals the golden file ``name``: exactly, floats to ``REL_TOL`` (``ABS_TOL`` near zero)."""
    path = FOLDER / f"{name}.json"
    if os.environ.get("GOLDEN_WRITE"):
        path.write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
    expected = json.loads(path.read_text())
    _assert_close(json.loads(json.dumps(found)), expected, name)


def _assert_close(found, expected, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(found, dict) and set(found) == set(expected), f"{where}: keys {sorted(found)} != {sorted(expected)}"
        for key in expected:
            _assert_close(found[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(found, list) and len(found) == len(expected), f"{where}: length differs"
        for index, (a, b) in enumerate(zip(found, expected)):
            _assert_close(a, b, f"{where}[{index}]")
    elif isinstance(expected, float) and not isinstance(found, bool) and isinstance(found, (int, float)):
        abs_tol = DIFFERENCE_TOL.get(where.rsplit(".", 1)[-1].split("[")[0], ABS_TOL)
        same = (math.isnan(expected) and math.isnan(found)) or math.isclose(found, expected, rel_tol=REL_TOL, abs_tol=abs_tol)
        assert same, f"{where}: {found} != {expected}"
    else:
        assert found == expected, f"{where}: {found!r} != {expected!r}"
