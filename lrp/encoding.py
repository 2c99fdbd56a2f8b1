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
    """One tokenised text. Offsets index into ``text`` (the user's text, not the prompt around it);
    tokens of a prompt template have ``None`` offsets and ``is_template`` set."""

    text: str
    input_ids: list[int]
    token_type_ids: list[int] | None
    char_start: list[int | None]
    char_end: list[int | None]
    is_special: list[bool]
    is_template: list[bool]
    word_ids: list[int | None]
    truncated: bool

    def __len__(self) -> int:
        return len(self.input_ids)


def check_prompt(prompt: str | None) -> None:
    if prompt is not None and prompt.count(TEXT_SLOT) != 1:
        raise LRPError(f"prompt must contain {TEXT_SLOT} exactly once: {prompt!r}")


def encode(
    tokenizer: PreTrainedTokenizerBase, texts: list[str], max_length: int, prompt: str | None = None
) -> list[Encoded]:
    """Tokenise ``texts`` (each placed into ``prompt`` at ``{text}`` when given), truncating to ``max_length``."""
    check_prompt(prompt)
    prefix, suffix = prompt.split(TEXT_SLOT) if prompt else ("", "")
    encoding = tokenizer(
        [prefix + text + suffix for text in texts],
        truncation=True,
        max_length=max_length,
        return_overflowing_tokens=True,
        return_offsets_mapping=True,
        return_special_tokens_mask=True,
    )
    sample = encoding["overflow_to_sample_mapping"]
    first = [row for row, s in enumerate(sample) if row == 0 or sample[row - 1] != s]
    chunks = [sample.count(s) for s in range(len(texts))]
    records = []
    for index, (row, text) in enumerate(zip(first, texts)):
        special = [bool(flag) for flag in encoding["special_tokens_mask"][row]]
        start, end, template = [], [], []
        for (begin, finish), is_special in zip(encoding["offset_mapping"][row], special):
            inside = not prompt or (len(prefix) <= begin and finish <= len(prefix) + len(text) and finish > begin)
            template.append(not is_special and not inside)
            start.append(begin - len(prefix) if inside else None)
            end.append(finish - len(prefix) if inside else None)
        word_ids = [
            word if word is not None and not special[p] and not template[p] else None
            for p, word in enumerate(encoding.word_ids(row))
        ]
        token_types = encoding.get("token_type_ids")
        records.append(
            Encoded(
                text=text,
                input_ids=list(encoding["input_ids"][row]),
                token_type_ids=list(token_types[row]) if token_types is not None else None,
                char_start=start,
                char_end=end,
                is_special=special,
                is_template=template,
                word_ids=word_ids,
                truncated=chunks[index] > 1,
            )
        )
    return records


def length_batches(lengths: list[int], batch_size: int) -> list[list[int]]:
    """Indices grouped into batches of similar length, so that padding stays small."""
    order = sorted(range(len(lengths)), key=lambda row: lengths[row])
    return [order[start : start + batch_size] for start in range(0, len(order), batch_size)]


def collate(records: list[Encoded], pad_token_id: int, device: torch.device) -> dict[str, torch.Tensor]:
    """Right-padded ``input_ids``, ``attention_mask`` and (when the tokenizer makes them) ``token_type_ids``."""
    width = max(len(record) for record in records)
    ids = torch.full((len(records), width), pad_token_id, dtype=torch.long)
    mask = torch.zeros((len(records), width), dtype=torch.long)
    types = torch.zeros((len(records), width), dtype=torch.long)
    for row, record in enumerate(records):
        ids[row, : len(record)] = torch.tensor(record.input_ids)
        mask[row, : len(record)] = 1
        if record.token_type_ids is not None:
            types[row, : len(record)] = torch.tensor(record.token_type_ids)
    batch = {"input_ids": ids, "attention_mask": mask}
    if records[0].token_type_ids is not None:
        batch["token_type_ids"] = types
    return {key: value.to(device) for key, value in batch.items()}
