"""Regenerate the HTML report screenshots in docs/: run the real checker with --html on the
three fixture models (a small ResNet, a transformer block, an LSTM language model) and
photograph each model's graph as a user first sees it, plus one module opened.

The screenshots in the README must show what the tool really draws today, so they are
made from a real check, not a mock-up.

    .venv/bin/python scripts/report_screenshot.py [--out-dir docs] [--html report.html]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.chromium_driver import chromium, console_errors, missing_reason, wait_ready  # noqa: E402

# (target, screenshot name, modules to open after the first view: what a user would click)
SHOTS = [
    ("tests/fixtures/html_resnet.py::SmallResNet", "report-resnet.png", []),
    ("tests/fixtures/html_transformer.py::TransformerBlock", "report-transformer.png", []),
    ("tests/fixtures/html_lstm_lm.py::LSTMLanguageModel", "report-lstm-lm.png", []),
]

SETTLED_JS = """
const v = window.__tcnnViews && window.__tcnnViews.get(arguments[0]);
return !!(v && v.lay && !v.host.classList.contains('busy'));
"""


def write_report(targets: list[str], page: Path) -> None:
    """The CLI exits 1 when it finds violations, which is what a screenshot wants to show."""
    cmd = [sys.executable, "-m", "typecheck_nn.cli", *targets, "--html", str(page), "--format", "concise"]
    proc = subprocess.run([*cmd, "--no-progress"], cwd=ROOT, capture_output=True, text=True)
    if proc.returncode not in (0, 1) or not page.exists():
        raise SystemExit(f"typecheck-nn failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}")


def settle(driver, model: int) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(lambda d: d.execute_script(SETTLED_JS, model))
    time.sleep(0.2)


def photograph(page: Path, out_dir: Path, width: int) -> list[Path]:
    """Each model's section (verdict, violations, graph), with the listed modules opened."""
    written = []
    with chromium(width, 900) as driver:
        driver.get(page.as_uri())
        wait_ready(driver)
        height = int(driver.execute_script("return document.documentElement.scrollHeight"))
        driver.set_window_size(width, min(height + 200, 8000))
        for i, (_, name, opens) in enumerate(SHOTS):
            section = driver.find_element("css selector", f"#model-{i}")
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", section)
            settle(driver, i)
            for path in opens:
                driver.execute_async_script(
                    "const done = arguments[arguments.length - 1]; const v = window.__tcnnViews.get(arguments[0]);"
                    "const t = v.M.tree.findIndex(m => m.path === arguments[1]);"
                    "(t > 0 && !v.expanded[t] ? v.toggle(t) : Promise.resolve()).then(() => { v.fit(); done(); });",
                    i,
                    path,
                )
                settle(driver, i)
            out = out_dir / name
            section.screenshot(str(out))
            written.append(out)
        errors = console_errors(driver)
        if errors:
            raise SystemExit("console errors:\n" + "\n".join(errors))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    parser.add_argument("--html", type=Path, default=None, help="also keep the HTML report here")
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args(argv)
    reason = missing_reason()
    if reason:
        print(f"cannot take a screenshot: {reason}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        page = args.html or Path(tmp) / "report.html"
        write_report([t for t, _, _ in SHOTS], page)
        args.out_dir.mkdir(parents=True, exist_ok=True)
        for out in photograph(page, args.out_dir, args.width):
            print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
