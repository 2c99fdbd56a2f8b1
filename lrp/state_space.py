"""Selective state spaces and gated delta rules: their input-dependent coefficients are constants.

MambaLRP (Jafari et al., NeurIPS 2024) makes a selective state-space layer conservative by holding
its time step ``dt`` and its input and output projections ``B`` and ``C`` constant: the scan is then
a linear map of its input, as attention is of its values once the AH rule holds the attention
weights constant. The gated delta rule (Qwen3-Next, Qwen3.5, OLMo-hybrid; Kimi's KDA) is the same case with the
queries, keys, decay ``g`` and write strength ``beta`` as the coefficients and the values as the
input. The gate around the scan, its SiLU and its norm are left to the operation rules, which
already make MambaLRP's choices there (uniform rule, identity rule, LN rule).

No operation tells a coefficient from the input (``C`` and ``x`` are splits of one projection), but
the scan kernels' arguments do, and transformers calls every scan through a kernel function that a
layer holds in ``_kernel_funcs`` under the name of the kernel (``mamba_chunk_scan_combined``, ...),
whichever family the layer belongs to and whichever implementation (torch, mamba_ssm, fla) runs.
A pre-hook on those functions detaches the coefficients by their place in the kernel's signature.
"""

from __future__ import annotations

import torch
from torch import nn

from .rules import detached

# Kernel name: the (position, name) of each argument that is a coefficient of the scan.
COEFFICIENTS: dict[str, tuple[tuple[int, str], ...]] = {
    "selective_scan_fn": ((1, "dt"), (3, "B"), (4, "C")),  # Mamba, Jamba
    "selective_state_update": ((2, "dt"), (4, "B"), (5, "C")),  # one step with a cache
    "mamba_chunk_scan_combined": ((1, "dt"), (3, "B"), (4, "C")),  # Mamba-2 and its hybrids
    **dict.fromkeys(  # gated delta rules: Qwen3-Next, Qwen3.5, OLMo-hybrid; Kimi's (KDA): Kimi-Linear, Bailing
        ("chunk_gated_delta_rule", "fused_recurrent_gated_delta_rule", "chunk_kda", "fused_recurrent_kda"),
        ((0, "query"), (1, "key"), (3, "g"), (4, "beta")),
    ),
}


def _constant_coefficients(places: tuple[tuple[int, str], ...]):
    def hook(_module: nn.Module, args: tuple, kwargs: dict):
        args, kwargs = list(args), dict(kwargs)
        for position, name in places:
            where, key = (args, position) if position < len(args) else (kwargs, name)
            if isinstance(where, list) and key < len(where) or isinstance(where, dict) and key in where:
                where[key] = detached(where[key])
        return tuple(args), kwargs

    return hook


def scan_hooks(model: nn.Module) -> list[torch.utils.hooks.RemovableHandle]:
    """Hooks that hold the coefficients of every scan kernel of ``model`` constant."""
    handles = []
    for module in model.modules():
        for kernel in getattr(module, "_kernel_funcs", {}).values():
            places = COEFFICIENTS.get(getattr(type(kernel), "kernel_layer_name", None))
            if places is not None:
                handles.append(kernel.register_forward_pre_hook(_constant_coefficients(places), with_kwargs=True))
    return handles
