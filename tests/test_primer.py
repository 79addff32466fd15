"""The primer's fast subset: a dozen cheap real models across libraries, run through the same
code as `benchmarks/primer.py` (each in its own process, with a timeout).

Each model must finish (no hang), be checked (no error), use no op without a typing rule,
get the verdict its label predicts (with the label's rules when weak), report a recurrence
exactly when the label says it is recurrent, and give every violation a path and line.

Known failures of the checker are marked `xfail(strict=True)` with the issue that fixes
them, so they turn into failures (to be unmarked) once fixed.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_missing = [
    lib
    for lib in ("torchvision", "timm", "x_transformers", "vit_pytorch", "transformers", "minGRU_pytorch")
    if importlib.util.find_spec(lib) is None
]
if _missing:
    pytest.skip(
        f"the primer extra is not installed ({', '.join(_missing)} missing): pip install -e '.[test,primer]'",
        allow_module_level=True,
    )

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import primer_compat  # noqa: E402

# torchvision's PyPI wheel cannot load its C++ ops next to the CPU torch; without this,
# importing torchvision (and every transformers model, which imports it) fails. It must run
# before anything imports torchvision, so it runs at import, before the other test modules'
# tests (tests/engine/test_real_models.py imports transformers' models) run in this process.
primer_compat.allow_torchvision_import()

import primer  # noqa: E402
from primer_models import Verdict, registry  # noqa: E402

SUBSET = [
    "torchvision/resnet18",
    "torchvision/mobilenet_v3_large",
    "timm/test_vit",
    "timm/test_efficientnet",
    "timm/repvgg_a0",
    "transformers/gpt2",
    "transformers/bert",
    "transformers/llama",
    "x-transformers/decoder",
    "vit-pytorch/vit",
    "rnn-libs/mingru_stepwise",
    "rnn-libs/torch_lstm_lm",
]

# model -> why the checker fails it today, naming the issue whose fix flips it
# (measured with the baseline in benchmarks/primer_results/)
KNOWN_FAILURES: dict[str, str] = {}

MODELS = {m.key: m for m in registry()}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, primer.Outcome]:
    runs = primer.run_many([MODELS[k] for k in SUBSET], timeout=180, jobs=2)
    return {o.key: o for o in runs}


def _param(key: str):
    reason = KNOWN_FAILURES.get(key)
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(key, marks=marks, id=key)


def test_subset_is_in_the_registry_and_spans_libraries():
    assert set(SUBSET) <= set(MODELS)
    assert {MODELS[k].library for k in SUBSET} == {m.library for m in MODELS.values()}
    assert any(MODELS[k].label.verdict is Verdict.WEAK for k in SUBSET)
    assert any(MODELS[k].label.recurrent for k in SUBSET)


@pytest.mark.process
@pytest.mark.parametrize("key", [_param(k) for k in SUBSET])
def test_primer_model_matches_its_label(outcomes, key):
    o = outcomes[key]
    label = MODELS[key].label
    assert o.status == primer.Status.OK, f"{o.status}: {o.error}"
    assert o.strongly_typed is not None, o.error
    assert not o.unknown_ops, f"ops without a typing rule: {o.unknown_ops}"
    assert o.verdict() == label.verdict.value, (
        f"label {label.verdict.value} ({label.why}); violations: {[v.message for v in o.violations]}"
    )
    if label.verdict is Verdict.WEAK:
        assert set(o.rules) == set(label.rules), o.violations
    assert o.has_recurrence == label.recurrent
    assert not o.lineless, o.lineless


@pytest.mark.process
def test_compare_reports_verdict_and_unknown_op_changes(outcomes):
    before = list(outcomes.values())
    after = [primer._outcome_from_dict(primer.asdict(o)) for o in before]
    after[0].strongly_typed = not after[0].strongly_typed
    after[1].unknown_ops = [*after[1].unknown_ops, "aten.made_up.default"]
    changes = primer.compare(before, after)
    assert len(changes) == 2
    assert any(c.startswith(f"{before[0].key}: verdict") for c in changes), changes
    assert any(c.startswith(f"{before[1].key}: unknown ops +['aten.made_up.default']") for c in changes), changes
    assert primer.compare(before, before) == []
