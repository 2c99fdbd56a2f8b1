"""LRP Audit: audit datasets and models for reliance on sensitive features with conservative LRP.

Installed, every part of the project lives under this one import name, so that none of its folders
can shadow (or be shadowed by) another package of the same name. The repository keeps one top-level
folder per part; the wheel maps each to a subpackage:

=================  ========================  =====================================================
folder             import name               what it holds
=================  ========================  =====================================================
``lrp/``           ``lrp_audit.lrp``         the relevance engine (rules, composites, attributors)
``run_folder/``    ``lrp_audit.run_folder``  the run folder's contract: paths, schemas, records
``audits/``        ``lrp_audit.audits``      lexicons, statistics, the audit and its flags
``reports/``       ``lrp_audit.reports``     report.html
``demo/``          ``lrp_audit.demo``        the embedded default's data and fine-tuned model
``pipelines/``     ``lrp_audit.pipelines``   the Ray scan and the job that runs a config end to end
``queries/``       ``lrp_audit.queries``     the SQL files (package data)
``configs/``       ``lrp_audit.configs``     example scan configs (package data)
``lrp_audit/``     ``lrp_audit``             this file, and the command line (``lrp_audit.cli``)
=================  ========================  =====================================================

Imports only go down that stack: engine, run folder, audit, report, demo, pipeline, command line.

From Python (a notebook), the top of the package is the job::

    import lrp_audit
    run = lrp_audit.scan(model, dataframe, sensitive_columns=["gender"])   # -> Run
    run = lrp_audit.open_run("runs/scan-...")                              # a run made earlier

``scan``, ``open_run`` and ``Run`` are imported on first use (PEP 562), so that ``import lrp_audit``
(the command line's ``--help``, a module below that reads ``__version__``) loads none of the layers.
"""

from importlib import import_module, metadata

_API = {"scan": "lrp_audit.pipelines.api", "open_run": "lrp_audit.pipelines.runs", "Run": "lrp_audit.pipelines.runs"}
__all__ = ["Run", "__version__", "open_run", "scan"]


def __getattr__(name: str):
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'lrp_audit' has no attribute {name!r}")

try:
    __version__ = metadata.version("lrp-audit")
except metadata.PackageNotFoundError:  # run from a checkout that is not installed
    __version__ = "0+unknown"
