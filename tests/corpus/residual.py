"""Skip connections: highway (weak), ResNet basic block and depthwise conv (strong)."""
import torch
from torch import nn


class Highway(nn.Module):
    EXPECT, RULE = "weak", "TNN003"

    def __init__(self, d=16):
        super().__init__()
        self.transform, self.gate = nn.Linear(d, d), nn.Linear(d, d)

    def forward(self, x):
        t = torch.sigmoid(self.gate(x))
        return t * torch.relu(self.transform(x)) + (1 - t) * x  # violation

    def example_inputs(self):
        return (torch.randn(4, 16),)


class BasicBlock(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self, c=8):
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)
        self.conv2, self.bn2 = nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c)

    def forward(self, x):
        return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))

    def example_inputs(self):
        return (torch.randn(2, 8, 6, 6),)


class DepthwiseResidual(nn.Module):
    EXPECT, RULE = "strong", None

    def __init__(self, c=8):
        super().__init__()
        self.dw = nn.Conv1d(c, c, 3, padding=1, groups=c)

    def forward(self, x):
        return x + self.dw(x)

    def example_inputs(self):
        return (torch.randn(2, 8, 10),)


class SingleConvResidual(nn.Module):
    EXPECT, RULE = "weak", "TNN003"

    def __init__(self, c=8):
        super().__init__()
        self.conv = nn.Conv1d(c, c, 3, padding=1)

    def forward(self, x):
        return x + torch.relu(self.conv(x))  # violation

    def example_inputs(self):
        return (torch.randn(2, 8, 10),)


class CNNClassifier(nn.Module):
    """Convolutions, pooling, flatten and a linear head: no skips, strongly typed."""

    EXPECT, RULE = "strong", None

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.features(x))

    def example_inputs(self):
        return (torch.randn(2, 3, 8, 8),)


class SharedTwice(nn.Module):
    """One square matrix applied to its own output, outside any loop."""

    EXPECT, RULE = "weak", "TNN005"

    def __init__(self, d=16):
        super().__init__()
        self.w = nn.Linear(d, d)

    def forward(self, x):
        return self.w(torch.tanh(self.w(x)))  # violation

    def example_inputs(self):
        return (torch.randn(4, 16),)


class TiedDepth(nn.Module):
    """The same layer applied in a loop over depth: a recurrence over layers (ALBERT-style)."""

    EXPECT, RULE = "weak", "TNN002"

    def __init__(self, d=16):
        super().__init__()
        self.w = nn.Linear(d, d)

    def forward(self, x):
        for _ in range(3):
            x = torch.tanh(self.w(x))  # violation
        return x

    def example_inputs(self):
        return (torch.randn(4, 16),)
