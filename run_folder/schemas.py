"""The Parquet schemas of a run's four tables, and the columns that identify a row of each.

``<run>/tokens/``, ``<run>/words/``, ``<run>/examples/`` and ``<run>/errors/`` hold one file per
input shard, named by the shard. The examples file is written last: its presence marks the shard
done, and its metadata (under ``SHARD_METADATA_KEY``) records the shard's counts. A compacted run
merges consecutive shards into parts (``run_folder.parts``): a part's examples file records its
shards and their counts under ``PART_METADATA_KEY`` instead. The schemas
themselves are the engine's (``lrp.tables``): an explanation has one Arrow contract everywhere.
"""

from __future__ import annotations

from lrp_audit.lrp.tables import ERRORS, EXAMPLES, TOKENS, WORDS

SHARD_METADATA_KEY = b"lrp_audit.shard"
PART_METADATA_KEY = b"lrp_audit.part"

SCHEMAS = {"tokens": TOKENS, "words": WORDS, "examples": EXAMPLES, "errors": ERRORS}
# The columns that identify a row of each table.
KEYS = {
    "tokens": ("example_id", "position"),
    "words": ("example_id", "word_index"),
    "examples": ("example_id",),
    "errors": ("example_id",),
}
