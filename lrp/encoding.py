"""Tokenising texts into self-contained records, and padding them into batches.

Kept apart from attribution so that a pipeline can tokenise on CPU workers and ship the records to
the workers that hold the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from transformers import PreTrainedTokenizerBase

from .errors import LRPError

TEXT_SLOT = "{text}"


@dataclass(frozen=True)
class Encoded:
    """One tokenised text (and optional second text of a pair). Offsets index into the token's own
    text (``segment`` 0: ``text``, 1: ``text_pair``), never into the prompt around it; specials and
    prompt-template tokens have no segment and ``None`` offsets. ``word_ids`` number the words of
    both texts in order of appearance."""

    text: str
    text_pair: str | None
    input_ids: list[int]
    token_type_ids: list[int] | None
    char_start: list[int | None]
    char_end: list[int | None]
    is_special: list[bool]
    is_template: list[bool]
    segment: list[int | None]
    word_ids: list[int | None]
    truncated: bool

    def __len__(self) -> int:
        return len(self.input_ids)


def check_prompt(prompt: str | None) -> None:
    if prompt is not None and prompt.count(TEXT_SLOT) != 1:
        raise LRPError(f"prompt must contain {TEXT_SLOT} exactly once: {prompt!r}")


def chat_prompt(tokenizer: PreTrainedTokenizerBase, prompt: str | None) -> str:
    """``prompt`` (default: the text alone) as one user turn in the tokenizer's own chat template,
    followed by the start of the assistant's reply: where a chat model answers."""
    if not getattr(tokenizer, "chat_template", None):
        raise LRPError("the tokenizer has no chat template to wrap the prompt in")
    turn = [{"role": "user", "content": prompt or TEXT_SLOT}]
    wrapped = tokenizer.apply_chat_template(turn, tokenize=False, add_generation_prompt=True)
    if wrapped.count(TEXT_SLOT) != 1:
        raise LRPError(f"the chat template does not keep the prompt's {TEXT_SLOT} once: {wrapped!r}")
    return wrapped


def encode(
    tokenizer: PreTrainedTokenizerBase,
    texts: list[str],
    max_length: int,
    prompt: str | None = None,
    pairs: list[str] | None = None,
    chat_template: bool = False,
) -> list[Encoded]:
    """Tokenise ``texts`` (each placed into ``prompt`` at ``{text}`` when given, or paired with
    ``pairs``), truncating to ``max_length`` and marking what was cut. With ``chat_template`` the
    prompt is wrapped in the tokenizer's chat template (``chat_prompt``), whose text brings its own
    special tokens. A text in a prompt is cut, never the prompt around it: the question and the place
    where the answer starts are always seen whole."""
    check_prompt(prompt)
    if (prompt is not None or chat_template) and pairs is not None:
        raise LRPError("a prompt or chat template and text pairs cannot be combined")
    if chat_template:
        prompt = chat_prompt(tokenizer, prompt)
    prefix, suffix = prompt.split(TEXT_SLOT) if prompt else ("", "")
    originals = texts
    options = {
        "return_offsets_mapping": True,
        "return_special_tokens_mask": True,
        "add_special_tokens": not chat_template,
    }
    inputs = [prefix + text + suffix for text in texts]
    if pairs is None and prompt is not None:
        encoding = tokenizer(inputs, **options)
        truncated = [len(ids) > max_length for ids in encoding["input_ids"]]
        if any(truncated):  # cut only the texts that do not fit, then tokenise once more
            texts = [
                _fitted(tokenizer, prefix, text, suffix, max_length, options) if cut else text
                for text, cut in zip(texts, truncated)
            ]
            inputs = [prefix + text + suffix for text in texts]
            encoding = tokenizer(inputs, **options)
        rows = list(range(len(texts)))
    elif pairs is None:
        encoding = tokenizer(inputs, truncation=True, max_length=max_length, return_overflowing_tokens=True, **options)
        sample = encoding["overflow_to_sample_mapping"]
        rows = [row for row, s in enumerate(sample) if row == 0 or sample[row - 1] != s]
        truncated = [sample.count(s) > 1 for s in range(len(texts))]
    else:  # tokenizers cannot return overflow for pairs: compare with the untruncated length
        encoding = tokenizer(inputs, pairs, truncation=True, max_length=max_length, **options)
        rows = list(range(len(texts)))
        truncated = [len(ids) > max_length for ids in tokenizer(inputs, pairs)["input_ids"]]
    token_types = encoding.get("token_type_ids")
    records = []
    for index, (row, text) in enumerate(zip(rows, texts)):
        special = [bool(flag) for flag in encoding["special_tokens_mask"][row]]
        sequence = encoding.sequence_ids(row)
        start, end, template, segment, word_ids, words = [], [], [], [], [], {}
        for position, ((begin, finish), word) in enumerate(zip(encoding["offset_mapping"][row], encoding.word_ids(row))):
            shift = len(prefix) if sequence[position] == 0 else 0
            inside = not prompt or sequence[position] != 0 or (shift <= begin < finish <= shift + len(text))
            own = not special[position] and inside
            template.append(not special[position] and not inside)
            segment.append(sequence[position] if own else None)
            start.append(begin - shift if own else None)
            end.append(finish - shift if own else None)
            key = (sequence[position], word)
            word_ids.append(words.setdefault(key, len(words)) if own and word is not None else None)
        records.append(
            Encoded(
                text=originals[index],
                text_pair=None if pairs is None else pairs[index],
                input_ids=list(encoding["input_ids"][row]),
                token_type_ids=list(token_types[row]) if token_types is not None else None,
                char_start=start,
                char_end=end,
                is_special=special,
                is_template=template,
                segment=segment,
                word_ids=word_ids,
                truncated=truncated[index],
            )
        )
    return records


def _fitted(tokenizer: PreTrainedTokenizerBase, prefix: str, text: str, suffix: str, max_length: int, options) -> str:
    """``text`` cut after a token so that ``prefix + text + suffix`` fits in ``max_length`` tokens
    (the whole text when it fits already)."""
    while True:
        encoding = tokenizer(prefix + text + suffix, **options)
        excess = len(encoding["input_ids"]) - max_length
        if excess <= 0:
            return text
        own = [
            end - len(prefix)
            for start, end in encoding["offset_mapping"]
            if len(prefix) <= start < end <= len(prefix) + len(text)
        ]
        if len(own) <= excess:
            template = len(encoding["input_ids"]) - len(own)
            raise LRPError(f"the prompt alone is {template} tokens: max_length {max_length} leaves no room for the text")
        text = text[: own[-excess - 1]]


def length_batches(lengths: list[int], batch_size: int, exact: bool = False) -> list[list[int]]:
    """Indices grouped into batches of similar length, so that padding stays small; with ``exact``,
    of equal length only (for a model that takes no attention mask, padding is no padding)."""
    order = sorted(range(len(lengths)), key=lambda row: lengths[row])
    if not exact:
        return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]
    groups: dict[int, list[int]] = {}
    for row in order:
        groups.setdefault(lengths[row], []).append(row)
    return [rows[start : start + batch_size] for rows in groups.values() for start in range(0, len(rows), batch_size)]


def collate(
    records: list[Encoded], pad_token_id: int, device: torch.device, appended: list[list[int]] | None = None
) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and (when the tokenizer makes them)
    ``token_type_ids``; ``appended`` tokens (an answer fed under teacher forcing) follow each record's own."""
    appended = appended or [[] for _ in records]
    width = max(len(record) + len(extra) for record, extra in zip(records, appended))
    ids = torch.full((len(records), width), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(records), width), dtype=torch.long)
    types = torch.zeros((len(records), width), dtype=torch.long)
    for row, (record, extra) in enumerate(zip(records, appended)):
        length = len(record) + len(extra)
        ids[row, :length] = torch.tensor(record.input_ids + extra)
        mask[row, :length] = 1
        if record.token_type_ids is not None:
            types[row, : len(record)] = torch.tensor(record.token_type_ids)
            types[row, len(record) : length] = record.token_type_ids[-1]
    batch = {"input_ids": ids, "attention_mask": mask}
    if records[0].token_type_ids is not None:
        batch["token_type_ids"] = types
    return {key: value.to(device) for key, value in batch.items()}
