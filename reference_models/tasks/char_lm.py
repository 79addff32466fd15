"""Character-level language modelling with truncated BPTT, reported in bits per character.

The training text is cut into ``batch_size`` contiguous streams; each step takes
the next ``seq_len`` characters of every stream, and the recurrent state is carried
from window to window but detached at the window edge (truncated BPTT).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .corpus import load_text, split


def detach_state(state):
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.detach()
    return type(state)(detach_state(s) for s in state)


class CharLMNet(nn.Module):
    """Embedding -> dropout -> recurrent core -> dropout -> linear read-out over the vocabulary.

    The same dropout (on the core's inputs and outputs) applies to every model, so the
    comparison stays equal; between stacked layers the core applies its own (nn.LSTM's
    ``dropout``, T-LSTM's equivalent).
    """

    def __init__(self, core: nn.Module, vocab: int, dropout: float = 0.0):
        super().__init__()
        self.embed = nn.Embedding(vocab, core.d_in)
        self.core = core
        self.drop = nn.Dropout(dropout)
        self.head = nn.Linear(core.d_out, vocab)

    def forward(self, tokens, state=None, with_boundaries: bool = False):
        xs = self.drop(self.embed(tokens))
        if with_boundaries:
            out, state, z = self.core.forward_with_boundaries(xs, state)
            return self.head(self.drop(out)), state, z
        out, state = self.core(xs, state)
        return self.head(self.drop(out)), state


def _streams(ids: torch.Tensor, batch: int) -> torch.Tensor:
    n = ids.numel() // batch
    return ids[: n * batch].view(batch, n).t().contiguous()  # (n, batch)


class CharLM:
    name = "char-lm"
    default_steps = 2000
    default_batch_size = 32
    default_seq_len = 128
    default_lr = 2e-3
    default_dropout = 0.2
    default_weight_decay = 0.1
    metric = "valid_bpc"
    metric_lower_is_better = True
    metric_label = "bits per character"
    item_unit = "characters"  # what throughput counts
    loss_unit = "nats/char"  # cross-entropy, natural log
    train_loss_to_metric = 1 / math.log(2)  # nats -> bits: train and validation on one axis

    def __init__(self, batch_size: int, seq_len: int, device: torch.device, embed: int = 64, dropout: float = 0.0):
        text = load_text()
        self.chars = sorted(set(text))
        self.stoi = {c: i for i, c in enumerate(self.chars)}
        train, valid, test = split(text)
        self.sizes = {"corpus_chars": len(text), "train": len(train), "valid": len(valid), "test": len(test)}
        encode = lambda s: torch.tensor([self.stoi[c] for c in s], dtype=torch.long)  # noqa: E731
        self.text = {"valid": valid, "test": test}
        self.train = _streams(encode(train), batch_size).to(device)
        self.ids = {
            "valid": encode(valid).to(device),
            "test": encode(test).to(device),
            # the first len(valid) training chars: train BPC without dropout, same size as valid
            "train": encode(train[: len(valid)]).to(device),
        }
        self.batch_size, self.seq_len, self.device, self.embed = batch_size, seq_len, device, embed
        self.dropout = dropout
        self.position = 0
        self.state = None

    @property
    def core_input(self) -> int:
        return self.embed

    def build(self, core: nn.Module) -> nn.Module:
        return CharLMNet(core, len(self.chars), self.dropout)

    def loss(self, net, step: int):
        """Next window of every stream; carries (detached) state."""
        if self.position + self.seq_len + 1 > self.train.shape[0]:
            self.position, self.state = 0, None
        window = self.train[self.position : self.position + self.seq_len + 1]
        self.position += self.seq_len
        logits, state = net(window[:-1], self.state)
        self.state = detach_state(state)
        loss = nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), window[1:].reshape(-1))
        return loss, window[:-1].numel()

    def state_dict(self):
        return {"position": self.position, "state": self.state}

    def load_state_dict(self, d):
        self.position, self.state = d["position"], d["state"]

    @torch.no_grad()
    def bpc(self, net, split_name: str, batch: int = 16, max_windows: int | None = None) -> float:
        streams = _streams(self.ids[split_name], batch)
        state, total, count = None, 0.0, 0
        for k, start in enumerate(range(0, streams.shape[0] - 1, self.seq_len)):
            if max_windows is not None and k >= max_windows:
                break
            window = streams[start : start + self.seq_len + 1]
            logits, state = net(window[:-1], state)
            total += nn.functional.cross_entropy(
                logits.float().reshape(-1, logits.shape[-1]), window[1:].reshape(-1), reduction="sum"
            ).item()
            count += window[1:].numel()
        return total / count / math.log(2)

    def evaluate(self, net, final: bool) -> dict:
        if not final:
            out = {"valid_bpc": self.bpc(net, "valid")}
            if hasattr(net.core, "forward_with_boundaries"):  # the boundary rates' learning curve
                from .boundaries import boundary_rates

                out["boundaries"] = boundary_rates(net, self, "valid")
            return out
        out = {
            "valid_bpc": self.bpc(net, "valid"),
            "test_bpc": self.bpc(net, "test"),
            "train_sample_bpc": self.bpc(net, "train"),
        }
        if hasattr(net.core, "forward_with_boundaries"):
            from .boundaries import boundary_rates

            out["boundaries"] = boundary_rates(net, self, "valid")
        return out
