"""How long `--html` adds to a check, how big the page gets, and how fast it opens.

Builds synthetic transformer-shaped reports (12 layers × attention heads / MoE experts ×
ops; no checker involved; "nodes" counts drawn nodes, parameters being folded into ops),
times html.render, and, when headless Chromium is installed, loads each page and reports
the time to the first drawn graph (window.__tcnnReady, ms since navigation start; the
layout runs in ELK's worker), to expand the largest collapsed module and collapse it again,
to highlight a type, and to expand everything. Goals: first draw under 1.5 s at 5,000
nodes, no interaction above 300 ms except expand-all.

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

from support.chromium_driver import chromium, console_errors, missing_reason, wait_ready  # noqa: E402
from support.html_reports import synthetic_report  # noqa: E402

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
    drawn = {n.id for n in graph.nodes if n.kind != "param"}
    edges = sum(1 for e in graph.edges if e.source in drawn and e.target in drawn)
    return statistics.median(times), page, len(drawn), edges


SETTLED_JS = """
const v = window.__tcnnViews.get(0);
return !!(v && v.lay && !v.host.classList.contains('busy'));
"""


def browser_timings(page: Path) -> dict[str, float]:
    """Load, expand-one and expand-all timings in headless Chromium, in milliseconds.

    Layout runs asynchronously (ELK in a Web Worker), so an interaction is timed from the
    click to the frame after the new layout is drawn.
    """
    from selenium.webdriver.support.ui import WebDriverWait

    def timed(driver, action: str) -> float:
        return float(
            driver.execute_async_script(
                "const done = arguments[arguments.length - 1]; const v = window.__tcnnViews.get(0);"
                f"const t0 = performance.now(); Promise.resolve({action}).then(() =>"
                " requestAnimationFrame(() => setTimeout(() => done(performance.now() - t0), 0)));"
            )
        )

    with chromium() as driver:
        driver.set_script_timeout(300)
        start = time.perf_counter()
        driver.get(page.as_uri())
        ready = wait_ready(driver, timeout=120)
        wall = (time.perf_counter() - start) * 1000
        WebDriverWait(driver, 120).until(lambda d: d.execute_script(SETTLED_JS))
        units = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        # the largest collapsed module: the worst single expansion a user can ask for
        biggest = driver.execute_script(
            "const v = window.__tcnnViews.get(0); let best = -1, size = 0;"
            "v.view.units.forEach(u => { if (u.module && v.M.tree[u.idx].size > size) { size = v.M.tree[u.idx].size; best = u.idx; } });"
            "return best;"
        )
        expand = timed(driver, f"v.toggle({biggest})")
        after = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        collapse = timed(driver, f"v.toggle({biggest})")
        highlight = timed(driver, "v.highlightType(0)")
        expand_all = timed(driver, "v.setAll(1)")
        all_units = driver.execute_script("return document.querySelectorAll('.graph g.unit').length")
        errors = console_errors(driver)
    return {
        "ready_ms": ready,
        "load_wall_ms": wall,
        "units_collapsed": units,
        "expand_ms": expand,
        "units_after_expand": after,
        "collapse_ms": collapse,
        "highlight_ms": highlight,
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
                f"({t['units_collapsed']} items shown collapsed); expand the largest module {t['expand_ms']:.0f} ms "
                f"({t['units_after_expand']} items); collapse it {t['collapse_ms']:.0f} ms; highlight a type "
                f"{t['highlight_ms']:.0f} ms; expand all {t['expand_all_ms']:.0f} ms ({t['units_all']} items); "
                f"console errors: {t['console_errors']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
