"""Per-sample / per-step scalars spread over the features by expand, expand_as, repeat,
broadcast_to, tile, [:, None] or implicit broadcasting. A broadcast scalar imposes no type:
in `m * cand + (1 - m) * h` the candidate and the state must share a type, so a candidate
tanh(W x + U h) is weak and a typed candidate tanh(W x) is strong."""
import torch
from torch import nn

D = 8


class _Cand(nn.Module):
    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(4, D), nn.Linear(D, D)
        self.b = nn.Linear(4, 1)


class PaddingMaskIndexWeak(_Cand):
    """Sequence padding idiom: mask (T, B) of 0/1, m = mask[t][:, None]; h kept on pads."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs, mask):
        h = xs.new_zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            m = mask[t][:, None]
            h_new = torch.tanh(self.W(xs[t]) + self.U(h))  # violation
            h = m * h_new + (1 - m) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4), torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]]))


class PaddingMaskIndexStrong(_Cand):
    """The same padding idiom on a typed candidate: strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, xs, mask):
        h = xs.new_zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            m = mask[t][:, None]
            h = m * torch.tanh(self.W(xs[t])) + (1 - m) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4), torch.tensor([[1.0, 1.0], [1.0, 0.0], [1.0, 0.0]]))


class TileBoundaryWeak(_Cand):
    """Hard boundary (B, 1) tiled to (B, D) with torch.tile."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = torch.tile((self.b(x) > 0).float(), (1, D))
            h = z * torch.tanh(self.W(x) + self.U(h)) + (1 - z) * h  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class TileBoundaryStrong(_Cand):
    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = torch.tile((self.b(x) > 0).float(), (1, D))
            h = z * torch.tanh(self.W(x)) + (1 - z) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RowScalarTransposedWeak(_Cand):
    """A (1, B) per-sample scalar, transposed and broadcast_to (B, D)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            s = torch.round(torch.sigmoid(self.b(x))).t()  # (1, B), rounded: no gate
            z = torch.broadcast_to(s.t(), (x.shape[0], D))
            h = z * torch.tanh(self.W(x) + self.U(h)) + (1 - z) * h  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RowScalarTransposedStrong(_Cand):
    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            s = torch.round(torch.sigmoid(self.b(x))).t()
            z = torch.broadcast_to(s.t(), (x.shape[0], D))
            h = z * torch.tanh(self.W(x)) + (1 - z) * h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class WhereExpandedBoundaryWeak(_Cand):
    """torch.where(z.expand(-1, D), cand, h): where makes both branches one type."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            z = (self.b(x) > 0).expand(-1, D)
            h = torch.where(z, torch.tanh(self.W(x) + self.U(h)), h)  # violation
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class PerStepDecayStepCell(_Cand):
    """Step cell with a per-step scalar dt (B,) passed in, spread by [:, None]:
    h' = exp(-dt) h + (1 - exp(-dt)) tanh(W x + U h). Weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, x, h, dt):
        a = torch.exp(-dt)[:, None]
        return a * h + (1 - a) * torch.tanh(self.W(x) + self.U(h))  # violation

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D), torch.rand(2))


class PerStepDecayStepCellStrong(_Cand):
    """The same decay with a typed candidate: strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, x, h, dt):
        a = torch.exp(-dt)[:, None].expand_as(h)
        return a * h + (1 - a) * torch.tanh(self.W(x))

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D), torch.rand(2))


class ScalarFromStateStrong(_Cand):
    """A per-sample scalar computed from the state (Linear(D, 1) of h), repeated over D:
    its size-1 output shares no atom with h, and copies are still a broadcast scalar. Strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.s = nn.Linear(D, 1)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            u = torch.relu(self.s(h)).repeat(1, D)
            h = u * torch.tanh(self.W(x)) + h
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ImplicitScaleResidualWeak(nn.Module):
    """x + s[:, None] * W x with s (B,) a per-sample scale: TNN003."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W, self.s = nn.Linear(D, D), nn.Linear(D, 1)

    def forward(self, x):
        s = self.s(x).squeeze(-1)
        return x + self.W(x) * s[:, None]  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class TiledScaleFeedForwardStrong(nn.Module):
    """y = V(x) + s.tile(1, D) * W(x) with W, V both D -> D: no type mixed. Strong."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.W, self.V, self.s = nn.Linear(D, D), nn.Linear(D, D), nn.Linear(D, 1)

    def forward(self, x):
        return self.V(x) + self.s(x).tile(1, D) * self.W(x)

    def example_inputs(self):
        return (torch.randn(2, D),)


class BoundaryArgExpandAsStepWeak(_Cand):
    """Step cell: a boundary (B, 1) passed as an argument, expand_as(h); candidate uses U h."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, x, h, boundary):
        z = boundary.expand_as(h)
        cand = torch.tanh(self.W(x) + self.U(h))  # violation
        return z * cand + (1 - z) * h

    def example_inputs(self):
        return (torch.randn(2, 4), torch.randn(2, D), torch.tensor([[1.0], [0.0]]))


class BatchFirstBoundsExpandWeak(_Cand):
    """Batch-first boundaries (B, T, 1) sliced per step and expanded with expand(-1, D)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs, bounds):
        h = xs.new_zeros(xs.shape[0], D)
        for t in range(xs.shape[1]):
            z = bounds[:, t].expand(-1, D)
            h = z * torch.tanh(self.W(xs[:, t]) + self.U(h)) + (1 - z) * h  # violation
        return h

    def example_inputs(self):
        return (torch.randn(2, 3, 4), torch.tensor([[[1.0], [0.0], [1.0]], [[0.0], [1.0], [1.0]]]))


class EinsumPerSampleScaleWeak(_Cand):
    """A per-sample scalar s (B,) applied by einsum('b,bd->bd'): no index summed, so the
    result has the candidate's type. Candidate uses U h: weak."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            s = (self.b(x) > 0).float().squeeze(-1)
            cand = torch.tanh(self.W(x) + self.U(h))  # violation
            h = torch.einsum("b,bd->bd", s, cand) + torch.einsum("b,bd->bd", 1 - s, h)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class EinsumPerSampleScaleStrong(_Cand):
    EXPECT, RULE, RECURRENT = "strong", None, True

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for x in xs:
            s = (self.b(x) > 0).float().squeeze(-1)
            h = torch.einsum("b,bd->bd", s, torch.tanh(self.W(x))) + torch.einsum("b,bd->bd", 1 - s, h)
        return h

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ConvGRUPaddingMaskWeak(nn.Module):
    """ConvGRU-like step with a per-sample mask (B,) viewed as (B, 1, 1, 1)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.cx, self.ch = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)

    def forward(self, x, h, mask):
        m = mask.view(-1, 1, 1, 1)
        cand = torch.tanh(self.cx(x) + self.ch(h))  # violation
        return m * cand + (1 - m) * h

    def example_inputs(self):
        return (torch.randn(2, 3, 5, 5), torch.randn(2, 4, 5, 5), torch.tensor([1.0, 0.0]))


class ConvTypedPaddingMaskStrong(nn.Module):
    """The same mask on a typed conv candidate (from x only): strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.cx = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x, h, mask):
        m = mask.view(-1, 1, 1, 1).expand_as(h)
        return m * torch.tanh(self.cx(x)) + (1 - m) * h

    def example_inputs(self):
        return (torch.randn(2, 3, 5, 5), torch.randn(2, 4, 5, 5), torch.tensor([1.0, 0.0]))
