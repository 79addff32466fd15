"""Where do HM-RNN boundaries fire? Rates at word boundaries vs elsewhere.

A character is a word boundary when it is whitespace or punctuation. z^l_t = 1
means layer l ends its segment at t (it FLUSHes at t+1), so we report the rate of
z^1_t = 1 when x_t is a boundary character ("at") and when x_{t+1} is ("before"),
against the rate on all other characters.
"""

from __future__ import annotations

import string

import torch

BOUNDARY_CHARS = set(string.whitespace) | set(string.punctuation)


@torch.no_grad()
def boundary_rates(net, task, split_name: str = "valid", batch: int = 16) -> dict:
    ids = task.ids[split_name]
    n = ids.numel() // batch
    streams = ids[: n * batch].view(batch, n).t()
    state, zs = None, []
    for start in range(0, n, task.seq_len):
        _, state, z = net(streams[start : start + task.seq_len], state, with_boundaries=True)
        zs.append(z.float())
    z = torch.cat(zs).cpu()  # (n, batch, L)
    is_b = torch.tensor([c in BOUNDARY_CHARS for c in task.chars])[streams.cpu()]  # (n, batch)
    result = {}
    for layer in range(z.shape[-1]):
        zl = z[..., layer]
        nxt = torch.zeros_like(is_b)
        nxt[:-1] = is_b[1:]
        result[f"layer{layer + 1}"] = {
            "rate_at_word_boundary": zl[is_b].mean().item(),
            "rate_elsewhere": zl[~is_b].mean().item(),
            "rate_before_word_boundary": zl[nxt].mean().item(),
            "rate_not_before_boundary": zl[~nxt].mean().item(),
            "overall_rate": zl.mean().item(),
        }
    return result
