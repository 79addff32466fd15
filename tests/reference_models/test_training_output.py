"""Training as a user sees it: log lines without a terminal, labelled evaluations, units,
a summary table, parameter matching, best.pt and the plot's axes."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from reference_models.cli import main
from reference_models.tasks import TASKS
from reference_models.train import learning_curve

ROOT = Path(__file__).resolve().parents[2]
SMALL = ["--hidden", "8", "--batch-size", "2", "--seq-len", "32", "--embed", "8", "--device", "cpu"]


def _run_cli(args, tmp_path) -> subprocess.CompletedProcess:
    """The CLI in a subprocess: stdout/stderr are pipes, as under CI or nohup."""
    return subprocess.run(
        [sys.executable, "-m", "reference_models.cli", "train", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "COLUMNS": "120"},
        timeout=300,
    )


@pytest.mark.process
def test_without_a_terminal_one_line_per_evaluation_and_a_summary(tmp_path):
    out = tmp_path / "run"
    proc = _run_cli(
        ["t-lstm", "--task", "char-lm", "--steps", "6", "--eval-every", "2", "--out", str(out), *SMALL], tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines[0].startswith("[t-lstm / char-lm] training 6 steps on cpu")
    assert "None" not in lines[0] and "nan" not in lines[0]
    periodic = [line for line in lines if "; evaluation: valid_bpc" in line]
    assert [line.split("step ")[1].split(":")[0] for line in periodic] == ["2/6", "4/6", "6/6"]
    assert all("characters/s" in line and "nats/char" in line for line in periodic)
    assert "items/s" not in proc.stderr
    final = [line for line in lines if "final evaluation at step 6:" in line]
    assert len(final) == 1 and "valid_bpc" in final[0] and "test_bpc" in final[0]
    summary = proc.stderr[proc.stderr.index("t-lstm on char-lm") :]
    for row in ("parameters", "train loss (last 50 steps)", "final valid_bpc", "best checkpoint", "characters/s"):
        assert row in summary
    assert "{" not in summary  # a table, not a raw dict


def test_progress_bar_mode_labels_the_final_evaluation(tmp_path, capsys):
    out = tmp_path / "bar"
    assert main(["train", "t-gru", "--task", "char-lm", "--steps", "3", "--bar", "--out", str(out), *SMALL]) == 0
    err = capsys.readouterr().err
    assert "final evaluation at step 3" in err
    assert "/None" not in err and "loss nan" not in err and "items/s" not in err
    assert "3/3 steps" in err


def test_best_checkpoint_written_when_only_the_final_evaluation_ran(tmp_path, capsys):
    out = tmp_path / "noeval"
    assert (
        main(
            [
                "train",
                "t-rnn",
                "--task",
                "char-lm",
                "--steps",
                "2",
                "--eval-every",
                "1000",
                "--quiet",
                "--out",
                str(out),
                *SMALL,
            ]
        )
        == 0
    )
    assert (out / "best.pt").stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["evals"] == [] and metrics["best_checkpoint"]["step"] == 2
    assert str(out / "best.pt") in metrics["outputs"]


def test_match_params_picks_the_hidden_size_and_prints_both_counts(tmp_path, capsys):
    out = tmp_path / "matched"
    args = ["train", "t-lstm", "--task", "char-lm", "--steps", "1", "--quiet", "--out", str(out)]
    assert main([*args, "--match-params", "torch-lstm:1x64", "--layers", "2", *SMALL]) == 0
    err = capsys.readouterr().err
    metrics = json.loads((out / "metrics.json").read_text())
    partner = metrics["param_match"]
    assert partner["model"] == "torch-lstm" and partner["layers"] == 1 and partner["hidden"] == 64
    assert abs(metrics["params_total"] / partner["params_total"] - 1) < 0.02
    assert metrics["config"]["hidden"] != 8  # --hidden was replaced by the matched size
    assert f"{metrics['params_total']:,}" in err and f"{partner['params_total']:,}" in err


def test_match_params_rejects_a_bad_spec(tmp_path, capsys):
    args = ["train", "t-lstm", "--task", "char-lm", "--steps", "1", "--quiet", "--out", str(tmp_path)]
    assert main([*args, "--match-params", "torch-lstm:big", *SMALL]) == 2
    assert "MODEL:LAYERSxHIDDEN" in capsys.readouterr().err
    assert main([*args, "--match-params", "no-such-model", *SMALL]) == 2
    assert "valid models" in capsys.readouterr().err


def test_char_lm_curve_puts_train_and_validation_in_bits_per_character():
    history = [{"step": 1, "loss": math.log(2) * 3.0}, {"step": 2, "loss": math.log(2) * 2.0}]
    curve = learning_curve(history, [{"step": 2, "valid_bpc": 2.5}], TASKS["char-lm"])
    assert curve.shared_axis and curve.train_axis == curve.eval_axis == "bits per character"
    assert curve.train_values == pytest.approx([3.0, 2.0])


def test_copy_curve_labels_two_different_units():
    curve = learning_curve([{"step": 1, "loss": 0.7}], [{"step": 1, "bits_error_1_20": 30.0}], TASKS["copy"])
    assert not curve.shared_axis
    assert "nats/bit" in curve.train_axis and "bits wrong per sequence" in curve.eval_axis


def test_cosine_budget_anneals_a_run_stopped_by_its_time_cap(tmp_path, monkeypatch):
    """With --max-minutes the budget schedule reaches its floor (5%) when time runs out, not at --steps."""
    from reference_models import train as train_module

    clock = iter(range(0, 10_000, 30))  # every perf_counter() call advances 30 s
    monkeypatch.setattr(train_module.time, "perf_counter", lambda: float(next(clock)))
    lrs = []
    real_step = torch.optim.Adam.step

    def spy(self, *args, **kwargs):
        lrs.append(self.param_groups[0]["lr"])
        return real_step(self, *args, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "step", spy)
    args = ["train", "t-rnn", "--task", "char-lm", "--steps", "1000", "--max-minutes", "3", "--quiet"]
    args += ["--schedule", "cosine-budget", "--eval-every", "1000", "--dropout", "0", "--weight-decay", "0"]
    assert main([*args, "--out", str(tmp_path / "budget"), *SMALL]) == 0
    assert 2 <= len(lrs) < 20  # stopped by the (mocked) clock long before 1000 steps
    # a step-based cosine over 1000 steps would still be at ~2e-3 here; the budget one is at its floor
    assert lrs == sorted(lrs, reverse=True) and lrs[-1] < 0.2 * 2e-3 < lrs[0]


def test_unknown_schedule_is_a_clean_error(tmp_path, capsys):
    args = ["train", "t-rnn", "--task", "char-lm", "--steps", "1", "--schedule", "linear", "--quiet"]
    assert main([*args, "--out", str(tmp_path), *SMALL]) == 2
    assert "valid schedules: cosine" in capsys.readouterr().err
