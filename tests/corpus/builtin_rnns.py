"""PyTorch's recurrent modules, as users call them."""
import torch
from torch import nn


class BuiltinGRU(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.gru = nn.GRU(8, 16, num_layers=2, batch_first=True)

    def forward(self, xs):
        out, _ = self.gru(xs)  # violation
        return out

    def example_inputs(self):
        return (torch.randn(2, 4, 8),)


class BuiltinRNN(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(8, 16)

    def forward(self, xs):
        return self.rnn(xs)[0]  # violation

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)


class BiLSTMTagger(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(8, 16, bidirectional=True)
        self.head = nn.Linear(32, 3)

    def forward(self, xs):
        out, _ = self.lstm(xs)  # violation
        return self.head(out)

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)


class LSTMCellLoop(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.cell = nn.LSTMCell(8, 16)

    def forward(self, xs):
        h = c = xs.new_zeros(xs.shape[1], 16)
        for x in xs:
            h, c = self.cell(x, (h, c))  # violation
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)


class GRUCellLoop(nn.Module):
    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.cell = nn.GRUCell(8, 16)

    def forward(self, xs):
        h = xs.new_zeros(xs.shape[1], 16)
        for x in xs:
            h = self.cell(x, h)  # violation
        return h

    def example_inputs(self):
        return (torch.randn(4, 2, 8),)


class PackedGRU(nn.Module):
    """Variable-length batches: export cannot trace pack_padded_sequence's lengths, so the
    path the example inputs take is recorded (TNN102) and the GRU inside is still found."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(20, 8)
        self.gru = nn.GRU(8, 16, batch_first=True)

    def forward(self, tokens, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(tokens), lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.gru(packed)  # violation
        return nn.utils.rnn.pad_packed_sequence(out, batch_first=True)[0]

    def example_inputs(self):
        return (torch.randint(0, 20, (3, 5)), torch.tensor([5, 3, 2]))
