"""A hand-built Report over tests/fixtures/formats/weak_rnn.py for the renderer and policy tests.

Built by hand (not by running the checker) so the format tests pin the renderers alone.
It holds two models with violations that have related operations, an info note, a model
that failed to check, a skipped class and a file that failed to load.
"""

from __future__ import annotations

from pathlib import Path

from typecheck_nn.core.model import (
    Diagnostic,
    FileError,
    Location,
    ModelResult,
    RecurrenceSummary,
    Related,
    Report,
    Skipped,
)
from typecheck_nn.core.rules import RECURRENT_STATE, SQUARE_RESIDUAL, UNKNOWN_OP

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "formats" / "weak_rnn.py"
GOLDEN = FIXTURE.parent


def _rule_fields(rule) -> dict:
    return {"code": rule.code, "name": rule.name, "severity": rule.severity, "help": rule.help, "url": rule.url}


def build_report(path: Path = FIXTURE, line_shift: int = 0) -> Report:
    """The fixture report; `line_shift` moves every line down, as an edit above the code would."""
    p = str(path)

    def loc(line: int, col: int, end_col: int | None = None) -> Location:
        return Location(p, line + line_shift, col, line + line_shift if end_col else None, end_col)

    rnn_violation = Diagnostic(
        **_rule_fields(RECURRENT_STATE),
        message="recurrent state `h` passes through learned matrix `V` and flows back into itself",
        location=loc(15, 40, 49),
        model="ElmanRNN",
        related=[
            Related(loc(10, 18, 45), "`V` maps its input type to a different output type"),
            Related(loc(13, 9, 13), "the state `h` is created here"),
            Related(Location("/nonexistent/elsewhere.py", 3, 1), "a related op in another file"),
        ],
        types=("h@weak_rnn.py:13", "cod(V)"),
        scope="ElmanRNN:forward",
    )
    square = Diagnostic(
        **_rule_fields(SQUARE_RESIDUAL),
        message="output of learned matrix `W` is added to its own input: x + f(W x), 50% of, a:b",
        location=loc(25, 16, 41),
        model="SquareResidual",
        related=[Related(loc(25, 31, 40), "`W` changes the type of `x`")],
        types=("x@weak_rnn.py:24", "cod(W)"),
        scope="SquareResidual:forward",
    )
    note = Diagnostic(
        **_rule_fields(UNKNOWN_OP),
        message="no typing rule for aten.special_op; its output gets a fresh type",
        location=loc(15, 17),
        model="ElmanRNN",
        scope="ElmanRNN:forward",
    )
    return Report(
        models=[
            ModelResult(
                name="ElmanRNN",
                path=p,
                strongly_typed=False,
                violations=[rnn_violation],
                notes=[note],
                recurrence=RecurrenceSummary(
                    has_recurrence=True,
                    state_values=["h"],
                    learnware_ops=2,
                    firmware_ops=3,
                    firmware_op_kinds=["linear", "add", "tanh"],
                    firmware_elementwise=False,
                ),
            ),
            ModelResult(name="SquareResidual", path=p, strongly_typed=False, violations=[square]),
            ModelResult(
                name="Broken",
                path=p,
                strongly_typed=None,
                error="example_inputs() raised ValueError: bad shape",
                error_location=loc(7, 5),
            ),
        ],
        skipped=[Skipped(name="Helper", path=p, reason="constructor needs arguments and no factory was found")],
        errors=[FileError(path=str(path.parent / "missing.py"), message="file not found")],
    )
