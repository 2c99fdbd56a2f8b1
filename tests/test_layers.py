"""The layers: imports only go down, engine at the bottom, command line at the top."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Bottom to top. Data packages (queries, configs) and the version in lrp_audit/__init__ sit below all.
LAYERS = ["lrp", "run_folder", "audits", "reports", "demo", "pipelines", "cli"]
DATA = {"queries", "configs", ""}


def _layer(module: str) -> int:
    """The layer of ``lrp_audit.<part>...``; -1 for the data packages."""
    part = module.split(".")[1] if module.count(".") else ""
    part = "cli" if part == "__main__" else part
    return -1 if part in DATA else LAYERS.index(part)


def _modules() -> dict[str, Path]:
    found = {}
    for folder in [*LAYERS[:-1], "queries", "configs"]:
        for path in (ROOT / folder).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(["lrp_audit", *parts]).removesuffix(".__init__")] = path
    for path in (ROOT / "lrp_audit").glob("*.py"):
        found[f"lrp_audit.{path.stem}".removesuffix(".__init__")] = path
    return found


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            imported.add(base)
    return {name for name in imported if name == "lrp_audit" or name.startswith("lrp_audit.")}


def test_every_part_of_the_project_is_under_the_one_import_name():
    modules = _modules()
    assert {module.split(".")[1] for module in modules if module.count(".")} >= set(LAYERS)


def test_no_module_imports_a_module_of_a_higher_layer():
    upward = [
        f"{module} (layer {LAYERS[_layer(module)]}) imports {imported}"
        for module, path in _modules().items()
        for imported in _imports(module, path)
        if _layer(imported) > _layer(module)
    ]
    assert upward == []


def test_the_engine_imports_nothing_of_the_layers_above_it():
    engine = {module: path for module, path in _modules().items() if module.startswith("lrp_audit.lrp")}
    assert engine and all(_layer(imported) <= 0 for module, path in engine.items() for imported in _imports(module, path))


def test_the_package_facade_reaches_the_job_only_when_it_is_asked_for():
    """``lrp_audit.scan``, ``open_run`` and ``Run`` come from the pipeline layer, imported on first use:
    a module below that imports ``lrp_audit`` (for its version) loads no layer above it."""
    import lrp_audit

    assert {module for module in lrp_audit._API.values()} <= {m for m in _modules() if _layer(m) == LAYERS.index("pipelines")}
    assert all(callable(getattr(lrp_audit, name)) for name in lrp_audit._API)
