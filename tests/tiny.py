"""Tiny randomly initialised models of every supported architecture, built in-process (no hub)."""

from __future__ import annotations

from functools import cache

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    AutoTokenizer,
    BartConfig,
    BertConfig,
    BloomConfig,
    DebertaConfig,
    DebertaV2Config,
    DistilBertConfig,
    ElectraConfig,
    FalconConfig,
    Gemma2Config,
    Gemma3TextConfig,
    GemmaConfig,
    GPT2Config,
    LlamaConfig,
    MixtralConfig,
    ModernBertConfig,
    MPNetConfig,
    OPTConfig,
    Phi3Config,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2Config,
    Qwen2MoeConfig,
    Qwen3MoeConfig,
    RobertaConfig,
    T5Config,
    XLMRobertaConfig,
)

from lrp_audit.lrp import bundled_model_path

ENCODERS = ("bert", "roberta", "distilbert", "electra", "xlm-roberta", "modernbert")
DECODERS = ("gpt2", "llama", "qwen2")
ARCHITECTURES = ENCODERS + DECODERS
# Families reached by rules beyond the first ones: attention reached through its projections
# (DeBERTa, DeBERTa-v2/v3, MPNet, Bloom, Falcon), (1 + w) RMSNorm and soft-capped logits (Gemma),
# fused gated projections (Phi-3), constant expert routing (the MoE models), late positions (OPT),
# relevance read at the encoder's and the decoder's inputs (BART, T5).
ENCODER_FAMILIES = ("deberta", "deberta-v2", "mpnet", "bart", "t5")  # a classification head
DECODER_FAMILIES = ("gemma", "gemma2", "gemma3", "phi3", "mixtral", "qwen2-moe", "qwen3-moe", "opt", "bloom", "falcon")
FAMILIES = ENCODER_FAMILIES + DECODER_FAMILIES
WITH_CAUSAL_LM = DECODER_FAMILIES + ("bart",)  # BART's decoder alone is a causal LM too
EAGER_ONLY = ("deberta", "deberta-v2", "mpnet", "gemma2", "bloom")  # transformers has no sdpa for these
WITHOUT_BIASES = ("gemma", "gemma2", "gemma3", "phi3", "mixtral", "qwen3-moe", "t5")  # no bias parameter at all
HIDDEN, LAYERS, HEADS, FFN, POSITIONS, LABELS = 32, 2, 4, 64, 128, 3


@cache
def tokenizer() -> PreTrainedTokenizerBase:
    """The bundled MiniLM WordPiece tokenizer, shared by every tiny model."""
    return AutoTokenizer.from_pretrained(bundled_model_path())


def config(architecture: str, attn_implementation: str | None = None):
    """``attn_implementation`` defaults to sdpa, or eager where the family has no sdpa."""
    tok = tokenizer()
    attn_implementation = attn_implementation or ("eager" if architecture in EAGER_ONLY else "sdpa")
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
        "gemma": lambda: GemmaConfig(**decoder, **specials, head_dim=8),
        "gemma2": lambda: Gemma2Config(**decoder, **specials, head_dim=8),
        "gemma3": lambda: Gemma3TextConfig(**decoder, **specials, head_dim=8, final_logit_softcapping=30.0),
        "phi3": lambda: Phi3Config(**decoder, **specials),
        "mixtral": lambda: MixtralConfig(**decoder, **specials, num_local_experts=4, num_experts_per_tok=2),
        "qwen2-moe": lambda: Qwen2MoeConfig(
            **decoder, **specials, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32,
            shared_expert_intermediate_size=32,
        ),
        "qwen3-moe": lambda: Qwen3MoeConfig(
            **decoder, **specials, num_experts=4, num_experts_per_tok=2, moe_intermediate_size=32, head_dim=8
        ),
        "deberta": lambda: DebertaConfig(**bert_like, relative_attention=True, pos_att_type=["c2p", "p2c"]),
        "deberta-v2": lambda: DebertaV2Config(  # as DeBERTa-v3 is configured: shared keys, position buckets
            **bert_like, relative_attention=True, pos_att_type=["p2c", "c2p"], share_att_key=True,
            position_buckets=16, norm_rel_ebd="layer_norm", position_biased_input=False,
        ),
        "mpnet": lambda: MPNetConfig(**{**bert_like, "max_position_embeddings": POSITIONS + 2}),
        "bart": lambda: BartConfig(  # the tokenizer's [SEP] ends each text, as </s> does BART's
            d_model=HIDDEN, encoder_layers=LAYERS, decoder_layers=LAYERS, encoder_attention_heads=HEADS,
            decoder_attention_heads=HEADS, encoder_ffn_dim=FFN, decoder_ffn_dim=FFN, max_position_embeddings=POSITIONS,
            init_std=0.2, decoder_start_token_id=tok.sep_token_id, **common, **specials,
        ),
        "t5": lambda: T5Config(  # gated-GELU, as T5 v1.1 and Flan-T5
            d_model=HIDDEN, d_kv=HIDDEN // HEADS, d_ff=FFN, num_layers=LAYERS, num_heads=HEADS,
            feed_forward_proj="gated-gelu", decoder_start_token_id=tok.pad_token_id, **common, **specials,
        ),
        "bloom": lambda: BloomConfig(
            hidden_size=HIDDEN, n_layer=LAYERS, n_head=HEADS, initializer_range=0.2, **common, **specials
        ),
        "falcon": lambda: FalconConfig(
            hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_kv_heads=2,
            new_decoder_architecture=True, initializer_range=0.2, **common, **specials,
        ),
        "opt": lambda: OPTConfig(
            hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, ffn_dim=FFN,
            word_embed_proj_dim=HIDDEN, max_position_embeddings=POSITIONS, init_std=0.2, **common, **specials,
        ),
    }
    return builders[architecture]()


def model(
    architecture: str,
    *,
    task: str = "sequence-classification",
    attn_implementation: str | None = None,
    biases: bool = True,
    norms: bool = False,
    seed: int = 0,
) -> PreTrainedModel:
    """A tiny random model; with ``biases=False`` every bias is zero (exact conservation expected);
    with ``norms``, every norm's scale is perturbed away from its initial constant, so that a rule
    that misreads a norm's form (``w`` for ``1 + w``) shows."""
    torch.manual_seed(seed)
    auto = AutoModelForCausalLM if task == "causal-lm" else AutoModelForSequenceClassification
    built = auto.from_config(config(architecture, attn_implementation)).eval()
    with torch.no_grad():
        for name, parameter in built.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0, 0.2) if biases else parameter.zero_()
            elif norms and "norm" in name.lower() and parameter.dim() == 1:
                parameter.add_(torch.randn_like(parameter), alpha=0.3)
    return built


def state(model: PreTrainedModel) -> tuple:
    """All that a composite's context may change on a model: each module's forward and hooks, the
    config (its attention implementation included), which parameters want gradients, the mode."""
    modules = {
        name: ("forward" in module.__dict__, len(module._forward_hooks), len(module._forward_pre_hooks))
        for name, module in model.named_modules()
    }
    wants_gradient = [parameter.requires_grad for parameter in model.parameters()]
    return modules, model.config._attn_implementation, model.config.to_dict(), wants_gradient, model.training
