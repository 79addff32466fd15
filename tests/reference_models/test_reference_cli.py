"""The training CLI: writes metrics, plot and checkpoint; resumes; rejects unknown names cleanly."""

import json

import pytest

from reference_models.cli import main

TINY = [
    "--hidden",
    "8",
    "--batch-size",
    "2",
    "--seq-len",
    "64",
    "--embed",
    "8",
    "--device",
    "cpu",
    "--quiet",
    "--eval-every",
    "2",
    "--checkpoint-every",
    "2",
    "--schedule",
    "constant",
]


def test_train_writes_outputs_and_resumes(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "t-lstm", "--task", "char-lm", "--steps", "3", "--out", str(out), *TINY]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps_done"] == 3 and len(metrics["history"]) == 3
    assert metrics["final"]["valid_bpc"] > 0 and metrics["final"]["test_bpc"] > 0
    assert (out / "checkpoint.pt").stat().st_size > 0
    assert (out / "learning_curve.png").exists() or (out / "learning_curve.html").exists()
    assert main(["train", "t-lstm", "--task", "char-lm", "--steps", "5", "--out", str(out), "--resume", *TINY]) == 0
    resumed = json.loads((out / "metrics.json").read_text())
    assert resumed["steps_done"] == 5 and resumed["steps_this_run"] == 2
    assert [h["loss"] for h in resumed["history"][:3]] == [h["loss"] for h in metrics["history"]]


def test_resume_equals_uninterrupted(tmp_path):
    """Seeded determinism: 2 + 2 resumed steps give the same losses as 4 straight steps."""
    a, b = tmp_path / "a", tmp_path / "b"
    main(["train", "t-gru", "--task", "char-lm", "--steps", "4", "--out", str(a), *TINY])
    main(["train", "t-gru", "--task", "char-lm", "--steps", "2", "--out", str(b), *TINY])
    main(["train", "t-gru", "--task", "char-lm", "--steps", "4", "--out", str(b), "--resume", *TINY])
    la = [h["loss"] for h in json.loads((a / "metrics.json").read_text())["history"]]
    lb = [h["loss"] for h in json.loads((b / "metrics.json").read_text())["history"]]
    assert la == pytest.approx(lb, rel=1e-5)


def test_copy_task_reports_bit_errors(tmp_path):
    out = tmp_path / "copy"
    assert (
        main(
            [
                "train",
                "t-lstm",
                "--task",
                "copy",
                "--steps",
                "2",
                "--out",
                str(out),
                "--hidden",
                "8",
                "--batch-size",
                "2",
                "--seq-len",
                "5",
                "--device",
                "cpu",
                "--quiet",
            ]
        )
        == 0
    )
    final = json.loads((out / "metrics.json").read_text())["final"]
    assert set(final["bits_error_by_length"]) >= {"20", "40"}
    assert 0 <= final["bits_error_1_20"] <= 8 * 20


@pytest.mark.parametrize(
    "args, needle",
    [
        (["train", "no-such-model", "--task", "char-lm"], "valid models: rnn"),
        (["train", "t-lstm", "--task", "no-such-task"], "valid tasks: char-lm"),
    ],
)
def test_unknown_names_are_clean_errors(args, needle, capsys, tmp_path):
    assert main([*args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert needle in err.replace("\n", " ") and "Traceback" not in err


def test_list_shows_every_model(capsys):
    assert main(["list"]) == 0
    text = capsys.readouterr().out
    for name in ("t-lstm", "hm-lstm", "t-ntm", "qrnn-ifo"):
        assert name in text
