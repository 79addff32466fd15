"""Regenerate docs/report-screenshot.png: run the real checker with --html and photograph it.

The screenshot in the README must show what the tool really prints today, so it is made
from a real check of a classic LSTM (and its strongly typed T-LSTM), not a mock-up.

    .venv/bin/python scripts/report_screenshot.py [TARGET ...] [--out docs/report-screenshot.png]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chromium_driver import chromium, console_errors, missing_reason, wait_ready  # noqa: E402

DEFAULT_TARGETS = ["tests/fixtures/html_lstm.py"]


def write_report(targets: list[str], page: Path) -> None:
    """The CLI exits 1 when it finds violations, which is what a screenshot wants to show."""
    cmd = [
        sys.executable,
        "-m",
        "typecheck_nn.cli",
        *targets,
        "--html",
        str(page),
        "--format",
        "concise",
        "--no-progress",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1) or not page.exists():
        raise SystemExit(f"typecheck-nn failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def photograph(page: Path, out: Path, width: int, height: int) -> None:
    """Top of the page down through the first graph, with the conflicting ops highlighted."""
    with chromium(width, height) as driver:
        driver.get(page.as_uri())
        wait_ready(driver)
        errors = console_errors(driver)
        if errors:
            raise SystemExit("console errors:\n" + "\n".join(errors))
        # Show the full page height up to the end of the first graph, capped.
        bottom = driver.execute_script(
            "const g = document.querySelector('.graph'); return g ? g.getBoundingClientRect().bottom + 24 : document.body.scrollHeight"
        )
        driver.set_window_size(width, min(int(bottom) + 120, 3200))
        driver.execute_script("return new Promise(r => requestAnimationFrame(() => setTimeout(r, 50)))")
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", default=DEFAULT_TARGETS)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report-screenshot.png")
    parser.add_argument("--html", type=Path, default=None, help="also keep the HTML report here")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(f"cannot take a screenshot: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = args.html or Path(tmp) / "report.html"
        write_report(args.targets, page)
        photograph(page, args.out, args.width, 900)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
