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
    PART_PREFIX,
    PARTS_FILE,
    REPORT_FILE,
    STAGING,
    TABLES,
    TERMS_FILE,
    kept_dir,
    kept_results,
    shard_path,
    staged_path,
)
from .records import SCHEMA_VERSION, AuditReport, FaithfulnessReport, Manifest, Part, Parts
from .schemas import ERRORS, EXAMPLES, KEYS, SCHEMAS, SHARD_METADATA_KEY, TOKENS, WORDS
from .verify import (
    RunFolderError,
    complete_manifest,
    read_audit,
    read_faithfulness,
    read_json,
    read_manifest,
    read_parts,
    read_record,
    run_problems,
    shard_metadata,
    shard_problem,
    shard_problems,
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
    "PARTS_FILE",
    "PART_PREFIX",
    "REPORT_FILE",
    "SCHEMAS",
    "SCHEMA_VERSION",
    "SHARD_METADATA_KEY",
    "STAGING",
    "TABLES",
    "TERMS_FILE",
    "TOKENS",
    "WORDS",
    "AuditReport",
    "FaithfulnessReport",
    "Kept",
    "Manifest",
    "Part",
    "Parts",
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
    "read_parts",
    "read_record",
    "retire_current",
    "run_problems",
    "settings_key",
    "shard_metadata",
    "shard_path",
    "shard_problem",
    "shard_problems",
    "staged_path",
    "temporary_path",
    "write_atomic",
    "write_json_atomic",
]
