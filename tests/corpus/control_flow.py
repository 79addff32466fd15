"""Control-flow operators: both branches of torch.cond are typed and must agree; the
bodies of while_loop and scan are recurrences over their carries."""
import torch
from torch import nn
from torch._higher_order_ops.scan import scan
from torch._higher_order_ops.while_loop import while_loop

D = 8


class CondStrong(nn.Module):
    """Both branches keep x's type through a residual around two matrices."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(D, 2 * D), nn.Linear(2 * D, D)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: x + self.b(torch.relu(self.a(x))), lambda x: x * 2, (x,))

    def example_inputs(self):
        return (torch.randn(2, D),)


class CondBranchWeak(nn.Module):
    """The true branch adds a square matrix's output to its input (the example takes the
    other branch: both are typed)."""

    EXPECT, RULE = "weak", "TNN003"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(D, D)

    def forward(self, x):
        return torch.cond(x.sum() > 1e9, lambda x: x + self.W(x), lambda x: x * 2, (x,))  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class CondBranchesDisagree(nn.Module):
    """One branch returns x, the other W x: whichever runs, the result is one value."""

    EXPECT, RULE = "weak", "TNN001"

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(D, D)

    def forward(self, x):
        return torch.cond(x.sum() > 0, lambda x: self.W(x), lambda x: x.clone(), (x,))  # violation

    def example_inputs(self):
        return (torch.randn(2, D),)


class WhileLoopElman(nn.Module):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W = nn.Linear(D, D)

    def forward(self, x):
        def cond_fn(i, h):
            return i < 3

        def body_fn(i, h):
            return i + 1, torch.tanh(self.W(h))

        return while_loop(cond_fn, body_fn, (torch.tensor(0), x))[1]  # violation (ops in a body are reported at the call)

    def example_inputs(self):
        return (torch.randn(2, D),)


class WhileLoopGated(nn.Module):
    """h = f * h + (1 - f) * z with f, z computed before the loop: strongly typed."""

    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.F, self.Z = nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, x):
        f, z = torch.sigmoid(self.F(x)), torch.tanh(self.Z(x))

        def cond_fn(i, h):
            return i < 3

        def body_fn(i, h):
            return i + 1, f * h + (1 - f) * z

        return while_loop(cond_fn, body_fn, (torch.tensor(0), torch.zeros(x.shape[0], D)))[1]

    def example_inputs(self):
        return (torch.randn(2, 4),)


class ScanElman(nn.Module):
    EXPECT, RULE, RECURRENT = "weak", "TNN002", True

    def __init__(self):
        super().__init__()
        self.W, self.U = nn.Linear(D, D), nn.Linear(4, D)

    def forward(self, xs):
        def step(h, x):
            h = torch.tanh(self.W(h) + self.U(x))
            return h, h.clone()

        return scan(step, torch.zeros(xs.shape[1], D), xs)[1]  # violation

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)


class ScanTRNN(nn.Module):
    EXPECT, RULE, RECURRENT = "strong", None, True

    def __init__(self):
        super().__init__()
        self.F, self.Z = nn.Linear(4, D), nn.Linear(4, D)

    def forward(self, xs):
        def step(h, x):
            f = torch.sigmoid(self.F(x))
            h = f * h + (1 - f) * self.Z(x)
            return h, h.clone()

        return scan(step, torch.zeros(xs.shape[1], D), xs)[1]

    def example_inputs(self):
        return (torch.randn(3, 2, 4),)
