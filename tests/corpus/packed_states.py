"""Per-layer states packed into one tensor: packing must not make the layers one type."""
import torch
from torch import nn

D = 8


class TRNNLayer(nn.Module):
    def __init__(self, d_in):
        super().__init__()
        self.z, self.f = nn.Linear(d_in, D), nn.Linear(d_in, D)

    def forward(self, xs, h):
        outs = []
        for t in range(xs.shape[0]):
            f = torch.sigmoid(self.f(xs[t]))
            h = f * h + (1 - f) * self.z(xs[t])
            outs.append(h)
        return torch.stack(outs), h


class TwoLayerTRNNStacked(nn.Module):
    """Returns the final state of each layer stacked: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.l1, self.l2 = TRNNLayer(4), TRNNLayer(D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        ys, h1 = self.l1(xs, h)
        ys, h2 = self.l2(ys, h)
        return ys, torch.stack([h1, h2])

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class TwoLayerQRNNCat(nn.Module):
    """QRNN layers whose final states are returned as torch.cat(next_hidden, 0): strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.w1, self.w2 = nn.Linear(4, 2 * D), nn.Linear(D, 2 * D)

    def _layer(self, w, xs):
        z, f = w(xs).chunk(2, -1)
        z, f = torch.tanh(z), torch.sigmoid(f)
        c = torch.zeros_like(z[0])
        outs = []
        for t in range(xs.shape[0]):
            c = f[t] * c + (1 - f[t]) * z[t]
            outs.append(c)
        return torch.stack(outs), c.unsqueeze(0)

    def forward(self, xs):
        next_hidden = []
        ys = xs
        for w in (self.w1, self.w2):
            ys, h = self._layer(w, ys)
            next_hidden.append(h)
        return ys, torch.cat(next_hidden, 0)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class RowsPerLayerState(nn.Module):
    """RWKV-style: every layer keeps its rows of one state tensor, state[2*i + k] = ...;
    each layer is a strongly typed recurrence of its own."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList(TRNNLayer(D if i else 4) for i in range(2))

    def forward(self, xs):
        state = torch.zeros(4, xs.shape[1], D)
        ys = xs
        for i, layer in enumerate(self.layers):
            out = []
            for t in range(ys.shape[0]):
                f = torch.sigmoid(layer.f(ys[t]))
                state[2 * i] = f * state[2 * i] + (1 - f) * layer.z(ys[t])
                state[2 * i + 1] = state[2 * i] * 0.5
                out.append(state[2 * i + 1])
            ys = torch.stack(out)
        return ys, state

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StackedThenAdded(nn.Module):
    """Packed states used as one value (added to a single state) identify the layers."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(4, D)
        self.u = nn.Linear(D, D)

    def forward(self, xs):
        h = torch.zeros(xs.shape[1], D)
        for t in range(xs.shape[0]):
            h = torch.tanh(self.l1(xs[t]) + self.u(h))  # violation
        both = torch.stack([h, self.u(h)])
        return both.sum(0)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class StatefulLSTMChunks(nn.Module):
    """nn.LSTM(num_layers=2) over two chunks, the first call's final states fed to the
    second: each layer's state keeps its own type, so only the recurrent matrices conflict."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True
    VIOLATIONS = 2

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, D, num_layers=2)

    def forward(self, xs):
        out1, state = self.lstm(xs[:2])  # violation
        out2, _ = self.lstm(xs[2:], state)  # violation
        return torch.cat([out1, out2])

    def example_inputs(self):
        return (torch.randn(4, 2, 4),)


class TwoLayerQRNNCatView(nn.Module):
    """Real QRNN code: torch.cat(next_hidden, 0).view(num_layers, B, H); a reshape that
    keeps the packed axis keeps the parts (was TNN005)."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.w1, self.w2 = nn.Linear(4, 2 * D), nn.Linear(D, 2 * D)

    def _layer(self, w, xs):
        z, f = w(xs).chunk(2, -1)
        z, f = torch.tanh(z), torch.sigmoid(f)
        c = torch.zeros_like(z[0])
        outs = []
        for t in range(xs.shape[0]):
            c = f[t] * c + (1 - f[t]) * z[t]
            outs.append(c)
        return torch.stack(outs), c

    def forward(self, xs):
        next_hidden = []
        ys = xs
        for w in (self.w1, self.w2):
            ys, h = self._layer(w, ys)
            next_hidden.append(h)
        return ys, torch.cat(next_hidden, 0).view(2, xs.shape[1], D)

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
