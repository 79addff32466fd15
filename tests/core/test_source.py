"""The one assigned-name reader: what the engine names states after and the hover labels."""

import pytest

from typecheck_nn.core.source import assigned_targets


@pytest.mark.parametrize(
    ("line", "targets"),
    [
        ("    h = torch.tanh(self.W(x) + self.V(h))", ["h"]),
        ("i, f = gates.chunk(2, -1)", ["i", "f"]),
        ("self.h += x", ["self.h"]),
        ("h: torch.Tensor = z", ["h"]),
        ("state[0] = h", ["state[0]"]),
        ("state[:, i] = h", []),  # a slice's colon is no annotation
        ("x[a:b] = y", []),
        ("if a == b:", []),
        ("return h", []),
    ],
)
def test_assigned_targets(line, targets):
    assert assigned_targets(line) == targets
