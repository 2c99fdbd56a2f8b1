"""Tiny randomly initialised models of every supported architecture, built in-process (no hub)."""

from __future__ import annotations

from functools import cache

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BertConfig,
    DistilBertConfig,
    ElectraConfig,
    GPT2Config,
    LlamaConfig,
    ModernBertConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2Config,
    RobertaConfig,
    XLMRobertaConfig,
)

from lrp_audit.lrp import bundled_model_path

ENCODERS = ("bert", "roberta", "distilbert", "electra", "xlm-roberta", "modernbert")
DECODERS = ("gpt2", "llama", "qwen2")
ARCHITECTURES = ENCODERS + DECODERS
HIDDEN, LAYERS, HEADS, FFN, POSITIONS, LABELS = 32, 2, 4, 64, 128, 3


@cache
def tokenizer() -> PreTrainedTokenizerBase:
    """The bundled MiniLM WordPiece tokenizer, shared by every tiny model."""
    return AutoTokenizer.from_pretrained(bundled_model_path())


def config(architecture: str, attn_implementation: str = "sdpa"):
    tok = tokenizer()
    common = {"vocab_size": len(tok), "pad_token_id": tok.pad_token_id, "num_labels": LABELS}
    common["attn_implementation"] = attn_implementation
    bert_like = dict(
        hidden_size=HIDDEN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        intermediate_size=FFN,
        max_position_embeddings=POSITIONS,
        initializer_range=0.2,
        **common,
    )
    decoder = dict(
        hidden_size=HIDDEN,
        intermediate_size=FFN,
        num_hidden_layers=LAYERS,
        num_attention_heads=HEADS,
        num_key_value_heads=2,
        max_position_embeddings=POSITIONS,
        initializer_range=0.2,
        **common,
    )
    specials = {"bos_token_id": tok.cls_token_id, "eos_token_id": tok.sep_token_id}
    builders = {
        "bert": lambda: BertConfig(**bert_like),
        "roberta": lambda: RobertaConfig(**{**bert_like, "max_position_embeddings": POSITIONS + 2}),
        "xlm-roberta": lambda: XLMRobertaConfig(**{**bert_like, "max_position_embeddings": POSITIONS + 2}),
        "electra": lambda: ElectraConfig(embedding_size=16, **bert_like),
        "distilbert": lambda: DistilBertConfig(
            dim=HIDDEN,
            n_layers=LAYERS,
            n_heads=HEADS,
            hidden_dim=FFN,
            max_position_embeddings=POSITIONS,
            initializer_range=0.2,
            **common,
        ),
        "modernbert": lambda: ModernBertConfig(
            **bert_like, **specials, cls_token_id=tok.cls_token_id, sep_token_id=tok.sep_token_id
        ),
        "gpt2": lambda: GPT2Config(
            n_embd=HIDDEN, n_layer=LAYERS, n_head=HEADS, n_positions=POSITIONS, initializer_range=0.2, **common, **specials
        ),
        "llama": lambda: LlamaConfig(**decoder, **specials, attention_bias=True, mlp_bias=True),
        "qwen2": lambda: Qwen2Config(**decoder, **specials),
    }
    return builders[architecture]()


def model(
    architecture: str,
    *,
    task: str = "sequence-classification",
    attn_implementation: str = "sdpa",
    biases: bool = True,
    seed: int = 0,
) -> PreTrainedModel:
    """A tiny random model; with ``biases=False`` every bias is zero (exact conservation expected)."""
    torch.manual_seed(seed)
    auto = AutoModelForCausalLM if task == "causal-lm" else AutoModelForSequenceClassification
    built = auto.from_config(config(architecture, attn_implementation)).eval()
    with torch.no_grad():
        for name, parameter in built.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0, 0.2) if biases else parameter.zero_()
    return built
