"""Convolutional step cells, cells wrapping nn.LSTMCell/GRUCell, and states kept on the
module (plain attribute with reset(), registered buffer)."""
import torch
import torch.nn.functional as F
from torch import nn

C = 6


class ConvLSTMCell(nn.Module):
    """ConvLSTM (Shi et al.): one conv over cat([x, h], 1), split into four gates."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3 + C, 4 * C, kernel_size=3, padding=1)

    def forward(self, input_tensor, cur_state):
        h_cur, c_cur = cur_state
        combined = torch.cat([input_tensor, h_cur], dim=1)
        cc_i, cc_f, cc_o, cc_g = torch.split(self.conv(combined), C, dim=1)  # violation
        i, f, o, g = torch.sigmoid(cc_i), torch.sigmoid(cc_f), torch.sigmoid(cc_o), torch.tanh(cc_g)
        c_next = f * c_cur + i * g
        h_next = o * torch.tanh(c_next)
        return h_next, c_next

    def example_inputs(self):
        return (torch.randn(2, 3, 5, 5), (torch.randn(2, C, 5, 5), torch.randn(2, C, 5, 5)))


class ConvGRUCell(nn.Module):
    """ConvGRU with separate input and hidden convolutions, padding='same'."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.conv_x = nn.Conv2d(3, 3 * C, 3, padding="same")
        self.conv_h = nn.Conv2d(C, 3 * C, 3, padding="same")

    def forward(self, x, h):
        xr, xz, xn = self.conv_x(x).chunk(3, 1)
        hr, hz, hn = self.conv_h(h).chunk(3, 1)  # violation
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        return (1 - z) * n + z * h

    def example_inputs(self):
        return (torch.randn(2, 3, 5, 5), torch.randn(2, C, 5, 5))


class ConvTLSTMCell(nn.Module):
    """Typed ConvLSTM: gates and candidate convolved from x only, c updated elementwise."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3 * C, 3, padding=1)

    def forward(self, x, state):
        h, c = state
        z, f, o = self.conv(x).chunk(3, 1)
        f = torch.sigmoid(f)
        c = f * c + (1 - f) * torch.tanh(z)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)

    def example_inputs(self):
        return (torch.randn(2, 3, 5, 5), (torch.randn(2, C, 5, 5), torch.randn(2, C, 5, 5)))


class Conv1dQRNNStep(nn.Module):
    """QRNN step (fo-pooling): z, f, o from a causal conv over the input window; c only gated."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(4, 3 * C, kernel_size=2)

    def forward(self, window, c):
        z, f, o = self.conv(window)[:, :, -1].chunk(3, 1)
        f = torch.sigmoid(f)
        c = f * c + (1 - f) * torch.tanh(z)
        return torch.sigmoid(o) * c, c

    def example_inputs(self):
        return (torch.randn(2, 4, 2), torch.randn(2, C))


class DepthwiseConvRecurrence(nn.Module):
    """h' = tanh(W x + depthwise_conv(h)): a depthwise (per-channel) convolution is diagonal
    in channels, so the channel type is kept; the spatial axis keeps its length. Strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Conv1d(3, C, 1)
        self.dw = nn.Conv1d(C, C, 3, padding=1, groups=C)

    def forward(self, x, h):
        return torch.tanh(self.W(x) + self.dw(h))

    def example_inputs(self):
        return (torch.randn(2, 3, 7), torch.randn(2, C, 7))


class LSTMCellWrapperLN(nn.Module):
    """nn.LSTMCell wrapped with input dropout and a LayerNorm on the output; (out, hidden)."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.1)
        self.cell = nn.LSTMCell(4, C)
        self.ln = nn.LayerNorm(C)

    def forward(self, inputs, hidden):
        h, c = self.cell(self.drop(inputs), hidden)  # violation
        return self.ln(h), (h, c)

    def example_inputs(self):
        return (torch.randn(2, 4), (torch.randn(2, C), torch.randn(2, C)))


class StackedGRUCellList(nn.Module):
    """Two nn.GRUCells, the state a list [h1, h2] returned as a new list."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.cells = nn.ModuleList([nn.GRUCell(4, C), nn.GRUCell(C, C)])

    def forward(self, x, hiddens):
        new = []
        for cell, h in zip(self.cells, hiddens):
            x = cell(x, h)  # violation
            new.append(x)
        return x, new

    def example_inputs(self):
        return (torch.randn(2, 4), [torch.randn(2, C), torch.randn(2, C)])


class AttributeResetGRU(nn.Module):
    """Hand-written GRU with the state in self.hidden, set up by reset(batch) when None."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.x2h, self.h2h = nn.Linear(4, 3 * C), nn.Linear(C, 3 * C)
        self.hidden = None

    def reset(self, batch=2):
        self.hidden = torch.zeros(batch, C)

    def forward(self, x):
        if self.hidden is None:
            self.reset(x.shape[0])
        xr, xz, xn = self.x2h(x).chunk(3, -1)
        hr, hz, hn = self.h2h(self.hidden).chunk(3, -1)  # violation
        r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
        h = (1 - z) * torch.tanh(xn + r * hn) + z * self.hidden
        self.hidden = h
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class AttributeResetMinGRU(nn.Module):
    """minGRU with the state in self.h, reset() to None and lazily zero-initialised."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(4, 2 * C)
        self.h = None

    def reset(self):
        self.h = None

    def forward(self, x):
        if self.h is None:
            self.h = x.new_zeros(x.shape[0], C)
        hidden, gate = self.lin(x).chunk(2, -1)
        gate = torch.sigmoid(gate)
        self.h = (1 - gate) * self.h + gate * hidden
        return self.h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class BufferStateLSTMCell(nn.Module):
    """nn.LSTMCell with (h, c) kept in registered buffers, written back in place."""

    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(4, C)
        self.register_buffer("h", torch.zeros(2, C))
        self.register_buffer("c", torch.zeros(2, C))

    def reset(self):
        self.h.zero_()
        self.c.zero_()

    def forward(self, x):
        h, c = self.cell(x, (self.h, self.c))  # violation
        self.h.copy_(h)
        self.c.copy_(c)
        return h

    def example_inputs(self):
        return (torch.randn(2, 4),)


class BufferStateTRNN(nn.Module):
    """T-RNN with its state in a buffer updated in place: strong."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(4, 2 * C)
        self.register_buffer("state", torch.zeros(2, C))

    def forward(self, x):
        z, f = self.W(x).chunk(2, -1)
        f = torch.sigmoid(f)
        self.state.mul_(f).add_((1 - f) * z)
        return self.state.clone()

    def example_inputs(self):
        return (torch.randn(2, 4),)
