"""The real-code primer's manifest is complete and its third-party files are unedited.

Fast: reads benchmarks/realcode/manifest.toml and hashes files; checks nothing. The fetched
files are not committed (benchmarks/realcode/README.md); where a checkout lacks them, the
checks that read them are skipped, the others still run.
"""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

REALCODE = Path(__file__).resolve().parents[1] / "benchmarks" / "realcode"
FILES = REALCODE / "files"

with open(REALCODE / "manifest.toml", "rb") as _f:
    MANIFEST = tomllib.load(_f)
ENTRIES = MANIFEST["file"]
MEASURED = [e for e in ENTRIES if e["measured"]]

needs_files = pytest.mark.skipif(
    not FILES.is_dir(), reason="third-party files not fetched (benchmarks/realcode/fetch_files.py)"
)


def test_enough_files_and_repositories():
    assert len(MEASURED) >= 30
    assert len({e["repo"] for e in MEASURED}) >= 15
    assert len({e["local"] for e in ENTRIES}) == len(ENTRIES)


def test_entries_are_complete():
    styles = set()
    for e in ENTRIES:
        for key in ("repo", "commit", "path", "local", "license", "license_file", "style", "sha256"):
            assert e.get(key), f"{e.get('local')}: no {key}"
        assert len(e["commit"]) == 40 and len(e["sha256"]) == 64
        assert e["local"] == e["repo"].replace("/", "__") + "/" + e["path"]
        assert e["license_file"] in MANIFEST["licenses"]
        styles.add(e["style"])
    assert styles == {"script", "package"}
    for e in MEASURED:
        assert e.get("model"), f"{e['local']}: a measured file lists its top-level models"
        for model in e["model"]:
            assert model["expected"] == "strong" or model["expected"].startswith("weak:TNN")
            assert model.get("harness_verdict") not in (None, "", "not run")


def test_every_top_level_model_has_a_harness_factory():
    for e in MEASURED:
        harness = REALCODE / e["harness"]
        assert harness.is_file(), e["harness"]
        defined = {n.name for n in ast.parse(harness.read_text()).body if isinstance(n, ast.FunctionDef)}
        for model in e["model"]:
            assert model["factory"] == f"make_{model['name']}"
            assert model["factory"] in defined, f"{e['harness']} lacks {model['factory']}"


@needs_files
def test_fetched_files_are_unedited():
    for e in ENTRIES:
        path = FILES / e["local"]
        assert path.is_file(), f"missing {e['local']}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == e["sha256"], (
            f"{e['local']} differs from the fetched file"
        )


@needs_files
def test_every_repository_keeps_its_license():
    for local, sha in MANIFEST["licenses"].items():
        path = FILES / local
        assert path.is_file(), f"missing {local}"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == sha
    repos = {e["local"].split("/", 1)[0] for e in ENTRIES}
    assert repos == {local.split("/", 1)[0] for local in MANIFEST["licenses"]}
