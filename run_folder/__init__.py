"""The run folder's contract: its paths and artifact names, the Parquet schemas of its tables, the
typed records of its JSON files, atomic writes, its verification, and the results kept under the
key of what made them.

Every layer above the engine reads and writes a run folder through this package only.
"""

from .atomic import publish, temporary_path, write_atomic, write_json_atomic
from .kept import Kept, current_or_made, keep_unkeyed, retire_current, settings_key
from .layout import (
    AUDIT_FILE,
    FAITHFULNESS_FILE,
    KEPT,
    LOCK_FILE,
    MANIFEST_FILE,
    REPORT_FILE,
    TABLES,
    TERMS_FILE,
    kept_dir,
    kept_results,
    shard_path,
)
from .records import SCHEMA_VERSION, AuditReport, FaithfulnessReport, Manifest
from .schemas import ERRORS, EXAMPLES, KEYS, SCHEMAS, SHARD_METADATA_KEY, TOKENS, WORDS
from .verify import (
    RunFolderError,
    complete_manifest,
    read_audit,
    read_faithfulness,
    read_json,
    read_manifest,
    read_record,
    run_problems,
    shard_metadata,
    shard_problem,
)

__all__ = [
    "AUDIT_FILE",
    "ERRORS",
    "EXAMPLES",
    "FAITHFULNESS_FILE",
    "KEPT",
    "KEYS",
    "LOCK_FILE",
    "MANIFEST_FILE",
    "REPORT_FILE",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "SHARD_METADATA_KEY",
    "TABLES",
    "TERMS_FILE",
    "TOKENS",
    "WORDS",
    "AuditReport",
    "FaithfulnessReport",
    "Kept",
    "Manifest",
    "RunFolderError",
    "complete_manifest",
    "current_or_made",
    "keep_unkeyed",
    "kept_dir",
    "kept_results",
    "publish",
    "read_audit",
    "read_faithfulness",
    "read_json",
    "read_manifest",
    "read_record",
    "retire_current",
    "run_problems",
    "settings_key",
    "shard_metadata",
    "shard_path",
    "shard_problem",
    "temporary_path",
    "write_atomic",
    "write_json_atomic",
]
