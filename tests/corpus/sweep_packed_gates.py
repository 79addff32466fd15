"""Gates over packed values, and sequences read with `for x in xs` (a style sweep).

A. A gate computed over a packed value (torch.cat / torch.stack of pre-activations, then
   sigmoid or softmax) keeps its gate mark when a part is taken back (chunk, slice,
   select, unbind): "a view, slice, selection or copy of a gate" is a gate, so `g * v`
   takes v's type and the U h inside the candidate is a violation. (These passed as
   strongly typed before the part was marked.)
B. A parameter-free cycle fed through `for x in xs` (unbind + one getitem per step) is a
   recurrence: every step reads the same sequence, as with `xs[t]`.
"""
import torch
from torch import nn

D = 8


# --- A. gate mark lost through a packed value -------------------------------------------


class CatSigmoidChunk(nn.Module):
    """sigmoid(cat([Wf x, Wi x])).chunk(2): f and i are slices of a gate."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        f, i = torch.sigmoid(torch.cat([self.Wf(x), self.Wi(x)], -1)).chunk(2, -1)
        return f * h + i * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class CatSigmoidSlice(nn.Module):
    """The same, parts taken back by slicing g[:, :D], g[:, D:]."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        g = torch.cat([self.Wf(x), self.Wi(x)], -1).sigmoid()
        return g[:, :D] * h + g[:, D:] * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class StackSigmoidOneMinus(nn.Module):
    """g = sigmoid(stack([Wf x]))[0]; h' = g h + (1 - g) tanh(W x + U h)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        g = torch.sigmoid(torch.stack([self.Wf(x)]))[0]
        return g * h + (1 - g) * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class SigmoidStackUnbind(nn.Module):
    """f, i = sigmoid(stack([Wf x, Wi x])).unbind(0)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        f, i = torch.sigmoid(torch.stack([self.Wf(x), self.Wi(x)])).unbind(0)
        return f * h + i * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class SoftmaxStackPairGates(nn.Module):
    """Two competing gates: softmax over a stacked pair axis, g[0] and g[1] (selections of a gate)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        g = torch.softmax(torch.stack([self.Wf(x), self.Wi(x)]), 0)
        return g[0] * h + g[1] * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class SoftmaxStackLastPairGates(nn.Module):
    """The same with the pair axis last: g[..., 0], g[..., 1]."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, x, h):
        g = torch.softmax(torch.stack([self.Wf(x), self.Wi(x)], -1), -1)
        return g[..., 0] * h + g[..., 1] * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


class CatSigmoidChunkLoop(nn.Module):
    """A.1 as an unrolled loop (not a step cell): the same fail-open."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W, self.U = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D), nn.Linear(D, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            x = xs[t]
            f, i = torch.sigmoid(torch.cat([self.Wf(x), self.Wi(x)], -1)).chunk(2, -1)
            h = f * h + i * torch.tanh(self.W(x) + self.U(h))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StackSigmoidTypedStep(nn.Module):
    """The typed counterpart (candidate from x only): strong, and a step cell. The lost gate
    mark also makes the step-cell detection miss the state (has_recurrence False)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.Wf, self.Wi, self.W = nn.Linear(4, D), nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, x, h):
        f, i = torch.sigmoid(torch.stack([self.Wf(x), self.Wi(x)])).unbind(0)
        return f * h + i * torch.tanh(self.W(x))

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D))


# --- B. `for x in xs` hides a parameter-free cycle ----------------------------------------


class DiagonalDecayBufferRecurrence(nn.Module):
    """h = h @ diag(lambda) + W x, a fixed diagonal buffer (keeps the type): a linear
    recurrence (LRU-like), strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)
        self.register_buffer("Lam", torch.diag(torch.linspace(0.5, 0.95, D)))

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = h @ self.Lam + self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class EMAOfProjectionForIn(nn.Module):
    """h = 0.9 h + W x written `for x in xs` (the same with `xs[t]` is a recurrence)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            h = h * 0.9 + self.W(x)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class EMAOfPrecomputedForIn(nn.Module):
    """Inputs projected once for all steps (QRNN-style), iterated `for u in W(xs)`."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for u in self.W(xs):
            h = h * 0.9 + u
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
