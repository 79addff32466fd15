"""How long `--html` adds to a check, how big the page gets, and how fast it opens.

Builds synthetic transformer-shaped reports (12 layers × attention heads / MoE experts ×
ops; no checker involved), times html.render, and, when headless Chromium is installed,
loads the 5,000-node page and reports the time to the first drawn graph
(window.__tcnnReady, ms since navigation start), to expand one collapsed module, and to
expand everything.

    .venv/bin/python benchmarks/html_size.py [--sizes 5000 20000] [--no-browser]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from chromium_driver import chromium, console_errors, missing_reason, wait_ready  # noqa: E402
from html_reports import synthetic_report  # noqa: E402

from typecheck_nn.report import html as html_report  # noqa: E402


def time_render(n_nodes: int, repeats: int = 3) -> tuple[float, str, int, int]:
    """Median seconds to render, the page, and the graph's node and edge counts."""
    report = synthetic_report(n_nodes)
    graph = report.models[0].graph
    times, page = [], ""
    for _ in range(repeats):
        start = time.perf_counter()
        page = html_report.render(report)
        times.append(time.perf_counter() - start)
    return statistics.median(times), page, len(graph.nodes), len(graph.edges)


def browser_timings(page: Path) -> dict[str, float]:
    """Load, expand-one and expand-all timings in headless Chromium, in milliseconds."""
    with chromium() as driver:
        start = time.perf_counter()
        driver.get(page.as_uri())
        ready = wait_ready(driver, timeout=120)
        wall = (time.perf_counter() - start) * 1000
        units = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        expand = driver.execute_script(
            """const t0 = performance.now();
               document.querySelector('.graph g.unit.module').dispatchEvent(new MouseEvent('click', {bubbles: true}));
               const t1 = performance.now();
               document.body.getBoundingClientRect();  // force style and layout
               return new Promise(r => requestAnimationFrame(() => setTimeout(() => r([t1 - t0, performance.now() - t0]), 0)));"""
        )
        after = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        expand_all = driver.execute_script(
            """const t0 = performance.now();
               Array.from(document.querySelectorAll('.graph .g-toolbar button')).find(b => b.textContent === 'Expand all').click();
               return new Promise(r => requestAnimationFrame(() => setTimeout(() => r(performance.now() - t0), 0)));"""
        )
        all_units = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        errors = console_errors(driver)
    return {
        "ready_ms": ready,
        "load_wall_ms": wall,
        "units_collapsed": units,
        "expand_js_ms": expand[0],
        "expand_paint_ms": expand[1],
        "units_after_expand": after,
        "expand_all_ms": expand_all,
        "units_all": all_units,
        "console_errors": len(errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 20000])
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args(argv)
    pages: dict[int, str] = {}
    print(f"{'target':>8} {'nodes':>7} {'edges':>7} {'render s':>9} {'size MB':>8}")
    for n in args.sizes:
        seconds, page, nodes, edges = time_render(n)
        pages[n] = page
        print(f"{n:>8} {nodes:>7} {edges:>7} {seconds:>9.3f} {len(page.encode()) / 1e6:>8.2f}")
    if args.no_browser:
        return 0
    reason = missing_reason()
    if reason:
        print(f"browser timings skipped: {reason}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"report-{n}.html"
            path.write_text(pages[n], encoding="utf-8")
            t = browser_timings(path)
            print(
                f"chromium {n:>6}: first graph drawn {t['ready_ms']:.0f} ms after navigation "
                f"({t['units_collapsed']} items shown collapsed); expand one module {t['expand_js_ms']:.0f} ms "
                f"({t['expand_paint_ms']:.0f} ms to paint, {t['units_after_expand']} items); expand all "
                f"{t['expand_all_ms']:.0f} ms ({t['units_all']} items); console errors: {t['console_errors']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
