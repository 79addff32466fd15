"""The HTML report: self-contained, escaped, complete, and working in a real browser."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from support.chromium_driver import chromium, console_errors, missing_reason, wait_ready
from support.html_reports import hostile_report, lstm_report, synthetic_report

from typecheck_nn.core.model import (
    Diagnostic,
    GraphAttr,
    GraphEdge,
    GraphNode,
    GraphType,
    GraphView,
    Location,
    ModelResult,
    Report,
)
from typecheck_nn.report import html as html_report
from typecheck_nn.report.html_graph import graph_payload, key_type, shape_text, type_color

EVIL = "<script>alert(1)</script>"
ROOT = Path(__file__).resolve().parents[2]
DATA_RE = re.compile(r'<script type="application/json" id="tcnn-data">(.*?)</script>', re.S)


def page_data(page: str) -> dict:
    match = DATA_RE.search(page)
    assert match, "the page carries its data in one JSON script block"
    return json.loads(match.group(1))


@pytest.fixture
def lstm(tmp_path) -> Report:
    return lstm_report(tmp_path / "lstm.py")


# --- self-contained ---------------------------------------------------------------------


def test_page_loads_nothing_from_the_network(lstm, tmp_path):
    page = html_report.render(lstm, root=tmp_path)
    assert not re.search(r"<script[^>]*\bsrc=", page), "no external scripts"
    assert "<link" not in page and "@import" not in page
    assert not re.search(r"""\bsrc=["']?(https?:)?//""", page)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", page)
    # Links to the rule docs are fine (they are navigation), but nothing else points off-page.
    for tag in re.findall(r"<(\w+)[^>]*\bhref=[\"']https?://", page):
        assert tag == "a"


def test_inlined_assets_cannot_close_their_own_elements():
    for script in ("report.js", html_report.ELK_ASSET):
        assert "</script" not in html_report.asset(script).lower()
        assert "<!--" not in html_report.asset(script)
    assert "</style" not in html_report.asset("report.css").lower()


def test_render_is_deterministic(lstm, tmp_path):
    assert html_report.render(lstm, root=tmp_path) == html_report.render(lstm, root=tmp_path)


# --- escaping ---------------------------------------------------------------------------


def test_hostile_strings_render_as_text(tmp_path):
    page = html_report.render(hostile_report(tmp_path / "evil.py"))
    assert EVIL not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    # Exactly our three script elements: the data, the layout engine (inert text) and ours.
    assert len(re.findall(r"<script\b", page, re.I)) == 3
    assert len(re.findall(r"</script", page, re.I)) == 3
    assert "<img" not in page


def test_source_containing_script_end_tag_is_escaped(tmp_path):
    page = html_report.render(hostile_report(tmp_path / "evil.py"))
    assert "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;!--" in page and "<!--" not in page


def test_javascript_urls_are_not_linked(tmp_path):
    page = html_report.render(hostile_report(tmp_path / "evil.py"))
    assert "javascript:" not in page


def test_json_block_round_trips_hostile_strings(tmp_path):
    report = hostile_report(tmp_path / "evil.py")
    page = html_report.render(report)
    data = page_data(page)
    graph = data["models"][0]
    assert graph["name"] == EVIL
    assert EVIL in graph["modules"]
    assert "</script><!--" in graph["types"] and "& \u2028 <b>" in graph["types"]


def test_script_json_neutralises_markup():
    text = html_report.script_json({"k": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"k": "</script><!-- & \u2028"}


# --- completeness -----------------------------------------------------------------------


def multi_model_report(tmp_path) -> Report:
    lstm = lstm_report(tmp_path / "lstm.py").models[0]
    strong = ModelResult("TLSTM", str(tmp_path / "t_lstm.py"), True)
    broken = ModelResult(
        "Broken",
        str(tmp_path / "broken.py"),
        None,
        error="RuntimeError: cannot trace",
        error_location=Location(str(tmp_path / "broken.py"), 7),
    )
    return Report([lstm, strong, broken])


def test_every_model_and_violation_is_on_the_page(tmp_path):
    report = multi_model_report(tmp_path)
    page = html_report.render(report, root=tmp_path)
    for model in report.models:
        assert f">{model.name}<" in page
    for i in range(len(report.models)):
        assert f'id="model-{i}"' in page and f'href="#model-{i}"' in page
    diag = report.models[0].violations[0]
    assert page.count('<article class="diag sev-error"') == 1
    assert page.count('<article class="diag sev-info"') == 1  # the note
    for text in (diag.message, diag.help, diag.types[0], diag.types[1], *(r.message for r in diag.related)):
        assert html_report.e(text) in page
    assert f'href="{diag.url}"' in page
    assert "strongly typed" in page and "not strongly typed" in page and "could not check" in page
    assert "RuntimeError: cannot trace" in page


def test_summary_counts_rules_and_scan(tmp_path):
    page = html_report.render(multi_model_report(tmp_path), root=tmp_path)
    assert "TNN002 <b>×1</b>" in page
    assert "Scan-parallel" in page and ">no<" in page


def test_excerpt_highlights_primary_and_related_lines(lstm, tmp_path):
    page = html_report.render(lstm, root=tmp_path)
    assert re.search(r'<tr class="primary"><td class="ln">17</td>', page)
    assert re.search(r'<tr class="related"><td class="ln">20</td>', page)
    assert re.search(r'<tr class="related"><td class="ln">21</td>', page)
    assert '<mark class="hl-primary">self.gates(torch.cat([x, h], dim=-1))</mark>' in page
    assert "lstm.py:17:26" in page  # shown relative to root


def test_missing_source_still_renders(tmp_path):
    diag = Diagnostic("TNN001", "mixed-type-binary-op", "error", "boom", Location(str(tmp_path / "gone.py"), 3))
    page = html_report.render(Report([ModelResult("M", "gone.py", False, [diag])]))
    assert "source not available" in page


def test_graph_payload_is_columnar_and_maps_violations_to_nodes():
    loc = Location("m.py", 5)
    graph = GraphView(
        [
            GraphNode("a", "input", "input", "", "[T]", axes=["T"], shape=(2, 3)),
            GraphNode("p", "weight", "param", "blk.sub", "[U, T]", "param", axes=["U", "T"], shape=(4, 3)),
            GraphNode(
                "b",
                "aten.linear",
                "op",
                "blk.sub",
                "[U]",
                "firmware",
                loc,
                True,
                shape=(2, 4),
                axes=["U"],
                attrs=[GraphAttr("blk.sub.weight", (4, 3), ["U", "T"])],
            ),
        ],
        [GraphEdge("a", "b", "[T]", ["T"]), GraphEdge("p", "b", "[U, T]", ["U", "T"]), GraphEdge("a", "missing", "T")],
        [GraphType("T", "T"), GraphType("U", "U")],
    )
    diag = Diagnostic("TNN001", "x", "error", "m", loc)
    data = graph_payload(graph, [diag])
    assert data["ids"] == ["a", "b"], "parameters are folded into their op, not drawn"
    assert data["modules"][0] == "" and data["modules"][data["mod"][1]] == "blk.sub"
    t, u = data["types"].index("T"), data["types"].index("U")
    assert data["edges"] == [0, 1, data["vtypes"].index([t])]  # parameter and dangling edges dropped
    assert data["shapes"][data["shape"][1]] == "2×4"
    assert data["attrs"] == [[1, "blk.sub.weight", "4×3", data["vtypes"].index([u, t]), 0]]
    assert data["kt"][1] == u and data["colors"][u] == type_color("U")
    assert data["conflict"] == [1] and data["violations"] == [[1]]
    assert data["roles"][data["role"][1]] == "firmware"


def test_key_type_prefers_matrix_roles_then_rare_axes():
    freq = Counter({"batch": 50, "seq": 50, "h@m.py:3": 2})
    assert key_type(["batch", "cod(W)", "seq"], freq) == "cod(W)"
    assert key_type(["batch", "a ⊕ b"], freq) == "a ⊕ b"
    assert key_type(["batch", "h@m.py:3", "seq"], freq) == "h@m.py:3"
    assert key_type([], freq) is None


def test_shape_text():
    assert shape_text((2, 16, 32)) == "2×16×32"
    assert shape_text(()) == "scalar" and shape_text(None) == "" and shape_text((-1, 3)) == "?×3"


def test_type_colours_are_stable_and_spread():
    assert type_color("[batch, h]") == type_color("[batch, h]")
    colours = {type_color(f"[batch, cod(W{i})]") for i in range(50)}
    assert len(colours) > 40
    hues = [int(c[4:].split(",")[0]) for c in colours]
    assert all(25 <= h <= 330 for h in hues), "red is reserved for conflicts"


def test_large_graph_payload_has_every_drawn_node():
    """Render time is measured by benchmarks/html_size.py, not asserted here."""
    report = synthetic_report(5000)
    graph = report.models[0].graph
    data = page_data(html_report.render(report))["models"][0]
    assert len(data["ids"]) == sum(1 for n in graph.nodes if n.kind != "param")
    assert sum(1 for a in data["attrs"]) == sum(len(n.attrs) for n in graph.nodes)


# --- real browser -----------------------------------------------------------------------


def require_browser() -> None:
    reason = missing_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI must run the browser test: {reason}")
    pytest.skip(reason)


def unit_count(driver, model: int) -> int:
    return driver.execute_script(f"return document.querySelectorAll('.graph[data-model=\"{model}\"] g.unit').length")


def settle(driver, model: int) -> None:
    """Wait until the model's graph is drawn and no layout is in flight (layout is async)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 60).until(
        lambda d: d.execute_script(
            "const v = window.__tcnnViews && window.__tcnnViews.get(arguments[0]);"
            "return !!(v && v.lay && !v.host.classList.contains('busy'))",
            model,
        )
    )


def run_js(driver, model: int, body: str):
    """Run `body` (a promise-returning expression over `view`) and wait for it to settle."""
    err = driver.execute_async_script(
        f"const view = window.__tcnnViews.get(arguments[0]); const done = arguments[arguments.length - 1];"
        f"Promise.resolve().then(() => {body}).then(() => done(null), e => done(String(e)));",
        model,
    )
    assert err is None, err
    settle(driver, model)


# Geometry as the user sees it: client rectangles of the drawn frames and op nodes (one
# transform for the whole scene, so containment on screen is containment in the layout).
GEOMETRY_JS = """
const host = document.querySelector('.graph[data-model="' + arguments[0] + '"]');
const r = el => { const b = el.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
const frames = Array.from(host.querySelectorAll('g.box')).map(g => ({label: g.getAttribute('data-frame'),
  module: g.hasAttribute('data-box'), rect: r(g.querySelector('rect'))}));
const ops = Array.from(host.querySelectorAll('g.unit:not(.module)')).map(g => ({module: g.getAttribute('data-module'),
  rect: r(g.querySelector('rect.body'))}));
return {frames, ops};
"""


def inside(a, b, tol=0.75) -> bool:
    return a[0] >= b[0] - tol and a[1] >= b[1] - tol and a[2] <= b[2] + tol and a[3] <= b[3] + tol


def disjoint(a, b, tol=0.75) -> bool:
    return a[2] <= b[0] + tol or b[2] <= a[0] + tol or a[3] <= b[1] + tol or b[3] <= a[1] + tol


def assert_frames_sound(driver, model: int) -> int:
    """No two module frames overlap unless one nests inside the other (its submodule), and
    every op node lies inside the frame of its module and of each enclosing module."""
    geo = driver.execute_script(GEOMETRY_JS, model)
    frames = {f["label"]: f["rect"] for f in geo["frames"] if f["module"]}
    labels = sorted(frames)
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            if b.startswith(a + "."):
                assert inside(frames[b], frames[a]), f"{b} sticks out of {a}"
            elif a.startswith(b + "."):
                assert inside(frames[a], frames[b]), f"{a} sticks out of {b}"
            else:
                assert disjoint(frames[a], frames[b]), f"frames {a} and {b} overlap"
    for op in geo["ops"]:
        parts = op["module"].split(".") if op["module"] else []
        for k in range(1, len(parts) + 1):
            path = ".".join(parts[:k])
            assert path in frames, f"an op of {op['module']} is drawn without the frame of {path}"
            assert inside(op["rect"], frames[path]), f"an op of {op['module']} lies outside the frame of {path}"
    return len(frames)


def initial_view_ok(driver, model: int) -> str:
    """'whole' or 'violation' when the first view shows all of the graph or the first
    violation's nodes; '' otherwise."""
    state = driver.execute_script("return window.__tcnnViews.get(arguments[0]).viewState()", model)
    vis = state["visible"]
    box = lambda b: [b["x0"], b["y0"], b["x1"], b["y1"]]  # noqa: E731
    view = box(vis)
    if inside(box(state["bounds"]), view, tol=1):
        return "whole"
    if state["violation"] and inside(box(state["violation"]), view, tol=1):
        return "violation"
    return ""


@pytest.mark.process
@pytest.mark.browser
def test_report_works_in_headless_chromium(tmp_path):
    require_browser()
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    report = lstm_report(tmp_path / "lstm.py").merge(synthetic_report(2000))
    page = tmp_path / "report.html"
    page.write_text(html_report.render(report, root=tmp_path), encoding="utf-8")
    with chromium() as driver:
        driver.get(page.as_uri())
        wait_ready(driver)
        big = 1
        host = driver.find_element(By.CSS_SELECTOR, f'.graph[data-model="{big}"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", host)
        settle(driver, big)
        before = unit_count(driver, big)
        assert 0 < before <= 60, "a large model starts collapsed"
        module = host.find_element(By.CSS_SELECTOR, "g.unit.module")
        # fitted whole, a 2,000-op model's boxes are small: click it as the page sees a click
        driver.execute_script("arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))", module)
        WebDriverWait(driver, 30).until(lambda d: unit_count(d, big) > before)
        settle(driver, big)
        assert host.find_elements(By.CSS_SELECTOR, "g.box[data-box]"), "the expanded module is drawn as a frame"
        assert_frames_sound(driver, big)
        assert initial_view_ok(driver, 0) in ("whole", "violation")

        # "Show in graph" on the LSTM violation highlights its operations.
        driver.execute_script("window.scrollTo(0, 0)")
        driver.find_element(By.CSS_SELECTOR, '.show-in-graph[data-model="0"]').click()
        WebDriverWait(driver, 30).until(
            lambda d: (
                d.execute_script(
                    "return document.querySelectorAll('.graph[data-model=\"0\"] svg.dim g.unit.match').length"
                )
                > 0
            )
        )
        # A type chip in the card highlights the edges of that type in the graph.
        driver.find_element(By.CSS_SELECTOR, '.type-chip[data-model="0"]').click()
        WebDriverWait(driver, 30).until(
            lambda d: (
                d.execute_script("return document.querySelectorAll('.graph[data-model=\"0\"] .g-legend-row.on').length")
                == 1
            )
        )

        assert console_errors(driver) == []
        shot = tmp_path / "report.png"
        driver.save_screenshot(str(shot))
        assert shot.stat().st_size > 10_000
        if os.environ.get("TCNN_SCREENSHOT_DIR"):
            shutil.copy(shot, Path(os.environ["TCNN_SCREENSHOT_DIR"]) / "report-browser-test.png")


REAL_MODELS = (
    "tests/fixtures/html_resnet.py::SmallResNet",
    "tests/fixtures/html_transformer.py::TransformerBlock",
    "tests/fixtures/html_lstm_lm.py::LSTMLanguageModel",
)


@pytest.fixture(scope="module")
def real_models_page(tmp_path_factory):
    from typecheck_nn import api

    report = api.check_paths([str(ROOT / t) for t in REAL_MODELS])
    assert [m.name for m in report.models] == ["SmallResNet", "TransformerBlock", "LSTMLanguageModel"]
    assert all(m.graph is not None for m in report.models), [m.error for m in report.models]
    page = tmp_path_factory.mktemp("real") / "report.html"
    page.write_text(html_report.render(report, root=ROOT), encoding="utf-8")
    return page, report


@pytest.mark.process
@pytest.mark.browser
def test_three_real_models_are_drawn_soundly(real_models_page, tmp_path):
    """A small ResNet, a transformer block and an LSTM language model, as a user sees them."""
    require_browser()
    page, report = real_models_page
    with chromium(1300, 900) as driver:
        driver.get(page.as_uri())
        wait_ready(driver)
        for i, model in enumerate(report.models):
            host = driver.find_element("css selector", f'.graph[data-model="{i}"]')
            driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", host)
            settle(driver, i)
            first = initial_view_ok(driver, i)
            assert first == "whole" or (first == "violation" and model.violations), (
                f"{model.name}: the first view shows neither the whole graph nor the first violation"
            )
            if driver.execute_script("return window.__tcnnViews.get(arguments[0]).view.folded", i):
                roles = driver.execute_script(GEOMETRY_JS, i)["frames"]
                assert len(roles) == 2 and disjoint(roles[0]["rect"], roles[1]["rect"]), "learnware and firmware apart"
            else:
                assert_frames_sound(driver, i)
            # Parameters are folded into their ops; buffers never appear as graph inputs.
            texts = driver.execute_script(
                "return Array.from(arguments[0].querySelectorAll('g.unit text')).map(t => t.textContent)", host
            )
            assert not any("num_batches_tracked" in t for t in texts)
            inputs = driver.execute_script("return arguments[0].querySelectorAll('g.unit.io').length", host)
            assert inputs <= 2, f"{model.name}: only the model's input and output are drawn as such"
            # Everything expanded, unrolled: still sound.
            run_js(driver, i, "(view.folded = false, view.setAll(1))")
            frames = assert_frames_sound(driver, i)
            assert frames >= 3, f"{model.name}: its modules are framed"
            shot = tmp_path / f"model-{i}.png"
            host.screenshot(str(shot))
            if os.environ.get("TCNN_SCREENSHOT_DIR"):
                shutil.copy(shot, Path(os.environ["TCNN_SCREENSHOT_DIR"]) / f"real-{i}.png")
        assert console_errors(driver) == []


@pytest.mark.process
@pytest.mark.browser
def test_recurrence_folds_into_one_cell_with_a_back_edge(real_models_page):
    require_browser()
    page, report = real_models_page
    lstm = 2
    with chromium(1300, 900) as driver:
        driver.get(page.as_uri())
        wait_ready(driver)
        host = driver.find_element("css selector", f'.graph[data-model="{lstm}"]')
        driver.execute_script("arguments[0].scrollIntoView({block: 'start'})", host)
        settle(driver, lstm)
        state = driver.execute_script(
            "const v = window.__tcnnViews.get(arguments[0]); return {folded: v.view.folded,"
            " units: v.view.units.length, n: v.M.n, back: arguments[1].querySelectorAll('path.edge.back').length,"
            " roles: Array.from(arguments[1].querySelectorAll('g.box')).map(g => g.getAttribute('data-frame'))}",
            lstm,
            host,
        )
        assert state["folded"], "a recurrent model opens on its folded view"
        assert state["units"] < state["n"] / 2, "the unrolled steps collapse"
        assert state["back"] >= 1, "the state's way into the next step is a back-edge"
        assert any(r.startswith("firmware") for r in state["roles"]) and any(
            r.startswith("learnware") for r in state["roles"]
        )
        # The unrolled view is one click away.
        button = next(b for b in host.find_elements("css selector", ".g-toolbar button") if b.text == "Unrolled steps")
        button.click()
        from selenium.webdriver.support.ui import WebDriverWait

        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return !window.__tcnnViews.get(arguments[0]).view.folded", lstm)
        )
        settle(driver, lstm)
        assert_frames_sound(driver, lstm)
        assert console_errors(driver) == []


@pytest.mark.process
@pytest.mark.browser
def test_hostile_report_runs_no_injected_script(tmp_path):
    require_browser()
    page = tmp_path / "evil.html"
    page.write_text(html_report.render(hostile_report(tmp_path / "evil.py")), encoding="utf-8")
    with chromium() as driver:
        driver.get(page.as_uri())
        wait_ready(driver)  # an alert() would be open here and make this raise
        texts = driver.execute_script(
            "return Array.from(document.querySelectorAll('.graph svg text')).map(t => t.textContent)"
        )
        assert any("<script>alert" in t for t in texts), "module names are drawn as text"
        assert driver.execute_script("return document.querySelectorAll('img').length") == 0
        assert console_errors(driver) == []


# --- end to end with the real checker ----------------------------------------------------


@pytest.mark.process
def test_cli_writes_html_for_a_real_model(tmp_path):
    out = tmp_path / "report.html"
    fixture = ROOT / "tests" / "fixtures" / "html_small_rnn.py"
    proc = subprocess.run(
        [sys.executable, "-m", "typecheck_nn.cli", str(fixture), "--html", str(out), "--no-progress"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    page = out.read_text(encoding="utf-8")
    data = page_data(page)
    names = [m["name"] for m in data["models"] if m]
    assert any("TinyElman" in n for n in names) and any("TinyTRNN" in n for n in names)
    assert "not strongly typed" in page and "badge-ok" in page
    assert '<tr class="primary">' in page, "the Elman violation is shown in its source"
    assert all(m["ids"] for m in data["models"] if m), "every checked model has a graph"
