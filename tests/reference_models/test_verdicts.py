"""The checker's verdict on every reference model must match the label the theory predicts."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference_models import MODELS

pytestmark = pytest.mark.process  # every test reads one report from the installed CLI run in a subprocess

ROOT = Path(__file__).resolve().parents[2]
CHECKER = Path(sys.executable).parent / "typecheck-nn"


@pytest.fixture(scope="module")
def report():
    if not CHECKER.exists():
        pytest.skip(f"typecheck-nn console script not installed at {CHECKER} (pip install -e .)")
    proc = subprocess.run(
        [str(CHECKER), str(ROOT / "reference_models"), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.stdout.strip(), f"no JSON from typecheck-nn (rc={proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(proc.stdout)


@pytest.mark.parametrize("cls", list(MODELS.values()), ids=list(MODELS))
def test_verdict_matches_expected(report, cls):
    entries = [
        m
        for m in report["models"]
        if m["name"] == cls.__name__
        and Path(m["path"]).resolve() == Path(sys.modules[cls.__module__].__file__).resolve()
    ]
    assert len(entries) == 1, f"{cls.__name__} missing from the report"
    entry = entries[0]
    assert entry["strongly_typed"] is cls.expected_strongly_typed, (
        f"{cls.__name__}: checker says {entry['strongly_typed']} (error: {entry.get('error')}, "
        f"violations: {[v.get('message') for v in entry['violations']][:3]}), theory says {cls.expected_strongly_typed}"
    )


# Classic models and the source line the checker must name as the culprit (a substring of it).
CULPRITS = {
    "act-rnn": "s = torch.tanh(wx + self.U(s))",
    "attn-gru": "ur, uu, un = self.U(d).chunk(3, dim=-1)",
}


@pytest.mark.parametrize("name", list(CULPRITS))
def test_classic_model_names_its_culprit_line(report, name):
    cls = MODELS[name]
    source = Path(sys.modules[cls.__module__].__file__).resolve()
    (entry,) = [m for m in report["models"] if m["name"] == cls.__name__ and Path(m["path"]).resolve() == source]
    lines = source.read_text().splitlines()
    named = [lines[v["line"] - 1] for v in entry["violations"] if Path(v["path"]).resolve() == source]
    assert any(CULPRITS[name] in line for line in named), (named, entry["violations"])
