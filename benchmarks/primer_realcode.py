"""Real-code primer: run typecheck-nn on third-party model files exactly as they are.

The files under benchmarks/realcode/files/ are kept byte-for-byte as fetched from public
repositories (benchmarks/realcode/manifest.toml lists them with commit, license and sha256).
For every measured file this runs

    typecheck-nn <file> --format json -j1

with the repository's folder as the working directory, and compares what it checked with
the file's top-level models listed in the manifest, and with the verdict a hand-written
harness gives (benchmarks/realcode/harness/, recorded as `harness_verdict`).

Totals: the share of top-level models checked with no added code (the goal is >= 90%),
agreement with the harness verdicts, and how many runs checked nothing yet exited 0.

    python benchmarks/primer_realcode.py                    # table, all files
    python benchmarks/primer_realcode.py --only nanoGPT     # files whose path contains it
    python benchmarks/primer_realcode.py --json out.json --compare benchmarks/realcode/baseline.json
    python benchmarks/primer_realcode.py --harness          # run the harness factories instead
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import subprocess
import sys
import time
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
REALCODE = ROOT / "benchmarks" / "realcode"
FILES = REALCODE / "files"
MANIFEST = REALCODE / "manifest.toml"
DEFAULT_CLI = ROOT / ".venv" / "bin" / "typecheck-nn"
SHIM = True
_SHIM_MAIN = (
    "import sys; sys.path.insert(0, {!r}); import primer_compat; primer_compat.allow_torchvision_import(); "
    "sys.argv[0] = 'typecheck-nn'; from typecheck_nn.cli import main; main()"
).format(str(ROOT / "benchmarks"))


def load_manifest(path: Path = MANIFEST) -> list[dict]:
    with open(path, "rb") as f:
        return tomllib.load(f)["file"]


def verdict_of(model: dict) -> str:
    """One model entry of the JSON report as "strong", "weak:<codes>" or "error:<reason>"."""
    if model.get("error") is not None or model.get("strongly_typed") is None:
        reason = (model.get("error") or "not checked").strip().splitlines()
        return "error:" + (reason[0][:80] if reason else "not checked")
    if model["strongly_typed"]:
        return "strong"
    codes = sorted({v["rule"] for v in model.get("violations", []) if v.get("severity") in ("error", "warning")})
    return "weak:" + ",".join(codes)


def _short(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def run_cli(cli: str, target: str, cwd: Path, timeout: float) -> dict:
    """Run the checker once; return its parsed report, or a stand-in describing the failure."""
    cmd = [cli, target, "--format", "json", "-j1", "--no-progress"]
    if SHIM:
        # torchvision's PyPI wheel next to CPU torch needs the primer's shim to import at all
        # (benchmarks/primer_compat.py; the harnesses and tests apply it too): an environment
        # fix, not code added to the model files
        python = str(Path(cli).parent / "python")
        cmd = [python, "-c", _SHIM_MAIN, *cmd[1:]]
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"exit_code": None, "failure": f"timeout after {timeout:.0f}s", "seconds": timeout}
    seconds = round(time.monotonic() - start, 1)
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"exit_code": proc.returncode, "failure": "no JSON report: " + _short(tail[0]), "seconds": seconds}
    report["exit_code"] = proc.returncode
    report["seconds"] = seconds
    return report


def measure_file(entry: dict, cli: str, timeout: float) -> dict:
    repo_dir = FILES / entry["local"].split("/", 1)[0]
    rel = entry["local"].split("/", 1)[1]
    report = run_cli(cli, rel, repo_dir, timeout)
    checked: dict[str, str] = {}
    variants: dict[str, list[str]] = {}
    for model in report.get("models", []):
        checked.setdefault(model["name"], verdict_of(model))
        # a variant built from a choice in the constructor (`RNNModel[LSTM]`) counts for its class
        base, bracket, _ = model["name"].partition("[")
        if bracket:
            variants.setdefault(base, []).append(verdict_of(model))
    for base, verdicts in variants.items():
        checked.setdefault(base, verdicts[0] if len(set(verdicts)) == 1 else "mixed:" + ",".join(sorted(set(verdicts))))
    skipped = {s["name"]: _short(s.get("reason") or "") for s in report.get("skipped", []) if s.get("name")}
    file_skipped = [_short(s.get("reason") or "") for s in report.get("skipped", []) if not s.get("name")]
    errors = [_short(e.get("message") or "") for e in report.get("errors", [])]
    rows = []
    for model in entry.get("model", []):
        name = model["name"]
        verdict = checked.get(name)
        as_is_checked = verdict is not None and not verdict.startswith("error:")
        rows.append(
            {
                "model": name,
                "expected": model["expected"],
                "harness": model.get("harness_verdict"),
                "checked": as_is_checked,
                "verdict": verdict,
                "agrees": as_is_checked and verdict == model.get("harness_verdict"),
                "why_not": None
                if as_is_checked
                else (
                    verdict
                    or skipped.get(name)
                    or (errors[0] if errors else None)
                    or (file_skipped[0] if file_skipped else None)
                    or report.get("failure")
                    or "not in the report"
                ),
            }
        )
    return {
        "file": entry["local"],
        "exit_code": report.get("exit_code"),
        "failure": report.get("failure"),
        "seconds": report.get("seconds"),
        "checked_any": any(not v.startswith("error:") for v in checked.values()),
        "models_in_report": len(report.get("models", [])),
        "errors": errors,
        "rows": rows,
    }


def totals(results: list[dict]) -> dict:
    rows = [r for res in results for r in res["rows"]]
    checked = [r for r in rows if r["checked"]]
    with_harness = [r for r in checked if r["harness"] and not r["harness"].startswith("error:")]
    return {
        "files": len(results),
        "top_level_models": len(rows),
        "checked_no_added_code": len(checked),
        "checked_pct": round(100 * len(checked) / len(rows), 1) if rows else 0.0,
        "agree_with_harness": sum(1 for r in with_harness if r["agrees"]),
        "comparable_with_harness": len(with_harness),
        "checked_nothing_exit_0": sum(1 for res in results if not res["checked_any"] and res["exit_code"] == 0),
        "not_checked_because": _reasons(r["why_not"] for r in rows if not r["checked"]),
    }


def _reasons(texts) -> dict:
    """Group why-not texts by their kind: the text up to its first '(' or ':'."""
    counts: dict[str, int] = {}
    for text in texts:
        kind = (text or "unknown").split("(")[0].split(":")[0].strip()
        counts[kind] = counts.get(kind, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: -kv[1]))


def print_table(results: list[dict], tot: dict) -> None:
    print(f"{'file':<74} {'model':<24} {'as is':<22} {'harness':<18} {'=':<2} {'exit':>4}")
    for res in results:
        exit_code = "-" if res["exit_code"] is None else str(res["exit_code"])
        for i, r in enumerate(res["rows"]):
            as_is = r["verdict"] if r["checked"] else "not checked"
            same = "=" if r["agrees"] else ("≠" if r["checked"] else "")
            name = res["file"] if i == 0 else ""
            print(
                f"{name:<74} {r['model']:<24} {as_is:<22} {str(r['harness']):<18} {same:<2} {exit_code if i == 0 else '':>4}"
            )
            if not r["checked"] and r["why_not"]:
                print(f"{'':<74}   why: {_short(r['why_not'], 100)}")
        if res["failure"]:
            print(f"{'':<74}   run: {res['failure']}")
    print()
    print(
        f"top-level models checked with no added code: {tot['checked_no_added_code']}/{tot['top_level_models']}"
        f" ({tot['checked_pct']}%, goal >= 90%)"
    )
    print(
        f"verdict agrees with the harness: {tot['agree_with_harness']}/{tot['comparable_with_harness']} checked models"
    )
    print(f"runs that checked nothing yet exited 0: {tot['checked_nothing_exit_0']}/{tot['files']}")
    if tot["not_checked_because"]:
        print("not checked because:")
        for kind, n in tot["not_checked_because"].items():
            print(f"  {n:>3}  {kind}")


def compare(old: dict, new: dict) -> None:
    print("\ncompared with the old run:")
    for key in ("checked_no_added_code", "checked_pct", "agree_with_harness", "checked_nothing_exit_0"):
        print(f"  {key}: {old['totals'].get(key)} -> {new['totals'].get(key)}")
    old_rows = {(res["file"], r["model"]): r for res in old["results"] for r in res["rows"]}
    for res in new["results"]:
        for r in res["rows"]:
            before = old_rows.get((res["file"], r["model"]))
            if before is None:
                print(f"  new: {res['file']}::{r['model']} {r['verdict']}")
            elif (before["checked"], before["verdict"]) != (r["checked"], r["verdict"]):
                print(f"  changed: {res['file']}::{r['model']} {before['verdict']} -> {r['verdict']}")


def run_harnesses(entries: list[dict], cli: str, timeout: float) -> tuple[int, dict]:
    """Run every harness factory, print its verdict next to the recorded one; return both."""
    differ = 0
    verdicts = {}
    for entry in entries:
        harness = REALCODE / entry["harness"]
        for model in entry.get("model", []):
            report = run_cli(cli, f"{harness}::{model['factory']}", ROOT, timeout)
            models = report.get("models", [])
            if models:
                verdict = verdict_of(models[0])
            else:
                verdict = "error:" + _short(
                    report.get("failure")
                    or "; ".join(e["message"] for e in report.get("errors", []))
                    or "nothing checked",
                    60,
                )
            complete = bool(models) and models[0].get("complete", True)
            verdicts[f"{entry['local']}::{model['name']}"] = {"verdict": verdict, "complete": complete}
            same = verdict == model.get("harness_verdict")
            differ += not same
            print(
                f"{'=' if same else '≠'} {entry['local']}::{model['name']}: {verdict} (recorded {model.get('harness_verdict')})"
            )
    return (1 if differ else 0), verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="only files whose manifest path matches (substring or glob)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--cli", default=str(DEFAULT_CLI), help="the typecheck-nn executable")
    parser.add_argument("--compare", type=Path, help="an earlier --json output to compare with")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per checker run")
    parser.add_argument("--harness", action="store_true", help="run the harness factories instead")
    parser.add_argument(
        "--no-torchvision-shim", action="store_true", help="run the checker without primer_compat's torchvision shim"
    )
    args = parser.parse_args(argv)
    global SHIM
    SHIM = not args.no_torchvision_shim

    entries = [e for e in load_manifest() if e.get("measured")]
    if args.only:
        entries = [e for e in entries if args.only in e["local"] or fnmatch.fnmatch(e["local"], args.only)]
    missing = [e["local"] for e in entries if not (FILES / e["local"]).is_file()]
    if missing:
        print(
            f"missing fetched files ({len(missing)}), e.g. {missing[0]}: see benchmarks/realcode/README.md",
            file=sys.stderr,
        )
        return 2
    if args.harness:
        code, verdicts = run_harnesses(entries, args.cli, args.timeout)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(verdicts, indent=1, ensure_ascii=False) + "\n")
        return code

    results = []
    for entry in entries:
        print(f"checking {entry['local']} ...", file=sys.stderr, flush=True)
        results.append(measure_file(entry, args.cli, args.timeout))
    tot = totals(results)
    print_table(results, tot)
    out = {
        "cli": os.path.relpath(args.cli, ROOT) if os.path.isabs(args.cli) else args.cli,
        "totals": tot,
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    if args.compare:
        compare(json.loads(args.compare.read_text()), out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
