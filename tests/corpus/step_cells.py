"""Step cells: forward takes a state and returns its next value; the loop is the caller's.

The state keeps its type across calls exactly as if the module were unrolled. Found by
structure (an argument whose structure and shapes reappear in the output, computed from
it); feed-forward modules with look-alike signatures must stay feed-forward.
"""
import torch
from torch import nn

D = 8


class ElmanStep(nn.Module):
    """forward(x, h) -> h': h' = tanh(W x + U h)."""

    EXPECT, RULE, RECURRENT, VIOLATIONS = "weak", "TNN002", True, 1

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        return torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class ElmanStepSameWidth(nn.Module):
    """Input and state of one shape: the first argument is the input, h the state."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(D, D), nn.Linear(D, D)

    def forward(self, x, hidden):
        hidden = torch.tanh(self.W(x) + self.U(hidden))  # violation
        return hidden

    def example_inputs(self):
        return (torch.randn(2, D), torch.randn(2, D))


class TRNNStep(nn.Module):
    """forward(x, h) -> h' with h' = f * h + (1 - f) * W x: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, x, h):
        f = torch.sigmoid(self.F(x))
        h = f * h + (1 - f) * self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class LSTMStepTuple(nn.Module):
    """forward(x, (h, c)) -> (y, (h', c')), a hand-written LSTM step."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wx, self.Wh = nn.Linear(4, 4 * D), nn.Linear(D, 4 * D)
        self.out = nn.Linear(D, 3)

    def forward(self, x, state):
        h, c = state
        i, f, g, o = (self.Wx(x) + self.Wh(h)).chunk(4, -1)  # violation
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return self.out(h), (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class TLSTMStepTuple(nn.Module):
    """The strongly typed T-LSTM step: gates from x only, the state only gated."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.Wx = nn.Linear(4, 3 * D)
        self.out = nn.Linear(D, 3)

    def forward(self, x, state):
        h, c = state
        z, f, o = self.Wx(x).chunk(3, -1)
        f = torch.sigmoid(f)
        c = f * c + (1 - f) * z
        h = torch.sigmoid(o) * torch.tanh(c)
        return self.out(h), (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, D), torch.randn(2, D)))


class DecoderStep(nn.Module):
    """forward(tok, h) -> (logits, h): a GRUCell decoder step; the built-in cell imposes
    the contract on its hx."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.emb, self.cell, self.head = nn.Embedding(10, 4), nn.GRUCell(4, D), nn.Linear(D, 10)

    def forward(self, tok, h):
        h = self.cell(self.emb(tok), h)  # violation
        return self.head(h), h

    def example_inputs(self):
        return (torch.tensor([1, 2]), torch.randn(2, D))


class CellCalledOnce(nn.Module):
    """nn.LSTMCell called once inside a module, its state made inside: weak as any LSTM."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(4, D)

    def forward(self, x):
        h = c = torch.zeros(x.shape[0], D)
        h, c = self.cell(x, (h, c))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class PrevStateDict(nn.Module):
    """forward(x, prev_state) -> (out, state) with dict states."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.z, self.f, self.out = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, 2)

    def forward(self, x, prev_state):
        f = torch.sigmoid(self.f(x))
        c = f * prev_state["c"] + (1 - f) * torch.tanh(self.z(x))
        return self.out(c), {"c": c}

    def example_inputs(self):
        return (torch.randn(2, 4), {"c": torch.randn(2, D)})


class BufferStateCell(nn.Module):
    """State kept on the module between calls: self.state read at the start of forward
    and written at its end."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)
        self.register_buffer("state", torch.zeros(2, D))

    def forward(self, x):
        h = torch.tanh(self.W(x) + self.U(self.state))  # violation
        self.state.copy_(h)
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class ResidualBlock(nn.Module):
    """forward(x) -> x': one argument, no state."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)

    def forward(self, x):
        return x + self.b(torch.relu(self.a(x)))

    def example_inputs(self):
        return (torch.randn(2, D),)


class DecoderLayer(nn.Module):
    """forward(tgt, memory) -> out: cross-attention reads memory; out continues tgt."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.layer = nn.TransformerDecoderLayer(D, 2, 16, dropout=0.0, batch_first=True)

    def forward(self, tgt, memory):
        return self.layer(tgt, memory)

    def example_inputs(self):
        return (torch.randn(2, 5, D), torch.randn(2, 5, D))


class HandDecoderLayer(nn.Module):
    """A hand-written cross-attention block with the argument named memory."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(D, D) for _ in range(4))
        self.norm = nn.LayerNorm(D)

    def forward(self, tgt, memory):
        att = torch.softmax(self.q(tgt) @ self.k(memory).transpose(1, 2), -1)
        return self.norm(tgt + self.o(att @ self.v(memory)))

    def example_inputs(self):
        return (torch.randn(2, 5, D), torch.randn(2, 5, D))


class KVCacheAttention(nn.Module):
    """A fixed-size KV cache only written into: no recurrence."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.q, self.k, self.v, self.o = (nn.Linear(D, D) for _ in range(4))

    def forward(self, x, cache_k, cache_v):
        pos = torch.tensor([3])
        cache_k = cache_k.index_copy(1, pos, self.k(x))
        cache_v = cache_v.index_copy(1, pos, self.v(x))
        att = torch.softmax(self.q(x) @ cache_k.transpose(1, 2), -1)
        return x + self.o(att @ cache_v), cache_k, cache_v

    def example_inputs(self):
        return (torch.randn(2, 1, D), torch.randn(2, 6, D), torch.randn(2, 6, D))


class LuongAttention(nn.Module):
    """forward(output, context) with both (B, T, D): the result has context's shape and is
    computed from it, but its length axis is output's (context's is contracted by the
    attention weights), so context is no state. Shapes match only by accident."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.linear_out = nn.Linear(2 * D, D)

    def forward(self, output, context):
        attn = torch.softmax(torch.bmm(output, context.transpose(1, 2)), dim=-1)
        mix = torch.bmm(attn, context)
        combined = torch.cat((mix, output), dim=2)
        return torch.tanh(self.linear_out(combined.view(-1, 2 * D))).view(output.size(0), -1, D)

    def example_inputs(self):
        return (torch.randn(2, 5, D), torch.randn(2, 5, D))


class MemoryWriteStep(nn.Module):
    """An NTM-style memory (B, N, D) read by attention over its slots and written by an
    outer product from the input: its slot axis is contracted by the read weights, yet
    the next memory's slots are its own (the write keeps them). Written from the input
    only, through a gate: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.key, self.add, self.erase = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, x, memory):
        w = torch.softmax(torch.einsum("bnd,bd->bn", memory, self.key(x)), -1)
        read = torch.einsum("bn,bnd->bd", w, memory)
        e = torch.sigmoid(self.erase(x))
        memory = memory * (1 - w[:, :, None] * e[:, None, :]) + w[:, :, None] * self.add(x)[:, None, :]
        return read, memory

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, 6, D))


class StatePassedThrough(nn.Module):
    """forward(x, h) -> (y, h) returning h unchanged: nothing to type across steps."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(D, D)

    def forward(self, x, h):
        return self.W(x), h

    def example_inputs(self):
        return (torch.randn(2, D), torch.randn(2, D))


class AttributeStateCell(nn.Module):
    """State kept in a plain attribute, set up by init_sequence(batch): self.prev_state is
    read at the start of forward and written at its end."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)
        self.prev_state = None

    def init_sequence(self, batch):
        self.prev_state = torch.zeros(batch, D)

    def forward(self, x):
        if self.prev_state is None:
            self.init_sequence(x.shape[0])
        h = torch.tanh(self.W(x) + self.U(self.prev_state))  # violation
        self.prev_state = h
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class AttributeStateTRNN(nn.Module):
    """The same with a T-RNN update: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W, self.F = nn.Linear(4, D), nn.Linear(4, D)
        self.prev_state = None

    def reset(self, batch):
        self.prev_state = torch.zeros(batch, D)

    def forward(self, x):
        if self.prev_state is None:
            self.reset(x.shape[0])
        f = torch.sigmoid(self.F(x))
        h = f * self.prev_state + (1 - f) * self.W(x)
        self.prev_state = h
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class CascadedHeadsWithBiasCache(nn.Module):
    """Attention heads in cascade (each head's own layer reads the last head's output,
    as in EfficientViT), with the attention biases cached on the module per device: the
    cache is stored in forward but holds what the parameters give, so nothing passes
    from one call to the next. A cache is no state, and the cascade is no loop (each head
    has its own weights)."""

    EXPECT, RULE, RECURRENT = "strong", None, False

    def __init__(self):
        super().__init__()
        self.qkvs = nn.ModuleList(nn.Linear(D, 3 * D) for _ in range(3))
        self.biases = nn.Parameter(torch.zeros(3, 5, 5))
        self.proj = nn.Linear(3 * D, D)
        self.cache = {}

    def get_biases(self, device):
        key = str(device)
        if key not in self.cache:
            self.cache[key] = self.biases[:, torch.arange(5)]
        return self.cache[key]

    def forward(self, x):
        biases = self.get_biases(x.device)
        feats_in = x.chunk(3, dim=-1)
        feat, outs = feats_in[0], []
        for i, qkv in enumerate(self.qkvs):
            if i > 0:
                feat = feat + feats_in[i]
            q, k, v = qkv(feat).split(D, dim=-1)
            attn = torch.softmax(q @ k.transpose(1, 2) + biases[i], dim=-1)
            feat = attn @ v
            outs.append(feat)
        return self.proj(torch.cat(outs, -1))

    def example_inputs(self):
        return (torch.randn(2, 5, 3 * D),)
