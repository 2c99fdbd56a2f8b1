"""The wheel: built from the repository, installed without -e into a fresh venv, run from elsewhere.

The fresh venv sees the test environment's third-party packages (torch, ray, ...) through a .pth
line, so nothing is downloaded; lrp_audit itself comes only from the wheel.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict:
    """A wheel of this checkout, and a venv with it installed (not editable)."""
    folder = tmp_path_factory.mktemp("wheel")
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", str(ROOT), "--no-deps", "-q", "-w", str(folder / "dist")], check=True)
    [wheel] = (folder / "dist").glob("lrp_audit-*.whl")
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    (Path(site) / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", "-q", str(wheel)], check=True)
    outside = folder / "elsewhere"
    outside.mkdir()
    return {"wheel": wheel, "bin": venv / "bin", "cwd": outside, "site": Path(site)}


def run(installed: dict, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "RAY_ADDRESS")}
    return subprocess.run(
        [str(installed["bin"] / "lrp-audit"), *args],
        cwd=installed["cwd"], env=env, capture_output=True, text=True, timeout=600,
    )


def test_the_wheel_installs_one_import_name_and_every_data_file(installed):
    names = zipfile.ZipFile(installed["wheel"]).namelist()
    assert {name.split("/")[0] for name in names if not name.startswith("lrp_audit-")} == {"lrp_audit"}
    for shipped in ROOT.glob("queries/**/*.sql"):
        assert f"lrp_audit/{shipped.relative_to(ROOT)}" in names
    shipped = (
        ("audits/lexicons", "*.yaml"), ("audits/lexicons", "*/*.yaml"), ("audits/languages", "*.py"),
        ("reports/templates", "*.j2"), ("demo/data", "*.parquet"), ("demo/data_de", "*.parquet"),
        ("demo/data_fr", "*.parquet"), ("demo", "*.ipynb"), ("configs", "*.yaml"), ("pipelines/data", "*.txt"),
    )
    for folder, pattern in shipped:
        files = list((ROOT / folder).glob(pattern))
        assert files and all(f"lrp_audit/{path.relative_to(ROOT)}" in names for path in files)


def test_the_installed_package_is_the_wheel_not_the_checkout(installed):
    where = subprocess.run(
        [str(installed["bin"] / "python"), "-c", "import lrp_audit.audits, lrp_audit.queries as q; print(q.FOLDER)"],
        cwd=installed["cwd"], capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(installed["site"])


@pytest.mark.slow
def test_explain_scan_with_audit_and_report_and_query_run_from_the_installed_wheel(installed, model_dir):
    explained = run(installed, "explain", "She is a brilliant engineer.", "--model", model_dir, "--format", "json")
    assert explained.returncode == 0, explained.stderr
    assert json.loads(explained.stdout)[0]["tokens"]

    cwd = installed["cwd"]
    texts = ["She is a brilliant engineer.", "He said yes to the offer.", "The nurse checked it twice.", "ok then"]
    pq.write_table(pa.table({"text": texts * 3}), cwd / "data.parquet")
    config = {"model": {"name": model_dir}, "dataset": {"name": "data.parquet", "label_column": None},
              "runtime": {"output_dir": "runs", "run_id": "wheel"}}
    (cwd / "scan.yaml").write_text(yaml.safe_dump(config))
    scanned = run(installed, "scan", "scan.yaml", "--format", "json")
    assert scanned.returncode == 0, scanned.stderr
    summary = json.loads(scanned.stdout)
    assert summary["scan"]["examples"] == 12 and summary["audit"] is not None
    assert Path(summary["report"]).is_file()

    queried = run(installed, "query", "runs/wheel", "--name", "coverage", "--format", "json")
    assert queried.returncode == 0, queried.stderr
    assert {row["axis"] for row in json.loads(queried.stdout)} >= {"gender"}
