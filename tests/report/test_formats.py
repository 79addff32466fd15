"""Renderers on a hand-built report (tests/support/format_fixture.py): no checker involved.

Golden files pin `concise` and `github` byte for byte; regenerate them with
`UPDATE_GOLDEN=1 pytest tests/report/test_formats.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest
from support.format_fixture import FIXTURE, GOLDEN, REPO, build_report

from typecheck_nn.core.model import Diagnostic, Location, ModelResult, RecurrenceSummary, Report
from typecheck_nn.core.rules import ALL_RULES
from typecheck_nn.report import concise, full, github, junit, renderers, sarif

SCHEMA = Path(__file__).parents[1] / "data" / "sarif-schema-2.1.0.json"
ANSI = re.compile(r"\x1b\[")


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_format_is_registered():
    assert set(renderers()) >= {"full", "concise", "json", "github", "sarif", "junit"}


@pytest.mark.parametrize("name,render", [("concise.golden", concise.render), ("github.golden", github.render)])
def test_golden(name, render):
    _golden(name, render(build_report(), root=REPO))


# ------------------------------------------------------------------ full


def test_full_shows_header_location_snippet_and_caret_under_the_span():
    out = full.render(build_report(), root=REPO)
    lines = out.splitlines()
    header = lines.index(
        "error[TNN002]: recurrent state `h` passes through learned matrix `V` and flows back into itself"
        "  [recurrent-state-retyped]"
    )
    assert lines[header + 1] == "  --> tests/fixtures/formats/weak_rnn.py:15:40"
    source_line = lines[header + 3]
    caret_line = lines[header + 4]
    assert source_line.startswith("15 | ") and "self.V(h)" in source_line
    # the carets sit exactly under `self.V(h)` (columns 40..48)
    start = caret_line.index("^")
    assert caret_line[start:].rstrip() == "^" * len("self.V(h)")
    assert source_line[start : start + len("self.V(h)")] == "self.V(h)"


def test_full_shows_related_ops_types_help_and_url():
    out = full.render(build_report(), root=REPO)
    assert "  ::: tests/fixtures/formats/weak_rnn.py:10:18: `V` maps its input type" in out
    assert "10 |         self.V = nn.Linear(8, 8, bias=False)" in out  # related op's own snippet
    assert "  ::: /nonexistent/elsewhere.py:3:1: a related op in another file" in out
    assert "   = note: types: h@weak_rnn.py:13 vs cod(V)" in out
    assert "   = help: compute gates and candidates from the inputs only" in out
    assert "   = see: typecheck-nn rule TNN002" in out  # works from any install, unlike a URL


def test_full_model_summaries_and_total():
    out = full.render(build_report(), root=REPO)
    assert "tests/fixtures/formats/weak_rnn.py::ElmanRNN: NOT strongly typed (1 violation)" in out
    assert "firmware is not elementwise, so the recurrence is not a parallel scan" in out
    assert "tests/fixtures/formats/weak_rnn.py::Broken: error: could not be checked: example_inputs() raised" in out
    assert "skipped: tests/fixtures/formats/weak_rnn.py::Helper: constructor needs arguments" in out
    assert "error: tests/fixtures/formats/missing.py: file not found" in out
    assert out.rstrip().splitlines()[-1] == "Found 2 violations in 3 models (0 strongly typed, 1 skipped, 2 errors)"


def test_full_info_notes_are_quiet_two_liners():
    out = full.render(build_report(), root=REPO).splitlines()
    i = out.index("info[TNN100]: no typing rule for aten.special_op; its output gets a fresh type  [unknown-op]")
    assert out[i + 1] == "  --> tests/fixtures/formats/weak_rnn.py:15:17"
    assert out[i + 2] == ""  # no snippet, help or url


def test_full_strongly_typed_scan_summary():
    rec = RecurrenceSummary(True, ["h"], 4, 3, ["mul", "add"], True)
    report = Report(models=[ModelResult("TRNN", str(FIXTURE), True, recurrence=rec)])
    out = full.render(report, root=REPO)
    assert "tests/fixtures/formats/weak_rnn.py::TRNN: strongly typed" in out
    assert (
        "recurrence: state h; 4 learnware ops, 3 firmware ops (mul, add); firmware is elementwise, "
        "so the recurrence is a parallel scan over time" in out
    )
    assert "Found 0 violations in 1 model (1 strongly typed, 0 skipped, 0 errors)" in out


def test_full_color_flag_controls_ansi_codes():
    report = build_report()
    assert not ANSI.search(full.render(report, root=REPO, color=False))
    assert ANSI.search(full.render(report, root=REPO, color=True))


def test_full_long_lines_are_not_wrapped():
    d = Diagnostic("TNN001", "mixed-type-binary-op", "error", "m " * 80, Location(str(FIXTURE), 15, 40, 15, 49))
    out = full.render(Report(models=[ModelResult("M", str(FIXTURE), False, violations=[d])]), root=REPO)
    assert ("error[TNN001]: " + "m " * 80).rstrip() in out


def test_full_unreadable_source_still_shows_the_finding(tmp_path):
    gone = tmp_path / "gone.py"
    d = Diagnostic("TNN003", "matrix-output-added-to-input", "error", "boom", Location(str(gone), 3, 5, 3, 9))
    out = full.render(Report(models=[ModelResult("M", str(gone), False, violations=[d])]), root=tmp_path)
    assert "error[TNN003]: boom" in out
    assert "  --> gone.py:3:5" in out
    assert " | " not in out  # no snippet


def test_paths_outside_root_stay_absolute(tmp_path):
    out = concise.render(build_report(), root=tmp_path)
    assert f"{FIXTURE}:15:40: TNN002" in out


# ------------------------------------------------------------------ github


def test_github_escapes_data_and_properties():
    d = Diagnostic(
        "TNN001",
        "mixed-type-binary-op",
        "warning",
        "100% wrong\r\nnext: a,b",
        Location("dir,with:odd%/f.py", 2, 3),
        help="",
    )
    out = github.render(Report(models=[ModelResult("M", "dir,with:odd%/f.py", False, violations=[d])]), root=None)
    assert out == (
        "::warning file=dir%2Cwith%3Aodd%25/f.py,line=2,col=3,title=TNN001 mixed-type-binary-op"
        "::100%25 wrong%0Anext: a,b\n"  # CRLF normalised to one newline, then escaped
    )


def test_github_severity_mapping():
    out = github.render(build_report(), root=REPO).splitlines()
    assert out[0].startswith("::error file=tests/fixtures/formats/weak_rnn.py,line=15,col=40,endLine=15,endColumn=49,")
    assert out[1].startswith("::notice ")  # info note
    assert sum(line.startswith("::error ") for line in out) == 4  # 2 violations, model error, file error


# ------------------------------------------------------------------ sarif


def _sarif(report: Report) -> dict:
    return json.loads(sarif.render(report, root=REPO))


def test_sarif_validates_against_the_oasis_schema():
    jsonschema.validate(_sarif(build_report()), json.loads(SCHEMA.read_text(encoding="utf-8")))


def test_sarif_contents():
    log = _sarif(build_report())
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "typecheck-nn"
    assert [r["id"] for r in driver["rules"]] == [r.code for r in ALL_RULES]
    tnn004 = next(r for r in driver["rules"] if r["id"] == "TNN004")
    assert tnn004["defaultConfiguration"]["level"] == "note"  # info
    assert "helpUri" not in tnn004  # no public site to point at; the page travels in help.markdown
    assert tnn004["help"]["markdown"].startswith("# TNN004")
    assert "github.com" not in json.dumps(log)

    first = run["results"][0]
    assert first["ruleId"] == "TNN002" and driver["rules"][first["ruleIndex"]]["id"] == "TNN002"
    assert first["level"] == "error"
    loc = first["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"] == {"uri": "tests/fixtures/formats/weak_rnn.py", "uriBaseId": "%SRCROOT%"}
    assert loc["region"] == {"startLine": 15, "startColumn": 40, "endLine": 15, "endColumn": 49}
    related = first["relatedLocations"]
    assert related[0]["message"]["text"].startswith("`V` maps")
    assert related[0]["physicalLocation"]["region"]["startLine"] == 10
    assert [r["level"] for r in run["results"]] == ["error", "note", "error"]

    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    texts = [n["message"]["text"] for n in invocation["toolExecutionNotifications"]]
    assert any("Broken could not be checked" in t for t in texts)
    assert any("file not found" in t for t in texts)


def test_sarif_fingerprints_ignore_line_moves_and_tell_duplicates_apart():
    def prints(report):
        return [r["partialFingerprints"]["typecheckNn/v1"] for r in _sarif(report)["runs"][0]["results"]]

    before, after = prints(build_report()), prints(build_report(line_shift=5))
    assert before == after and len(set(before)) == len(before)
    report = build_report()
    twice = replace(report.models[1], violations=report.models[1].violations * 2)
    dup = prints(replace(report, models=[twice]))
    assert len(set(dup)) == 2


def test_sarif_clean_run_is_successful():
    log = _sarif(Report(models=[ModelResult("M", str(FIXTURE), True)]))
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is True


# ------------------------------------------------------------------ junit


def test_junit_counts_and_elements():
    root = ET.fromstring(junit.render(build_report(), root=REPO))
    assert root.tag == "testsuites"
    assert {k: root.get(k) for k in ("tests", "failures", "errors", "skipped")} == {
        "tests": "5",
        "failures": "2",
        "errors": "2",
        "skipped": "1",
    }
    suite = root.find("testsuite[@name='tests/fixtures/formats/weak_rnn.py']")
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    assert set(cases) == {"ElmanRNN", "SquareResidual", "Broken", "Helper"}
    assert all(c.get("classname") == "tests/fixtures/formats/weak_rnn.py" for c in cases.values())
    failure = cases["ElmanRNN"].find("failure")
    assert failure.get("type") == "TNN002"
    assert "weak_rnn.py:15:40: error[TNN002]" in failure.text
    assert "TNN100" in cases["ElmanRNN"].find("system-out").text  # notes do not fail
    assert cases["Broken"].find("error") is not None
    assert cases["Helper"].find("skipped").get("message").startswith("constructor needs arguments")


def test_junit_warning_only_model_passes():
    d = Diagnostic("TNN004", "axis-structure-mismatch", "warning", "axis", Location(str(FIXTURE), 15, 1))
    root = ET.fromstring(
        junit.render(Report(models=[ModelResult("M", str(FIXTURE), False, violations=[d])]), root=REPO)
    )
    assert root.get("failures") == "0"
    assert "TNN004" in root.find(".//system-out").text


# ------------------------------------------------------------------ json docs


def _keys(obj, out: set[str]) -> set[str]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.add(key)
            _keys(value, out)
    elif isinstance(obj, list):
        for value in obj:
            _keys(value, out)
    return out


def test_json_schema_doc_covers_every_field():
    """docs/json-schema.md must name every field `--format json` emits (keep them in sync)."""
    from typecheck_nn.report.json_format import SCHEMA_VERSION, report_dict

    doc = (REPO / "docs" / "json-schema.md").read_text(encoding="utf-8")
    fields = _keys(report_dict(build_report()), set()) - {"trace", "solve"}
    undocumented = sorted(f for f in fields if f"`{f}`" not in doc)
    assert undocumented == []
    assert f"currently `{SCHEMA_VERSION}`" in doc


# ------------------------------------------------------------------ what a built model was built with


def _built_report() -> Report:
    """The fixture with its Elman model built by the checker (no example_inputs in the
    file): every format must say with what, so the verdict can be reproduced."""
    report = build_report()
    built = {
        "kwargs": {"hidden": "32"},
        "config": None,
        "strategy": "parameters filled by name; inputs: inferred from forward",
        "inputs": ["float[8, 2, 4]"],
    }
    models = [replace(m, built_with=built) if m.name == "ElmanRNN" else m for m in report.models]
    return replace(report, models=models)


def test_every_format_says_what_a_built_model_was_built_with():
    report = _built_report()
    text = "hidden=32; inputs float[8, 2, 4] [parameters filled by name; inputs: inferred from forward]"
    assert f"built with: {text}" in full.render(report, root=REPO)
    elman = [line for line in github.render(report, root=REPO).splitlines() if "TNN002" in line]
    assert elman and all(f"%0Abuilt with: {text}" in line for line in elman)
    cases = {c.get("name"): c for c in ET.fromstring(junit.render(report, root=REPO)).iter("testcase")}
    assert cases["ElmanRNN"].find("properties/property[@name='built_with']").get("value") == text
    assert cases["SquareResidual"].find("properties") is None  # built from its own example_inputs()
    log = _sarif(report)
    run = log["runs"][0]
    elman_results = [r for r in run["results"] if r["properties"]["model"] == "ElmanRNN"]
    assert elman_results and all(r["properties"]["builtWith"]["inputs"] == ["float[8, 2, 4]"] for r in elman_results)
    (only,) = run["invocations"][0]["properties"]["builtModels"]
    assert only["model"].endswith("weak_rnn.py::ElmanRNN") and only["builtWith"]["kwargs"] == {"hidden": "32"}
    jsonschema.validate(log, json.loads(SCHEMA.read_text(encoding="utf-8")))
    payload = json.loads(renderers()["json"](report, root=REPO))
    elman_json = next(m for m in payload["models"] if m["name"] == "ElmanRNN")
    assert elman_json["built_with"]["inputs"] == ["float[8, 2, 4]"]


def test_html_says_what_a_built_model_was_built_with():
    from typecheck_nn.report import html

    page = html.render(_built_report(), root=REPO)
    assert "built with: hidden=32; inputs float[8, 2, 4]" in page
