"""Baselines: record today's violations, then report only new ones, whatever the line numbers do."""

from __future__ import annotations

import json
from dataclasses import replace

from support.format_fixture import FIXTURE, build_report

from typecheck_nn import policy
from typecheck_nn.core.model import Diagnostic, Location
from typecheck_nn.policy.baseline import normalise_message, read_baseline, write_baseline


def _codes(report):
    return [(d.code, d.location.line) for d in report.violations]


def test_round_trip_survives_lines_moving(tmp_path):
    base = tmp_path / "baseline.json"
    written = policy.apply(build_report(), targets=[], write_baseline=base)
    assert written.violations == []  # recorded, so nothing new
    data = json.loads(base.read_text())
    assert data["version"] == 1
    assert {(v["rule"], v["scope"], v["count"]) for v in data["violations"]} == {
        ("TNN002", "ElmanRNN:forward", 1),
        ("TNN003", "SquareResidual:forward", 1),
    }
    # recorded relative to the baseline file's directory
    assert all(not v["path"].startswith("/") for v in data["violations"])

    # an edit above the code moves every finding down five lines: still known
    shifted = policy.apply(build_report(line_shift=5), targets=[], baseline=base)
    assert shifted.violations == []
    assert shifted.exit_code == 2  # only because the fixture has a model error and a file error
    assert shifted.models[0].strongly_typed is False  # known, not fixed


def test_new_violations_are_reported(tmp_path):
    base = tmp_path / "baseline.json"
    policy.apply(build_report(), targets=[], write_baseline=base)
    report = build_report(line_shift=5)
    rnn = report.models[0]
    extra = replace(rnn.violations[0], message="a different problem", location=Location(str(FIXTURE), 3, 1))
    twice = rnn.violations[0]  # a second copy of a known violation is new too (counts matter)
    report.models[0] = replace(rnn, violations=[*rnn.violations, extra, twice])
    out = policy.apply(report, targets=[], baseline=base)
    assert [(d.code, d.message) for d in out.violations] == [
        ("TNN002", "a different problem"),
        ("TNN002", rnn.violations[0].message),
    ]
    assert out.exit_code == 2


def test_same_message_in_another_scope_is_new(tmp_path):
    base = tmp_path / "baseline.json"
    policy.apply(build_report(), targets=[], write_baseline=base)
    report = build_report()
    sq = report.models[1]
    report.models[1] = replace(sq, violations=[replace(sq.violations[0], scope="Other:forward")])
    assert [d.code for d in policy.apply(report, targets=[], baseline=base).violations] == ["TNN003"]


def test_numbers_in_messages_are_normalised():
    assert normalise_message("h@rnn.py:12 vs cod(layer.3.V)") == normalise_message("h@rnn.py:17 vs cod(layer.4.V)")
    assert normalise_message("state h") != normalise_message("state c")
    assert normalise_message("cod(W1) vs cod(W2)") != normalise_message("cod(W1) vs cod(W3)")
    assert normalise_message("`TNN001` unused") != normalise_message("`TNN002` unused")


def test_missing_or_corrupt_baseline_is_exit_2(tmp_path):
    missing = policy.apply(build_report(), targets=[], baseline=tmp_path / "nope.json")
    assert missing.exit_code == 2
    assert any("baseline file not found" in e.message for e in missing.errors)
    assert len(missing.violations) == 2  # nothing hidden

    corrupt = tmp_path / "corrupt.json"
    corrupt.write_text("{not json")
    out = policy.apply(build_report(), targets=[], baseline=corrupt)
    assert any(e.path == str(corrupt) and "invalid JSON" in e.message for e in out.errors)

    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"version": 99, "violations": []}))
    out = policy.apply(build_report(), targets=[], baseline=wrong)
    assert any("unsupported baseline version 99" in e.message for e in out.errors)


def test_write_baseline_counts_duplicates(tmp_path):
    report = build_report()
    d = report.models[1].violations[0]
    report.models[1] = replace(report.models[1], violations=[d, d])
    base = tmp_path / "b.json"
    write_baseline(report, base)
    assert sorted(read_baseline(base).values()) == [1, 2]


def test_a_clean_model_with_only_warnings_is_recorded_too(tmp_path):
    report = build_report()
    warn = Diagnostic("TNN004", "axis-structure-mismatch", "warning", "axis 3", Location(str(FIXTURE), 9, 1))
    report.models[1] = replace(report.models[1], violations=[warn])
    base = tmp_path / "b.json"
    policy.apply(report, targets=[], write_baseline=base)
    assert "TNN004" in base.read_text()
