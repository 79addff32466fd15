"""`--format junit`: JUnit XML, so CI test dashboards list each model as a test.

One <testsuite> per file and one <testcase> per model (classname = path, name = model).
A model fails (<failure>) when it has error-severity violations, matching the exit
code; warnings and notes go to <system-out>. A model that could not be checked, or a
file that could not be loaded, is an <error>; a skipped class is <skipped>.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from typecheck_nn.core.model import Diagnostic, ModelResult, Report
from typecheck_nn.report.common import (
    built_with_text,
    clean_report,
    display_path,
    file_error_text,
    location_text,
    one_line,
)


def _line(d: Diagnostic, m: ModelResult, root: Path | None) -> str:
    text = f"{location_text(d.location, m.path, root)}: {d.severity}[{d.code}] {d.name}: {one_line(d.message)}"
    if d.types:
        text += f" (types: {d.types[0]} vs {d.types[1]})"
    return text


class _Suites:
    """Test suites keyed by file, in first-seen order, with their tallies."""

    def __init__(self, root: Path | None):
        self.root = root
        self.suites: dict[str, ET.Element] = {}

    def case(self, path: str, name: str, seconds: float = 0.0) -> ET.Element:
        shown = display_path(path, self.root)
        suite = self.suites.get(shown)
        if suite is None:
            suite = self.suites[shown] = ET.Element("testsuite", name=shown)
        return ET.SubElement(suite, "testcase", classname=shown, name=name, time=f"{seconds:.3f}")

    def xml(self) -> ET.Element:
        root = ET.Element("testsuites", name="typecheck-nn")
        totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
        for suite in self.suites.values():
            cases = suite.findall("testcase")
            counts = {
                "tests": len(cases),
                "failures": sum(1 for c in cases if c.find("failure") is not None),
                "errors": sum(1 for c in cases if c.find("error") is not None),
                "skipped": sum(1 for c in cases if c.find("skipped") is not None),
            }
            for key, value in counts.items():
                suite.set(key, str(value))
                totals[key] += value
            root.append(suite)
        for key, value in totals.items():
            root.set(key, str(value))
        return root


def render(report: Report, *, root: Path | None = None, color: bool = False) -> str:
    report = clean_report(report)  # also makes every character legal in XML 1.0
    suites = _Suites(root)
    for m in report.models:
        case = suites.case(m.path, m.name, sum(m.seconds.values()))
        if m.built_with:  # what the checker built the model with, to reproduce the verdict
            properties = ET.SubElement(case, "properties")
            ET.SubElement(properties, "property", name="built_with", value=built_with_text(m))
        errors = [d for d in m.violations if d.severity == "error"]
        if m.error is not None:
            where = location_text(m.error_location, m.path, root)
            detail = f"{where}: {m.error}" + (f"\n\noutput:\n{m.output}" if m.output.strip() else "")
            ET.SubElement(case, "error", message=one_line(m.error), type="model-error").text = detail
        elif errors:
            summary = f"{len(errors)} violation{'s' if len(errors) != 1 else ''}: {one_line(errors[0].message)}"
            failure = ET.SubElement(case, "failure", message=summary, type=errors[0].code)
            failure.text = "\n".join(_line(d, m, root) for d in errors)
        quiet = [d for d in [*m.violations, *m.notes] if d.severity != "error"]
        if quiet:
            ET.SubElement(case, "system-out").text = "\n".join(_line(d, m, root) for d in quiet)
    for s in report.skipped:
        ET.SubElement(suites.case(s.path, s.name or "<file>"), "skipped", message=s.reason)
    for e in report.errors:
        case = suites.case(e.path, "<load>")
        error = ET.SubElement(case, "error", message=one_line(e.message), type="file-error")
        error.text = f"{file_error_text(e, root)}: {e.message}"
    root_element = suites.xml()
    ET.indent(ET.ElementTree(root_element))
    return ET.tostring(root_element, encoding="unicode", xml_declaration=True) + "\n"
