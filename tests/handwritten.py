"""Small transformers written by hand, as a researcher writes their own: no transformers layer, norm,
activation or attention class anywhere, only torch operations. Each option picks one way of writing
a part, so that the rules are seen to follow the operations, not the classes."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn
from transformers import GenerationMixin, PretrainedConfig, PreTrainedModel
from transformers.modeling_outputs import CausalLMOutput, SequenceClassifierOutput

NORMS = ("rsqrt", "layer_norm", "rms_norm", "by_hand")
ATTENTIONS = ("softmax", "sdpa")
FEED_FORWARDS = ("swiglu", "gelu", "gelu_tanh_by_hand", "clamped_glu", "asinh")  # asinh: no rule reaches it


class HandwrittenConfig(PretrainedConfig):
    model_type = "handwritten"

    def __init__(
        self,
        vocab_size: int = 30522,
        hidden: int = 32,
        heads: int = 4,
        layers: int = 2,
        norm: str = "rsqrt",
        attention: str = "softmax",
        feed_forward: str = "swiglu",
        qk_norm: bool = False,
        output_gate: bool = False,
        late: bool = False,
        **kwargs,
    ) -> None:
        self.vocab_size, self.hidden, self.heads, self.layers = vocab_size, hidden, heads, layers
        self.norm, self.attention, self.feed_forward = norm, attention, feed_forward
        self.qk_norm, self.output_gate = qk_norm, output_gate
        self.late = late  # positions and the tokens again added after the first block, not before it
        super().__init__(**kwargs)


class Norm(nn.Module):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__()
        self.kind = config.norm
        self.weight = nn.Parameter(1 + 0.3 * torch.randn(config.hidden))
        self.bias = nn.Parameter(torch.zeros(config.hidden))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.kind == "rsqrt":  # Llama's, written out
            return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6))
        if self.kind == "layer_norm":
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, 1e-5)
        if self.kind == "rms_norm":
            return F.rms_norm(x, x.shape[-1:], self.weight, 1e-6)
        centred = x - x.mean(-1, keepdim=True)  # a LayerNorm by hand
        return self.weight * centred / torch.sqrt(centred.pow(2).mean(-1, keepdim=True) + 1e-5) + self.bias


class Attention(nn.Module):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__()
        self.config = config
        self.qkv = nn.Linear(config.hidden, 3 * config.hidden)
        self.out = nn.Linear(config.hidden, config.hidden)
        self.gate = nn.Linear(config.hidden, config.hidden) if config.output_gate else None

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        batch, tokens, hidden = x.shape
        heads = self.config.heads
        q, k, v = (t.view(batch, tokens, heads, -1).transpose(1, 2) for t in self.qkv(x).chunk(3, -1))
        if self.config.qk_norm:
            q, k = F.normalize(q, dim=-1), F.normalize(k, dim=-1)
        allowed = mask[:, None, None, :].bool()
        if self.config.attention == "sdpa":
            mixed = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)
        else:
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
            scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
            mixed = torch.softmax(scores, dim=-1) @ v
        out = self.out(mixed.transpose(1, 2).reshape(batch, tokens, hidden))
        return out * torch.sigmoid(self.gate(x)) if self.gate is not None else out


class FeedForward(nn.Module):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__()
        self.kind = config.feed_forward
        self.up = nn.Linear(config.hidden, 4 * config.hidden)
        self.gate = nn.Linear(config.hidden, 4 * config.hidden)
        self.down = nn.Linear(4 * config.hidden, config.hidden)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        up, gate = self.up(x), self.gate(x)
        if self.kind == "swiglu":
            return self.down(F.silu(gate) * up)
        if self.kind == "gelu":
            return self.down(F.gelu(up))
        if self.kind == "asinh":
            return self.down(torch.asinh(up))
        if self.kind == "gelu_tanh_by_hand":
            return self.down(0.5 * up * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (up + 0.044715 * up**3))))
        gate, up = gate.clamp(max=7.0), up.clamp(min=-7.0, max=7.0)  # GPT-OSS's clamped GLU, written out
        return self.down((up + 1) * (gate * torch.sigmoid(gate * 1.702)))


class Block(nn.Module):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__()
        self.norm1, self.attention = Norm(config), Attention(config)
        self.norm2, self.feed_forward = Norm(config), FeedForward(config)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        x = x + self.attention(self.norm1(x), mask)
        return x + self.feed_forward(self.norm2(x))


class HandwrittenModel(PreTrainedModel):
    config_class = HandwrittenConfig

    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__(config)
        self.embed = nn.Embedding(config.vocab_size, config.hidden)
        self.positions = nn.Embedding(512, config.hidden)
        self.again = nn.Embedding(config.vocab_size, config.hidden)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.layers))
        self.norm = Norm(config)

    def get_input_embeddings(self) -> nn.Module:
        return self.embed

    def hidden(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None) -> torch.Tensor:
        mask = torch.ones_like(input_ids) if attention_mask is None else attention_mask
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)[None]
        x = self.embed(input_ids)
        if not self.config.late:
            x = x + self.positions(positions)
        for index, block in enumerate(self.blocks):
            if self.config.late and index == 1:  # positions added late, and the token ids fed a second time
                x = x + self.positions(positions) + self.again(input_ids)
            x = block(x, mask)
        return self.norm(x)


class HandwrittenForSequenceClassification(HandwrittenModel):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__(config)
        self.score = nn.Linear(config.hidden, config.num_labels)
        self.post_init()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None) -> SequenceClassifierOutput:
        return SequenceClassifierOutput(logits=self.score(torch.tanh(self.hidden(input_ids, attention_mask)[:, 0])))


class HandwrittenForCausalLM(HandwrittenModel, GenerationMixin):
    def __init__(self, config: HandwrittenConfig) -> None:
        super().__init__(config)
        self.head = nn.Linear(config.hidden, config.vocab_size, bias=False)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, logits_to_keep=0, **_) -> CausalLMOutput:
        hidden = self.hidden(input_ids, attention_mask)
        kept = hidden[:, logits_to_keep] if isinstance(logits_to_keep, torch.Tensor) else hidden
        return CausalLMOutput(logits=self.head(kept))


def model(causal_lm: bool = False, seed: int = 0, biases: bool = False, **options) -> PreTrainedModel:
    """A tiny hand-written model, weights drawn from ``seed``; every bias zero unless ``biases``."""
    torch.manual_seed(seed)
    config = HandwrittenConfig(num_labels=3, pad_token_id=0, **options)
    built = (HandwrittenForCausalLM if causal_lm else HandwrittenForSequenceClassification)(config).eval()
    with torch.no_grad():
        for name, parameter in built.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0, 0.2) if biases else parameter.zero_()
            elif parameter.dim() == 2:
                parameter.normal_(0, 0.2)
    return built
