"""The shipped audit queries (``queries/*.sql``) and the views they use, again in plain pandas.

An independent second implementation for the tests and ``benchmarks/audit_sql.py``: written from
what each query's header says its columns mean, not translated from the SQL, and without DuckDB.
``Run.load(run_dir, terms)`` reads a run's Parquet; each shipped query is a method of the same name
with the same parameters and defaults, returning the same columns in the same order.

Definitions it follows (``queries/views.sql``):

* a word's ``norm`` is the word lower-cased with every punctuation, symbol and separator character
  (Unicode category P*, S*, Z*) and all whitespace removed; a word whose norm is empty is
  punctuation-only, every other word is a content word;
* a term of n parts occurs where n consecutive content words of one text segment (punctuation-only
  words in between skipped) have its parts as norms, in order, or where one word's norm is its parts
  joined (tokenisers that split only at spaces keep "sister-in-law" one word);
* within an axis the longest match wins: an occurrence is dropped when one of its words is also a
  word of a longer occurrence (of any term of the same axis);
* every share is |relevance| summed word by word over a set of distinct words, divided by
  |relevance| summed over all the example's words (punctuation included); a zero denominator gives
  a null share.

Everything runs on whole columns (numpy / pandas group-bys); the only Python loops are over the
distinct words (to normalise each once) and over the lexicon's terms (each matched with array shifts
over the content words), never over rows.
"""

from __future__ import annotations

import itertools

import unicodedata
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

EXAMPLE_COLUMNS = ["example_id", "prediction_label", "target_label", "label", "text", "sensitive"]


def normalise(word: str) -> str:
    """What lexicon terms are matched against: lower-case, no punctuation, symbols, separators or spaces."""
    return "".join(c for c in word.lower() if not (c.isspace() or unicodedata.category(c)[0] in "PSZ"))


def read_folder(folder: Path, columns: list[str] | None = None) -> pa.Table:
    files = sorted(folder.glob("*.parquet"))
    if not files:
        raise FileNotFoundError(f"{folder}: no *.parquet files")
    return pa.concat_tables([pq.read_table(path, columns=columns) for path in files])


def _ratio(numerator, denominator) -> np.ndarray:
    """numerator / denominator, null (NaN) where the denominator is 0 or null."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    out = np.full(np.broadcast(numerator, denominator).shape, np.nan)
    np.divide(numerator, denominator, out=out, where=(denominator != 0) & ~np.isnan(denominator))
    return out


class Run:
    """A run's words, examples and errors with the lexicon's terms matched in them."""

    def __init__(self, words: pa.Table, examples: pd.DataFrame, errors: pd.DataFrame, terms: pa.Table):
        self.examples = examples.reset_index(drop=True)
        self.errors = errors.reset_index(drop=True)
        self._words_arrow(words)
        self._terms(terms)
        self._match()

    @classmethod
    def load(cls, run_dir: str | Path, terms: pa.Table) -> "Run":
        run_dir = Path(run_dir)
        words = read_folder(run_dir / "words")
        examples = read_folder(run_dir / "examples", EXAMPLE_COLUMNS).to_pandas()
        errors = read_folder(run_dir / "errors").to_pandas()
        return cls(words, examples, errors, terms)

    # ---------------------------------------------------------------- words

    def _words_arrow(self, words: pa.Table) -> None:
        """Column arrays of the words, ordered by example, segment and word index."""
        ids = words.column("example_id")
        self.example_ids = pc.unique(ids).to_numpy(zero_copy_only=False).astype(object)
        example = pc.index_in(ids, value_set=pa.array(self.example_ids, pa.string())).to_numpy()
        segment = words.column("segment").to_numpy().astype(np.int64)
        word_index = words.column("word_index").to_numpy().astype(np.int64)
        step = np.diff(example)
        in_order = (step >= 0).all() and (
            (step > 0) | (np.diff(segment) > 0) | ((np.diff(segment) == 0) & (np.diff(word_index) > 0))
        ).all()
        order = None if in_order else np.lexsort((word_index, segment, example))
        take = (lambda a: a) if order is None else (lambda a: a[order])
        self._order = order  # words row of each sorted position (None: already in order)
        self._word_text = words.column("word")
        self.ex = take(example)
        self.segment = take(segment)
        self.word_index = take(word_index)
        self.num_tokens = take(words.column("num_tokens").to_numpy().astype(np.int64))
        self.char_start = take(words.column("char_start").to_numpy().astype(np.int64))
        self.char_end = take(words.column("char_end").to_numpy().astype(np.int64))
        relevance = take(words.column("relevance").to_numpy())
        self.relevance = relevance.astype(np.float64)
        self.abs = np.abs(self.relevance)
        self._abs32 = np.abs(relevance) if relevance.dtype == np.float32 else None  # as the Parquet holds it
        # norm: each distinct word normalised once
        text = pc.fill_null(self._word_text, "")
        distinct = pc.unique(text)
        code_of_distinct, self.norms = pd.factorize(
            pd.Series([normalise(w) for w in distinct.to_pylist()], dtype=object)
        )
        self.norm = take(code_of_distinct[pc.index_in(text, value_set=distinct).to_numpy()])
        empty = np.flatnonzero(np.asarray(self.norms, dtype=object) == "")
        self.content = ~np.isin(self.norm, empty)
        self.num_examples = len(self.example_ids)
        # per example: the denominators
        self.total_abs = np.bincount(self.ex, weights=self.abs, minlength=self.num_examples)
        self.total_tokens = np.bincount(self.ex, weights=self.num_tokens, minlength=self.num_examples).astype(np.int64)

    def words_text(self, positions: np.ndarray) -> np.ndarray:
        rows = positions if self._order is None else self._order[positions]
        return pc.take(self._word_text, pa.array(rows)).to_numpy(zero_copy_only=False)

    def norm_of(self, positions: np.ndarray) -> np.ndarray:
        return np.asarray(self.norms, dtype=object)[self.norm[positions]]

    # ---------------------------------------------------------------- terms

    def _terms(self, terms: pa.Table) -> None:
        table = terms.select(["axis", "group", "term", "parts", "num_words"]).to_pandas()
        table["parts"] = [list(parts) for parts in table["parts"]]
        table["term_id"] = np.arange(len(table))
        groups = table[["axis", "group"]].drop_duplicates().reset_index(drop=True)
        groups["group_id"] = np.arange(len(groups))
        self.terms = table.merge(groups, on=["axis", "group"], how="left").sort_values("term_id").reset_index(drop=True)
        self.groups = groups

    def _match(self) -> None:
        """Every occurrence of a term, longest match per axis: ``term_words`` (one row per word)."""
        code = {norm: number for number, norm in enumerate(self.norms)}
        content = np.flatnonzero(self.content)  # word positions of the content words, in text order
        content_norm = self.norm[content]
        text = self.ex[content] * (int(self.segment.max(initial=0)) + 1) + self.segment[content]
        patterns = [(term_id, parts) for term_id, parts in zip(self.terms["term_id"], self.terms["parts"])]
        patterns += [(term_id, ["".join(parts)]) for term_id, parts in patterns if len(parts) > 1]  # one-word form
        first_parts = [code.get(parts[0], -1) for _, parts in patterns]
        candidates = np.flatnonzero(np.isin(content_norm, [c for c in first_parts if c >= 0]))
        by_norm = candidates[np.argsort(content_norm[candidates], kind="stable")]
        sorted_norm = content_norm[by_norm]

        def where(norm_code: int) -> np.ndarray:  # indexes into `content` whose norm is this
            lo, hi = np.searchsorted(sorted_norm, [norm_code, norm_code + 1])
            return by_norm[lo:hi]

        starts, term_ids, lengths = [], [], []
        for term_id, parts in patterns:
            codes = [code.get(part, -1) for part in parts]
            if min(codes) < 0:
                continue
            at = where(codes[0])
            n = len(codes)
            at = at[at + n - 1 < len(content)]
            for offset in range(1, n):
                at = at[(text[at + offset] == text[at]) & (content_norm[at + offset] == codes[offset])]
            starts.append(at)
            term_ids.append(np.full(len(at), term_id))
            lengths.append(np.full(len(at), n))
        start = np.concatenate(starts) if starts else np.zeros(0, np.int64)
        term_id = np.concatenate(term_ids) if term_ids else np.zeros(0, np.int64)
        n = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
        occurrence = np.repeat(np.arange(len(start)), n)
        offset = np.arange(len(occurrence)) - np.repeat(np.cumsum(n) - n, n)
        position = content[np.repeat(start, n) + offset]
        hits = pd.DataFrame(
            {"occurrence": occurrence, "pos": position, "term_id": np.repeat(term_id, n), "n": np.repeat(n, n)}
        )
        hits["axis"] = self.terms["axis"].to_numpy()[hits["term_id"]]
        # longest match per axis: drop an occurrence any of whose words a longer one of its axis covers
        longest = hits.groupby(["pos", "axis"], sort=False)["n"].transform("max")
        beaten = hits.loc[hits["n"] < longest, "occurrence"].unique()
        hits = hits[~hits["occurrence"].isin(beaten)].reset_index(drop=True)
        hits["group_id"] = self.terms["group_id"].to_numpy()[hits["term_id"]]
        hits["ex"] = self.ex[hits["pos"]]
        self.hits = hits
        self.lexical = np.zeros(len(self.ex), bool)
        self.lexical[hits["pos"].to_numpy()] = True

    # ---------------------------------------------------------------- helpers

    def _label(self, frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """frame (with ``ex``) joined to the examples it belongs to (inner, like SQL's JOIN)."""
        frame = frame.assign(example_id=self.example_ids[frame["ex"].to_numpy()])
        return frame.merge(self.examples[["example_id", *columns]], on="example_id", how="inner")

    def _term_columns(self, frame: pd.DataFrame) -> pd.DataFrame:
        terms = self.terms.set_index("term_id")
        frame = frame.assign(
            axis=terms["axis"].to_numpy()[frame["term_id"].to_numpy()] if len(frame) else [],
            group=terms["group"].to_numpy()[frame["term_id"].to_numpy()] if len(frame) else [],
            term=terms["term"].to_numpy()[frame["term_id"].to_numpy()] if len(frame) else [],
        )
        return frame

    @cached_property
    def _top_sorted(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Content words' |relevance| sorted per example, largest first: values, start, count.

        One sort of 64-bit keys, example above, |relevance| below: the bits of a non-negative
        float32 order as the float does, so ~bits sorts the largest first."""
        content = self.content
        if self._abs32 is None:  # not float32: sort the plain way
            order = np.lexsort((-self.abs[content], self.ex[content]))
            count = np.bincount(self.ex[content], minlength=self.num_examples)
            return self.abs[content][order], np.cumsum(count) - count, count
        bits = self._abs32[content].view(np.uint32)
        key = (self.ex[content].astype(np.uint64) << np.uint64(32)) | (~bits).astype(np.uint64)
        key.sort()
        values = (~(key & np.uint64(0xFFFFFFFF)).astype(np.uint32)).view(np.float32).astype(np.float64)
        count = np.bincount(self.ex[content], minlength=self.num_examples)
        start = np.cumsum(count) - count
        return values, start, count

    def _kth_largest(self, k: int) -> np.ndarray:
        """Per example the k-th largest |relevance| of a content word (the smallest if fewer)."""
        values, start, count = self._top_sorted
        out = np.full(self.num_examples, np.nan)
        has = count > 0
        out[has] = values[start[has] + np.minimum(k, count[has]) - 1]
        return out

    @staticmethod
    def _sorted(frame: pd.DataFrame, by: list[str], ascending: list[bool] | bool = True) -> pd.DataFrame:
        return frame.sort_values(by, ascending=ascending, na_position="last", kind="stable").reset_index(drop=True)

    # ---------------------------------------------------------------- the views

    def words(self) -> pd.DataFrame:
        """The ``words`` view: the scan's words with ``norm`` and ``abs_relevance``."""
        everything = np.arange(len(self.ex))
        return pd.DataFrame(
            {
                "example_id": self.example_ids[self.ex],
                "segment": self.segment,
                "word_index": self.word_index,
                "word": self.words_text(everything),
                "num_tokens": self.num_tokens,
                "char_start": self.char_start,
                "char_end": self.char_end,
                "relevance": self.relevance,
                "norm": self.norm_of(everything),
                "abs_relevance": self.abs,
            }
        )

    def term_words(self) -> pd.DataFrame:
        """The ``term_words`` view without ``match_start``: one row per word of each occurrence."""
        pos = self.hits["pos"].to_numpy()
        frame = pd.DataFrame(
            {
                "example_id": self.example_ids[self.ex[pos]],
                "segment": self.segment[pos],
                "word_index": self.word_index[pos],
                "num_tokens": self.num_tokens[pos],
                "char_start": self.char_start[pos],
                "char_end": self.char_end[pos],
                "relevance": self.relevance[pos],
                "abs_relevance": self.abs[pos],
                "term_id": self.hits["term_id"].to_numpy(),
            }
        )
        return self._term_columns(frame).drop(columns="term_id")

    def matches(self) -> pd.DataFrame:
        """The ``matches`` view: one row per occurrence of a term."""
        pos = self.hits["pos"].to_numpy()
        frame = self.hits.assign(
            segment=self.segment[pos],
            char_start=self.char_start[pos],
            char_end=self.char_end[pos],
            num_tokens=self.num_tokens[pos],
            relevance=self.relevance[pos],
            abs=self.abs[pos],
        )
        result = frame.groupby("occurrence", as_index=False).agg(
            ex=("ex", "first"),
            segment=("segment", "first"),
            term_id=("term_id", "first"),
            char_start=("char_start", "min"),
            char_end=("char_end", "max"),
            num_words=("pos", "size"),
            num_tokens=("num_tokens", "sum"),
            relevance=("relevance", "sum"),
            abs_relevance=("abs", "sum"),
        )
        result = self._term_columns(result).assign(example_id=lambda f: self.example_ids[f["ex"].to_numpy()])
        return result[
            [
                "example_id",
                "segment",
                "axis",
                "group",
                "term",
                "char_start",
                "char_end",
                "num_words",
                "num_tokens",
                "relevance",
                "abs_relevance",
            ]
        ]

    def example_totals(self) -> pd.DataFrame:
        """The ``example_totals`` view: per example |relevance| and tokens over all its words."""
        values, start, count = self._top_sorted
        return pd.DataFrame(
            {
                "example_id": self.example_ids,
                "total_abs": self.total_abs,
                "total_tokens": self.total_tokens.astype(np.int32),
                "content_words": count.astype(np.int32),
                "top1_abs": self._kth_largest(1),
            }
        )

    # ---------------------------------------------------------------- the queries

    def coverage(self) -> pd.DataFrame:
        occurrences = self.hits.drop_duplicates("occurrence")
        occurrences = occurrences.assign(group_id=self.terms["group_id"].to_numpy()[occurrences["term_id"]])
        per_term = occurrences.groupby("term_id").agg(examples=("ex", "nunique"), occurrences=("occurrence", "size"))
        per_group = occurrences.groupby("group_id").agg(examples=("ex", "nunique"), occurrences=("occurrence", "size"))
        terms = self.terms.join(per_term, on="term_id")
        groups = self.groups.join(per_group, on="group_id").assign(term=None)
        rows = pd.concat([groups.assign(is_term=1), terms.assign(is_term=2)], ignore_index=True)
        rows = rows.sort_values(["axis", "group", "is_term", "term"], kind="stable").reset_index(drop=True)
        examples = rows["examples"].fillna(0).astype(np.int32)
        return pd.DataFrame(
            {
                "axis": rows["axis"],
                "group": rows["group"],
                "term": rows["term"].astype(object).where(rows["is_term"] == 2, None),
                "examples": examples,
                "occurrences": rows["occurrences"].fillna(0).astype(np.int32),
                "example_rate": _ratio(examples, len(self.examples)),
            }
        )

    def direction(self, axis: str | None = None) -> pd.DataFrame:
        words = self._group_words(axis)
        words["relevance"] = self.relevance[words["pos"].to_numpy()]
        per_example = words.groupby(["ex", "group_id"], as_index=False)["relevance"].sum()
        per_example = self._label(per_example, ["prediction_label", "target_label"])
        per_example["positive"] = (per_example["relevance"] > 0).astype(np.float64)
        per_example = per_example.merge(self.groups, on="group_id")
        result = per_example.groupby(
            ["axis", "group", "prediction_label", "target_label"], dropna=False, as_index=False
        ).agg(examples=("ex", "size"), mean_relevance=("relevance", "mean"), positive_rate=("positive", "mean"))
        result["examples"] = result["examples"].astype(np.int32)
        result = self._sorted(result, ["axis", "group", "prediction_label", "target_label"])
        return result[
            ["axis", "group", "prediction_label", "target_label", "examples", "mean_relevance", "positive_rate"]
        ]

    def errors_by_kind(self) -> pd.DataFrame:
        result = self.errors.groupby("kind", dropna=False, as_index=False).agg(
            rows=("example_id", "size"), example_message=("message", "min")
        )
        result["rows"] = result["rows"].astype(np.int32)
        return self._sorted(result, ["rows", "kind"], [False, True])[["kind", "rows", "example_message"]]

    def example_shares(self, top_k: int | None = 3) -> pd.DataFrame:
        k = 3 if top_k is None else int(top_k)
        words = self.hits
        # each (example, term) and (example, group) with the set of distinct words it covers
        units = pd.concat(
            [
                words.drop_duplicates(["pos", "term_id"])[["ex", "pos", "term_id"]].assign(group_id=-1),
                words.drop_duplicates(["pos", "group_id"])[["ex", "pos", "group_id"]].assign(term_id=-1),
            ],
            ignore_index=True,
        )
        pos = units["pos"].to_numpy()
        ex = units["ex"].to_numpy()
        units["num_tokens"] = self.num_tokens[pos]
        units["relevance"] = self.relevance[pos]
        units["abs"] = self.abs[pos]
        # control: mean |relevance| of the example's non-lexicon content words of the same token
        # length, or of all its non-lexicon content words when none has that length
        control = self.content & ~self.lexical
        width = int(self.num_tokens.max(initial=0)) + 1
        key = self.ex[control] * width + self.num_tokens[control]
        by_length = pd.Series(self.abs[control]).groupby(key).mean()
        any_length = _ratio(
            np.bincount(self.ex[control], weights=self.abs[control], minlength=self.num_examples),
            np.bincount(self.ex[control], minlength=self.num_examples),
        )
        same_length = by_length.reindex(ex * width + units["num_tokens"].to_numpy()).to_numpy()
        units["control"] = np.where(np.isnan(same_length), any_length[ex], same_length)
        top1, topk = self._kth_largest(1), self._kth_largest(k)
        units["top1"] = (units["abs"] > 0) & (units["abs"] >= top1[ex])
        units["topk"] = (units["abs"] > 0) & (units["abs"] >= topk[ex])
        result = units.groupby(["ex", "term_id", "group_id"], as_index=False).agg(
            num_words=("pos", "size"),
            num_tokens=("num_tokens", "sum"),
            relevance=("relevance", "sum"),
            abs_relevance=("abs", "sum"),
            control_abs=("control", "sum"),
            controls=("control", "count"),
            top1=("top1", "any"),
            topk=("topk", "any"),
        )
        result["control_abs"] = result["control_abs"].where(result["controls"] > 0)
        # names: a term row has its term's axis and group; a group row has term null
        terms = self.terms.set_index("term_id")
        is_term = result["term_id"].to_numpy() >= 0
        group_id = np.where(is_term, terms["group_id"].reindex(result["term_id"]).to_numpy(), result["group_id"])
        group_id = group_id.astype(np.int64)
        result["axis"] = self.groups["axis"].to_numpy()[group_id]
        result["group"] = self.groups["group"].to_numpy()[group_id]
        result["term"] = np.where(is_term, terms["term"].reindex(result["term_id"]).to_numpy(), None)
        ex = result["ex"].to_numpy()
        result["total_abs"] = self.total_abs[ex]
        result["total_tokens"] = self.total_tokens[ex].astype(np.int32)
        result["share"] = _ratio(result["abs_relevance"], result["total_abs"])
        result["expected_share"] = result["num_tokens"] / result["total_tokens"]
        result["control_share"] = _ratio(result["control_abs"], result["total_abs"])
        result["num_words"] = result["num_words"].astype(np.int32)
        result["num_tokens"] = result["num_tokens"].astype(np.int32)
        result = self._label(result, ["prediction_label", "target_label"])
        result["term_first"] = result["term"].notna()  # term NULL (the group row) first
        result = self._sorted(result, ["example_id", "axis", "group", "term_first", "term"])
        columns = [
            "example_id",
            "axis",
            "group",
            "term",
            "prediction_label",
            "target_label",
            "num_words",
            "num_tokens",
            "relevance",
            "abs_relevance",
            "control_abs",
            "total_abs",
            "total_tokens",
            "share",
            "expected_share",
            "control_share",
            "top1",
            "topk",
        ]
        return result[columns]

    def most_reliant(
        self, axis: str | None = "gender", group: str | None = None, limit: int | None = 20
    ) -> pd.DataFrame:
        axis = "gender" if axis is None else axis
        limit = 20 if limit is None else int(limit)
        words = self._group_words(axis, group).drop_duplicates("pos").sort_values("pos")
        pos = words["pos"].to_numpy()
        words["word"] = self.words_text(pos)
        words["relevance"] = self.relevance[pos]
        words["abs"] = self.abs[pos]
        per_example = words.groupby("ex", as_index=False).agg(
            sensitive_words=("word", " ".join), relevance=("relevance", "sum"), abs_relevance=("abs", "sum")
        )
        per_example["share"] = _ratio(per_example["abs_relevance"], self.total_abs[per_example["ex"].to_numpy()])
        result = self._label(per_example, ["prediction_label", "target_label", "label", "text"])
        result = self._sorted(result, ["share", "example_id"], [False, True]).head(limit)
        return result[
            ["example_id", "share", "relevance", "sensitive_words", "prediction_label", "target_label", "label", "text"]
        ].reset_index(drop=True)

    def top_terms(self, axis: str | None = None, limit: int | None = 20) -> pd.DataFrame:
        limit = 20 if limit is None else int(limit)
        words = self.hits if axis is None else self.hits[self.hits["axis"] == axis]
        pos = words["pos"].to_numpy()
        words = words.assign(relevance=self.relevance[pos], abs=self.abs[pos])
        top1 = self._kth_largest(1)
        words["top"] = (words["abs"] > 0) & (words["abs"] >= top1[words["ex"].to_numpy()])
        # per term and example: occurrences, signed relevance summed per occurrence, and |relevance|
        # on the term's distinct words (a word two overlapping occurrences share counts once)
        signed = words.groupby(["term_id", "ex"]).agg(
            occurrences=("occurrence", "nunique"), relevance=("relevance", "sum")
        )
        distinct = (
            words.drop_duplicates(["term_id", "pos"])
            .groupby(["term_id", "ex"])
            .agg(abs_relevance=("abs", "sum"), top=("top", "any"))
        )
        per_example = signed.join(distinct).reset_index()
        per_example["share"] = _ratio(per_example["abs_relevance"], self.total_abs[per_example["ex"].to_numpy()])
        result = per_example.groupby("term_id", as_index=False).agg(
            examples=("ex", "size"),
            occurrences=("occurrences", "sum"),
            mean_share=("share", "mean"),
            relevance=("relevance", "sum"),
            top1_rate=("top", "mean"),
        )
        result["mean_relevance"] = result["relevance"] / result["occurrences"]
        result["examples"] = result["examples"].astype(np.int32)
        result["occurrences"] = result["occurrences"].astype(np.int32)
        result["top1_rate"] = result["top1_rate"].astype(np.float64)
        result = self._term_columns(result)
        result = self._sorted(result, ["mean_share", "examples", "axis", "term"], [False, False, True, True]).head(
            limit
        )
        return result[
            ["axis", "group", "term", "examples", "occurrences", "mean_share", "mean_relevance", "top1_rate"]
        ].reset_index(drop=True)

    def _group_words(self, axis: str | None, group: str | None = None) -> pd.DataFrame:
        """Distinct (word, group) pairs of term words, for one axis (all if None) and group."""
        words = self.hits
        if axis is not None:
            words = words[words["axis"] == axis]
        if group is not None:
            words = words[words["group_id"].isin(self.groups.loc[self.groups["group"] == group, "group_id"])]
        return words.drop_duplicates(["pos", "group_id"])[["ex", "pos", "group_id"]].copy()

    # ---------------------------------------------------------------- sensitive columns

    def sensitive_groups(self) -> pd.DataFrame:
        """The ``sensitive_groups`` view: per example, each column with a value and each pair of them."""
        rows = []
        for example_id, pairs in zip(self.examples["example_id"], self.examples["sensitive"]):
            values = {key: value for key, value in (pairs if pairs is not None else []) if value is not None}
            rows += [(example_id, key, value, (key,)) for key, value in values.items()]
            rows += [
                (example_id, f"{a} & {b}", f"{values[a]} & {values[b]}", (a, b))
                for a, b in itertools.combinations(sorted(values), 2)
            ]
        return pd.DataFrame(rows, columns=["example_id", "column", "group", "columns"])

    def outcome_cells(self, column: str | None = None) -> pd.DataFrame:
        members = self.sensitive_groups()
        if column is not None:
            members = members[members["column"] == column]
        joined = members.merge(self.examples[["example_id", "prediction_label", "label"]], on="example_id")
        keys = ["column", "columns", "group", "prediction_label", "label"]
        counts = joined.groupby(keys, dropna=False, as_index=False).size().rename(columns={"size": "examples"})
        counts["columns"] = [list(columns) for columns in counts["columns"]]
        return counts

    def word_groups(self, min_count: int | None = 20) -> pd.DataFrame:
        """Examples of each group of each single sensitive column that contain each non-lexicon word."""
        min_count = 20 if min_count is None else min_count
        members = self.sensitive_groups()
        members = members[members["columns"].map(len) == 1][["example_id", "column", "group"]]
        lexicon = {part for parts in self.terms["parts"] for part in parts} | {"".join(p) for p in self.terms["parts"]}
        everything = np.arange(len(self.ex))
        words = pd.DataFrame(
            {"example_id": self.example_ids[self.ex], "word": self.norm_of(everything), "num_tokens": self.num_tokens}
        )
        words = words[(words["word"] != "") & ~words["word"].isin(lexicon)]
        present = words.groupby(["example_id", "word"], as_index=False)["num_tokens"].min().merge(members, on="example_id")
        totals = present.groupby(["column", "word"], as_index=False).agg(
            examples=("example_id", "size"), num_tokens=("num_tokens", lambda t: t.value_counts().idxmax())
        )
        totals = totals[totals["examples"] >= min_count]
        sizes = members.groupby(["column", "group"], as_index=False).size().rename(columns={"size": "group_size"})
        sizes["total"] = sizes.groupby("column")["group_size"].transform("sum")
        in_group = present.groupby(["column", "word", "group"], as_index=False).size().rename(columns={"size": "in_group"})
        frame = totals.merge(sizes, on="column").merge(in_group, on=["column", "word", "group"], how="left")
        frame["in_group"] = frame["in_group"].fillna(0).astype(np.int64)
        columns = ["column", "word", "group", "in_group", "examples", "group_size", "total", "num_tokens"]
        return self._sorted(frame[columns], ["column", "word", "group"])

    def relevance_by_group(self, column: str | None = None, min_examples: int | None = 10, limit: int | None = 20) -> pd.DataFrame:
        """Per sensitive column (and pair of columns, 'a & b'), the words whose mean share of |relevance|
        differs most between the column's groups: a group's share is the mean over all its examples
        (relevance not all zero) of |relevance| on the word / on all words, 0 without the word."""
        min_examples = 10 if min_examples is None else min_examples
        limit = 20 if limit is None else limit
        names = ["column", "word", "examples", "groups", "high_group", "high_share", "high_examples",
                 "low_group", "low_share", "low_examples", "gap"]
        position = pd.Series(np.arange(self.num_examples), index=self.example_ids)
        members = self.sensitive_groups()
        members = members[members["example_id"].isin(position.index)]
        members = members.assign(ex=position[members["example_id"]].to_numpy())
        members = members[self.total_abs[members["ex"]] > 0][["ex", "column", "group"]]
        if column is not None:
            members = members[members["column"] == column]
        content = self.content
        shares = pd.DataFrame({"ex": self.ex[content], "word": self.norm_of(np.flatnonzero(content)),
                               "abs": self.abs[content]}).groupby(["ex", "word"], as_index=False)["abs"].sum()
        shares["share"] = shares["abs"] / self.total_abs[shares["ex"]]
        rows = []
        for name, in_column in members.groupby("column"):
            sizes = in_column.groupby("group").size()
            sizes = sizes[sizes >= min_examples]
            if len(sizes) < 2:
                continue
            joined = shares.merge(in_column[in_column["group"].isin(sizes.index)], on="ex")
            counts = joined.groupby("word").size()
            for word in counts[counts >= min_examples].index:
                with_word = joined[joined["word"] == word]
                per_group = [(group, with_word.loc[with_word["group"] == group, "share"].sum() / size,
                              int((with_word["group"] == group).sum())) for group, size in sizes.items()]
                high = min(per_group, key=lambda g: (-g[1], g[0]))  # ties: the first group by name
                low = max(per_group, key=lambda g: (-g[1], g[0]))  # ties: the last group by name
                rows.append((name, word, int(counts[word]), len(sizes), *high, *low, high[1] - low[1]))
        frame = pd.DataFrame(rows, columns=names).astype({"examples": np.int32, "groups": np.int32,
                                                          "high_examples": np.int32, "low_examples": np.int32})
        frame = frame.sort_values(["column", "gap", "word"], ascending=[True, False, True])
        return frame.groupby("column").head(limit).reset_index(drop=True)
