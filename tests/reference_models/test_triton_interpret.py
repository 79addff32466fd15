"""The GPU (Triton) kernels, tested on CPU with Triton's interpreter against the float64 loop.

Every kernel runs: the scan forward and its reverse scan (``LinearScan`` backward), and
the fused T-LSTM forward and backward (``TLSTMFirmware``), at T = 1, 7, 37 with 300
columns (B*H), which is not a multiple of either kernel's block, so the masking of the
last block and of the first/last time step is exercised.

``TRITON_INTERPRET=1`` has to be set before triton builds a kernel, and other tests in
this process may already have imported it, so the kernels run in a subprocess
(``_triton_interpret_worker.py``) and this module only reads its JSON. Under CI
(``CI=true``) a missing triton is a failure, not a skip: triton is in the ``test`` extra.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.process  # every test reads the kernels run by one worker subprocess

WORKER = Path(__file__).with_name("_triton_interpret_worker.py")
ROOT = Path(__file__).resolve().parents[2]
CASES = [f"{kind}-T{T}" for T in (1, 7, 37) for kind in ("scan", "tlstm")]
# fp32 kernels against a float64 loop: errors are ~1e-7 relative; a wrong mask or index is O(1)
TOL = 1e-5


@pytest.fixture(scope="module")
def interpreted() -> dict:
    if importlib.util.find_spec("triton") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("triton is not installed (it is in the test extra)")
        pytest.skip("triton is not installed")
    env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, str(WORKER)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_column_count_is_not_a_block_multiple(interpreted):
    from reference_models import fused

    assert interpreted["columns"] % 256 and interpreted["columns"] % fused._BLOCK
    assert interpreted["columns"] > fused._BLOCK  # several programs, the last one partial


@pytest.mark.parametrize("case", CASES)
def test_kernel_matches_float64_loop(interpreted, case):
    errors = interpreted["results"][case]
    expected = {"out", "df", "du", "dc0"} if case.startswith("scan") else {"h", "cT", "dG", "dc0"}
    assert set(errors) == expected  # forward and every gradient were compared
    bad = {name: err for name, err in errors.items() if not err < TOL}
    assert not bad, f"{case}: Triton (interpreted) differs from the float64 loop: {bad}"
