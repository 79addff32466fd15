"""The runner, through real processes: worker pool, timeouts, crashes, isolation, output capture.

Each subprocess run costs a worker's torch import (a few seconds on 2 cores), so the
scenarios are grouped: one folder holds a hanging import, an os._exit, a training script,
printing models and models that raise SystemExit/KeyboardInterrupt/RecursionError/
MemoryError, and one run must report every one of them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

HEADER = "import torch\nfrom torch import nn\n"
GOOD = """
print("importing good.py")


class Good(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(4, 4)

    def forward(self, x):
        print("hello from forward")
        import sys

        sys.stderr.write("to stderr from forward\\n")
        return torch.sigmoid(self.w(x)) * x

    def example_inputs(self):
        return (torch.randn(2, 4),)
"""


def model(name: str, body: str, inputs: str = "(torch.randn(2, 4),)") -> str:
    """A small module class whose forward runs `body` first."""
    forward_body = textwrap.indent(textwrap.dedent(body).strip("\n"), " " * 8)
    return (
        f"\n\nclass {name}(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.w = nn.Linear(4, 4)\n\n"
        "    def forward(self, x):\n"
        f"{forward_body}\n"
        "        return self.w(x)\n\n"
        "    def example_inputs(self):\n"
        f"        return {inputs}\n"
    )


def cli(*args: str, cwd: Path, timeout: float = 240, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "typecheck_nn.cli", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.process
def test_one_run_survives_hangs_exits_and_prints(tmp_path):
    marker = tmp_path / "MARKER"
    write(tmp_path / "good.py", HEADER + GOOD)
    write(tmp_path / "hang.py", HEADER + "import time\nwhile True:\n    time.sleep(0.1)\n" + model("Never", "pass"))
    write(tmp_path / "exits.py", HEADER + model("Quits", "pass") + "\nimport os\nos._exit(0)\n")
    write(tmp_path / "train.py", f"open({str(marker)!r}, 'w').write('ran')\nprint('training...')\n")
    write(
        tmp_path / "raisers.py",
        HEADER
        + model("CallsExit", "import sys\nsys.exit(3)")
        + model("Interrupts", "raise KeyboardInterrupt")
        + model("Recurses", "def f(n):\n    return f(n + 1)\nf(0)")
        + model("OutOfMemory", "raise MemoryError('pretend')")
        + model("BadShapes", "print('about to fail')", inputs="(torch.randn(2, 5),)"),
    )
    result = cli(".", "--format", "json", "--timeout", "20", "-j2", cwd=tmp_path)
    data = json.loads(result.stdout)  # user prints never reach stdout
    assert result.returncode == 2 == data["exit_code"]
    assert not marker.exists(), "a model-free script in a scanned folder was executed"

    models = {m["name"]: m for m in data["models"]}
    assert models["Good"]["strongly_typed"] is True
    errors = {Path(e["path"]).name: e["message"] for e in data["errors"]}
    assert "import timed out after 20 s" in errors["hang.py"]
    assert "exited (exit code 0)" in errors["exits.py"] and "os._exit" in errors["exits.py"]
    assert "train.py" not in errors
    assert "SystemExit" in models["CallsExit"]["error"]
    assert "KeyboardInterrupt" in models["Interrupts"]["error"]
    assert "RecursionError" in models["Recurses"]["error"]
    assert "MemoryError" in models["OutOfMemory"]["error"]
    assert "about to fail" in models["BadShapes"]["output"]  # captured, kept with the failed model
    # report order is the sorted file order, then each file's own order
    assert [m["name"] for m in data["models"]] == [
        "Good",
        "CallsExit",
        "Interrupts",
        "Recurses",
        "OutOfMemory",
        "BadShapes",
    ]
    # torch's noise (fake_tensor's E-lines, export warnings) is hidden without --debug
    assert "fake_tensor" not in result.stderr and "hello from forward" not in result.stderr


@pytest.mark.process
def test_worker_killed_or_stuck_in_native_code_loses_only_that_model(tmp_path):
    """SIGKILL mid-model and a hang SIGALRM cannot interrupt: the parent notices the dead
    worker and kills the stuck one; the file's other models are checked by a fresh worker."""
    body = (
        HEADER
        + model("Killed", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
        + model(
            "Stuck", "import signal, time\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\ntime.sleep(600)"
        )
        + model("Fine", "pass")
    )
    write(tmp_path / "natives.py", body)
    result = cli("natives.py", "--format", "json", "--timeout", "6", "-j2", cwd=tmp_path)
    data = json.loads(result.stdout)
    assert result.returncode == 2
    models = {m["name"]: m for m in data["models"]}
    assert list(models) == ["Killed", "Stuck", "Fine"]
    assert "killed by SIGKILL" in models["Killed"]["error"]
    assert "timed out after 6 s" in models["Stuck"]["error"]
    assert "error" not in models["Fine"] and models["Fine"]["strongly_typed"] is True


@pytest.mark.process
def test_os_exit_at_import_exits_2(tmp_path):
    write(tmp_path / "bye.py", HEADER + model("M", "pass") + "\nimport os\nos._exit(0)\n")
    result = cli("bye.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "bye.py" in result.stdout and "os._exit" in result.stdout


HELPER_MODEL = HEADER + textwrap.dedent(
    """
    from helpers import combine


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Linear(4, 8)
            self.v = nn.Linear(8, 8)

        def forward(self, xs):
            h = xs.new_zeros(xs.shape[1], 8)
            for x in xs:
                h = torch.tanh(combine(self.w(x), h, self.v))
            return h

        def example_inputs(self):
            return (torch.randn(3, 2, 4),)
    """
)


@pytest.mark.process
def test_same_named_helpers_give_order_independent_verdicts(tmp_path):
    write(tmp_path / "a" / "helpers.py", "def combine(x, h, v):\n    return x + h\n")
    write(tmp_path / "b" / "helpers.py", "def combine(x, h, v):\n    return x + v(h)\n")
    for d in "ab":
        write(tmp_path / d / "model.py", HELPER_MODEL)

    def verdicts(*order: str) -> dict[str, bool]:
        result = cli(*order, "--format", "json", "-j2", cwd=tmp_path)
        data = json.loads(result.stdout)
        return {Path(m["path"]).parent.name: m["strongly_typed"] for m in data["models"]}

    assert verdicts("a", "b") == verdicts("b", "a") == {"a": True, "b": False}


@pytest.mark.process
def test_instant_answers_never_import_torch(tmp_path):
    """--help, --version, rule docs, bad paths and config errors answer without torch."""
    bad_config = tmp_path / "proj"
    write(bad_config / "pyproject.toml", "[tool.typecheck-nn]\nselct = ['TNN002']\n")
    write(bad_config / "m.py", HEADER + model("M", "pass"))
    script = textwrap.dedent(
        """
        import json, sys
        from typecheck_nn.cli import main

        try:
            main(sys.argv[1:])
        except SystemExit as exc:
            code = exc.code
        sys.stdout.flush()
        print("\\nRESULT", json.dumps({"code": code, "torch": "torch" in sys.modules}))
        """
    )
    cases = [
        (["--help"], 0, "rule"),
        (["-h"], 0, "train"),
        (["--version"], 0, "typecheck-nn 0."),
        (["rule", "TNN002"], 0, "recurrent-state-retyped"),
        (["rule", "--all"], 0, "TNN900"),
        (["nope.py"], 2, "no such file or directory"),
        ([str(bad_config / "m.py")], 2, "unknown key 'selct'"),
        (["x.py", "--select", "NOPE"], 2, "unknown rule selector"),
    ]
    for args, code, text in cases:
        run = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=tmp_path, timeout=120
        )
        result = json.loads(run.stdout.rsplit("RESULT", 1)[1])
        assert result == {"code": code, "torch": False}, (args, run.stdout, run.stderr)
        assert text in run.stdout + run.stderr, (args, run.stdout, run.stderr)


@pytest.mark.process
def test_help_names_every_subcommand_and_train_its_program():
    assert "typecheck-nn rule" in cli("--help", cwd=REPO).stdout
    assert "typecheck-nn train" in cli("--help", cwd=REPO).stdout
    train = cli("train", "--help", cwd=REPO)
    assert train.returncode == 0 and "typecheck-nn train" in train.stdout
    assert "reference-models" not in train.stdout


@pytest.mark.parametrize(
    "args",
    [["nope", "--task", "copy"], ["t-lstm"], ["t-lstm", "--task", "nope"]],
    ids=["unknown-model", "missing-task", "unknown-task"],
)
def test_train_errors_exit_non_zero(args, capsys):
    from typecheck_nn.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["train", *args])
    assert exc.value.code == 2


@pytest.mark.process
@pytest.mark.slow
def test_7b_llama_is_checked_without_allocating_its_weights():
    """27 GB of float32 weights if allocated: built and traced on meta, it stays far below."""
    probe = (
        "import resource, subprocess, sys\n"
        "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
        "print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    target = str(REPO / "benchmarks" / "models" / "llama7b.py") + "::Llama7B"
    out = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "typecheck_nn.cli", target, "-j1"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
    ).stdout.split()
    rc, peak_kb = int(out[0]), int(out[1])
    assert rc in (0, 1), "the 7B model could not be checked"
    assert peak_kb < 3 * 1024 * 1024, f"peak RSS {peak_kb / 1024:.0f} MB"


NAMESPACE_MODEL = """
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from nsmodels import lazyshim  # noqa: E402  (a package without __init__.py)
from nsmodels.layers import gate  # noqa: E402


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(4, 4)

    def forward(self, x):
        return gate(self.w(x)) * x

    def example_inputs(self):
        return (torch.randn(2, 4),)
"""
NAMESPACE_LAYERS = (
    HEADER
    + """

def gate(x):
    return torch.sigmoid(x)
"""
)
LAZY_SHIM = """
def __getattr__(name):  # answers any name, __path__ and __file__ included (lazy imports)
    return lambda *args, **kwargs: None
"""


@pytest.mark.parametrize("jobs", ["-j1", "-j2"])
def test_namespace_packages_and_lazy_shims_clean_up(tmp_path, jobs):
    """A model folder imported as a package without __init__.py, and a module whose
    __getattr__ answers any name, once made the cleanup raise (KeyError, TypeError): reported as the
    user's os._exit (workers) or a traceback with exit 1 (-j1)."""
    write(tmp_path / "nsmodels" / "model.py", HEADER + NAMESPACE_MODEL)
    write(tmp_path / "nsmodels" / "layers.py", NAMESPACE_LAYERS)
    write(tmp_path / "nsmodels" / "lazyshim.py", LAZY_SHIM)
    write(tmp_path / "other" / "plain.py", HEADER + GOOD)
    result = cli("nsmodels/model.py", "other/plain.py", "--format", "json", jobs, cwd=tmp_path)
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-3000:])
    data = json.loads(result.stdout)
    assert {m["name"]: m["strongly_typed"] for m in data["models"]} == {"Net": True, "Good": True}
    assert "os._exit" not in result.stdout + result.stderr


def test_internal_errors_are_never_blamed_on_the_model():
    """A worker that stops on the checker's own error is reported as such."""
    from typecheck_nn.run.runner import _death_reason
    from typecheck_nn.run.worker import INTERNAL_EXIT

    text = _death_reason(INTERNAL_EXIT, "importing this file")
    assert "internal error" in text and "os._exit" not in text
