"""The primer: run typecheck-nn over real models and report what changed (like mypy_primer).

Each model of the registry (benchmarks/primer_models.py: torchvision, timm, transformers,
x-transformers, vit-pytorch and RNN libraries, built from small configs) is checked in its
own process (forked from a server that imported the libraries once) with a timeout, through the public API `typecheck_nn.check`, on the meta
device when it can be built there and on real tensors otherwise. The result is compared
with the model's label (the verdict the typing semantics predicts), and the primer prints
per library: models checked, hangs, errors, models with unknown ops (TNN100), false alarms
(labelled strong, checked weak), fail-open verdicts (labelled weak, checked strong), wrong
rules, feed-forward models reported with a recurrence, recurrent models reported without
one, violations without a path or line, and time. Then the unknown ops with counts and
every disagreement.

    python benchmarks/primer.py                       # all models, 2 workers
    python benchmarks/primer.py --library timm --model 'resnet*'
    python benchmarks/primer.py --compare benchmarks/primer_results/baseline.json

Needs the `primer` extra: pip install -e '.[primer]'.
"""

from __future__ import annotations

import argparse
import datetime
import fnmatch
import json
import multiprocessing
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from primer_models import Label, Model, Verdict, registry  # noqa: E402

RESULTS_DIR = HERE / "primer_results"
DEFAULT_JSON = RESULTS_DIR / "latest.json"
UNKNOWN_OP = re.compile(r"no typing rule for `([^`]+)`")


class Status:
    """How a model's run ended (plain strings: they are stored in the results JSON)."""

    OK = "ok"
    ERROR = "error"  # build failed, or the checker could not check it (exit 2)
    CRASH = "crash"  # the worker died without a result
    HANG = "hang"  # ran past the timeout


@dataclass
class Violation:
    code: str
    message: str
    path: str | None
    line: int | None


@dataclass
class Outcome:
    """One model's run, as stored in the results JSON."""

    library: str
    name: str
    status: str
    label: str
    label_rules: list[str]
    label_recurrent: bool
    uncertain: str = ""
    device: str = ""  # "meta" or "cpu" (real tensors)
    strongly_typed: bool | None = None
    rules: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    unknown_ops: list[str] = field(default_factory=list)
    notes: dict[str, int] = field(default_factory=dict)
    has_recurrence: bool | None = None
    trace_method: str = ""
    error: str = ""
    meta_error: str = ""
    seconds: float = 0.0
    check_seconds: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.library}/{self.name}"

    # disagreements with the label -----------------------------------------------------
    @property
    def checked(self) -> bool:
        return self.status == Status.OK and self.strongly_typed is not None

    @property
    def false_alarm(self) -> bool:
        return self.checked and self.label == Verdict.STRONG.value and not self.strongly_typed

    @property
    def fail_open(self) -> bool:
        return self.checked and self.label == Verdict.WEAK.value and bool(self.strongly_typed)

    @property
    def wrong_rule(self) -> bool:
        both_weak = self.checked and self.label == Verdict.WEAK.value and not self.strongly_typed
        return both_weak and set(self.rules) != set(self.label_rules)

    @property
    def false_recurrence(self) -> bool:
        return self.checked and not self.label_recurrent and bool(self.has_recurrence)

    @property
    def missed_recurrence(self) -> bool:
        return self.checked and self.label_recurrent and self.has_recurrence is False

    @property
    def lineless(self) -> list[Violation]:
        """Violations a user cannot find: no path, no line, or a line inside torch."""
        return [v for v in self.violations if not v.path or not v.line or _inside_torch(v.path)]

    def verdict(self) -> str:
        if self.status != Status.OK:
            return self.status
        if self.strongly_typed is None:
            return "error"
        return "strong" if self.strongly_typed else "weak"


def _inside_torch(path: str) -> bool:
    return f"{os.sep}torch{os.sep}" in path and f"{os.sep}site-packages{os.sep}torch{os.sep}" in path


# worker: one model in this process ----------------------------------------------------------


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def _build(model: Model, device: str | None):
    import torch

    torch.manual_seed(0)
    if device is None:
        return model.build()
    with torch.device(device):
        return model.build()


def check_model(model: Model) -> Outcome:
    """Build one model (meta first, then real tensors) and check it with the public API."""
    import typecheck_nn

    out = Outcome(
        model.library,
        model.name,
        Status.OK,
        model.label.verdict.value,
        sorted(model.label.rules),
        model.label.recurrent,
        model.label.uncertain,
    )
    t0 = time.perf_counter()
    result = None
    for device in ("meta", None):
        try:
            module, args, kwargs = _build(model, device)
        except Exception as exc:  # noqa: BLE001 - a model that cannot be built is a finding
            message = f"build failed: {type(exc).__name__}: {_first_line(str(exc))}"
            if device == "meta":
                out.meta_error = message
                continue
            out.status, out.error = Status.ERROR, message
            break
        t1 = time.perf_counter()
        report = typecheck_nn.check(module, *args, name=model.name, **kwargs)
        out.check_seconds = time.perf_counter() - t1
        (result,) = report.models
        out.device = device or "cpu"
        if result.error and device == "meta":
            out.meta_error = f"check failed on meta: {_first_line(result.error)}"
            result = None
            continue
        break
    out.seconds = time.perf_counter() - t0
    if result is None:
        return out
    if result.error:
        out.status, out.error = Status.ERROR, _first_line(result.error)
        return out
    out.strongly_typed = result.strongly_typed
    errors = [v for v in result.violations if v.severity == "error"]
    out.rules = sorted({v.code for v in errors})
    out.violations = [
        Violation(
            v.code,
            _first_line(v.message),
            v.location.path if v.location else None,
            v.location.line if v.location else None,
        )
        for v in errors
    ]
    out.unknown_ops = sorted(
        {m.group(1) for n in result.notes if n.code == "TNN100" for m in [UNKNOWN_OP.search(n.message)] if m}
    )
    out.notes = dict(Counter(n.code for n in result.notes))
    out.has_recurrence = result.recurrence.has_recurrence
    out.trace_method = result.trace_method
    return out


def _child(key: str, conn) -> None:
    """Runs in a process forked from the preloaded server: check one model, send the outcome."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # library warnings and progress bars would garble the table
    os.dup2(devnull, 2)
    try:
        import primer_compat

        primer_compat.allow_torchvision_import()
        models = {m.key: m for m in registry()}
        conn.send(asdict(check_model(models[key])))
    except BaseException as exc:  # noqa: BLE001 - the checker crashing is a finding, not a primer bug
        conn.send({"crash": f"{type(exc).__name__}: {_first_line(str(exc))}"})
    finally:
        conn.close()


# parent: one forked process per model, with a timeout ---------------------------------------


def _outcome_from_dict(d: dict) -> Outcome:
    d = dict(d)
    d["violations"] = [Violation(**v) for v in d.get("violations", [])]
    known = Outcome.__dataclass_fields__
    return Outcome(**{k: v for k, v in d.items() if k in known})


def _blank(model: Model, status: str, error: str, seconds: float) -> Outcome:
    label: Label = model.label
    return Outcome(
        model.library,
        model.name,
        status,
        label.verdict.value,
        sorted(label.rules),
        label.recurrent,
        label.uncertain,
        error=error,
        seconds=seconds,
    )


def _fork_context():
    """A forkserver that has imported torch, the checker and the model libraries once.

    Every model still runs in a process of its own (forked from the server), so a hang or a
    crash loses only that model, but no model pays the ~10 s of imports again.
    """
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["primer_preload"])
    return ctx


def run_one(model: Model, timeout: float) -> Outcome:
    """Check one model in its own process; a run past `timeout` is a hang."""
    ctx = _fork_context()
    receive, send = ctx.Pipe(duplex=False)
    t0 = time.perf_counter()
    proc = ctx.Process(target=_child, args=(model.key, send), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(timeout):
            proc.kill()
            proc.join()
            return _blank(model, Status.HANG, f"no result after {timeout:.0f} s", time.perf_counter() - t0)
        data = receive.recv()
    except EOFError:
        proc.join()
        return _blank(model, Status.CRASH, f"the process died (exit code {proc.exitcode})", time.perf_counter() - t0)
    finally:
        receive.close()
    proc.join()
    elapsed = time.perf_counter() - t0
    if "crash" in data:
        return _blank(model, Status.CRASH, data["crash"], elapsed)
    out = _outcome_from_dict(data)
    out.seconds = elapsed
    return out


def run_many(
    models: list[Model], timeout: float, jobs: int, progress: Callable[[Outcome, int, int], None] | None = None
) -> list[Outcome]:
    done: list[Outcome] = []
    with ThreadPoolExecutor(max_workers=max(1, min(jobs, 2))) as pool:
        for out in pool.map(lambda m: run_one(m, timeout), models):
            done.append(out)
            if progress:
                progress(out, len(done), len(models))
    return done


def select(
    models: Iterable[Model], libraries: list[str] | None = None, patterns: list[str] | None = None
) -> list[Model]:
    chosen = []
    for m in models:
        if libraries and m.library not in libraries:
            continue
        if patterns and not any(fnmatch.fnmatch(m.name, p) or fnmatch.fnmatch(m.key, p) for p in patterns):
            continue
        chosen.append(m)
    return chosen


def interleave(models: list[Model]) -> list[Model]:
    """Cheap models first, then libraries in turn, so a stopped run has covered every library."""
    queues: dict[str, list[Model]] = {}
    for m in sorted(models, key=lambda m: not m.cheap):
        queues.setdefault(m.library, []).append(m)
    order = []
    while any(queues.values()):
        for q in queues.values():
            if q:
                order.append(q.pop(0))
    return order


# report ---------------------------------------------------------------------------------------

COLUMNS = [
    ("models", lambda o: True),
    ("hangs", lambda o: o.status == Status.HANG),
    ("errors", lambda o: o.status in (Status.ERROR, Status.CRASH)),
    ("unknown-op models", lambda o: bool(o.unknown_ops)),
    ("false alarms", lambda o: o.false_alarm),
    ("fail-open", lambda o: o.fail_open),
    ("wrong rule", lambda o: o.wrong_rule),
    ("ff with recurrence", lambda o: o.false_recurrence),
    ("missed recurrence", lambda o: o.missed_recurrence),
    ("no path/line", lambda o: bool(o.lineless)),
]


def table(outcomes: list[Outcome]) -> str:
    libraries = sorted({o.library for o in outcomes})
    head = ["library"] + [c for c, _ in COLUMNS] + ["time (s)"]
    rows = []
    for lib in libraries + ["total"]:
        group = [o for o in outcomes if lib == "total" or o.library == lib]
        rows.append(
            [lib] + [str(sum(1 for o in group if f(o))) for _, f in COLUMNS] + [f"{sum(o.seconds for o in group):.0f}"]
        )
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    fmt = lambda r: "| " + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([fmt(head), sep] + [fmt(r) for r in rows])


def unknown_op_counts(outcomes: list[Outcome]) -> Counter:
    return Counter(op for o in outcomes for op in o.unknown_ops)


def disagreements(outcomes: list[Outcome]) -> list[str]:
    lines = []
    for o in outcomes:
        first = o.violations[0] if o.violations else None
        where = (
            f" at {Path(first.path).name}:{first.line}" if first and first.path else (" (no location)" if first else "")
        )
        msg = f"{first.code}{where}: {first.message}" if first else ""
        tag = " [label uncertain]" if o.uncertain else ""
        label = o.label + (f" {'/'.join(o.label_rules)}" if o.label_rules else "")
        if o.status != Status.OK:
            lines.append(f"{o.status.upper():<17} {o.key}: {o.error}")
            continue
        kinds = [
            ("FALSE ALARM", o.false_alarm),
            ("FAIL-OPEN", o.fail_open),
            ("WRONG RULE", o.wrong_rule),
            ("FF RECURRENCE", o.false_recurrence),
            ("MISSED RECURRENCE", o.missed_recurrence),
        ]
        for kind, hit in kinds:
            if hit:
                got = o.verdict() + (f" {'/'.join(o.rules)}" if o.rules else "")
                lines.append(f"{kind:<17} {o.key}: label {label}, checker {got}{tag}; {msg}".rstrip("; "))
        for v in o.lineless:
            lines.append(f"{'NO PATH/LINE':<17} {o.key}: {v.code} {v.path}:{v.line}: {v.message}")
    return lines


def render(outcomes: list[Outcome]) -> str:
    parts = ["## Per library", "", table(outcomes), ""]
    counts = unknown_op_counts(outcomes)
    parts += ["## Unknown ops (models using each)", ""]
    parts += [f"  {n:4d}  {op}" for op, n in counts.most_common()] or ["  none"]
    parts += ["", "## Disagreements and failures", ""]
    parts += disagreements(outcomes) or ["  none"]
    uncertain = [o for o in outcomes if o.uncertain]
    if uncertain:
        parts += ["", "## Labels marked uncertain", ""]
        parts += [f"  {o.key} ({o.label}): {o.uncertain}" for o in uncertain]
    return "\n".join(parts)


def compare(old: list[Outcome], new: list[Outcome]) -> list[str]:
    """What changed per model between two runs: verdict, rules, unknown ops, recurrence, time."""
    before = {o.key: o for o in old}
    after = {o.key: o for o in new}
    lines = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is None or b is None:
            lines.append(f"{key}: {'added' if a is None else 'removed'}")
            continue
        changes = []
        if a.verdict() != b.verdict():
            changes.append(f"verdict {a.verdict()} -> {b.verdict()} (label {b.label})")
        if a.rules != b.rules:
            changes.append(f"rules {a.rules} -> {b.rules}")
        gained, lost = set(b.unknown_ops) - set(a.unknown_ops), set(a.unknown_ops) - set(b.unknown_ops)
        if gained or lost:
            changes.append(
                "unknown ops" + (f" +{sorted(gained)}" if gained else "") + (f" -{sorted(lost)}" if lost else "")
            )
        if a.has_recurrence != b.has_recurrence:
            changes.append(f"recurrence {a.has_recurrence} -> {b.has_recurrence}")
        if (a.status, a.error) != (b.status, b.error) and b.status != Status.OK:
            changes.append(f"{b.status}: {b.error}")
        if a.check_seconds and b.check_seconds and abs(b.check_seconds - a.check_seconds) > 1.0:
            ratio = b.check_seconds / a.check_seconds
            if ratio > 1.5 or ratio < 1 / 1.5:
                changes.append(f"check time {a.check_seconds:.1f}s -> {b.check_seconds:.1f}s ({ratio:.2f}x)")
        if changes:
            lines.append(f"{key}: " + "; ".join(changes))
    return lines


def save(outcomes: list[Outcome], path: Path, argv: list[str]) -> None:
    import importlib.metadata as md

    versions = {}
    for dist in [
        "torch",
        "torchvision",
        "timm",
        "transformers",
        "x-transformers",
        "vit-pytorch",
        "ncps",
        "minGRU-pytorch",
        "sru",
    ]:
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    data = {
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python benchmarks/primer.py " + " ".join(argv),
        "versions": versions,
        "results": [asdict(o) for o in sorted(outcomes, key=lambda o: o.key)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1) + "\n")


def load(path: Path) -> list[Outcome]:
    return [_outcome_from_dict(d) for d in json.loads(Path(path).read_text())["results"]]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument(
        "--library",
        action="append",
        help="only this library (repeatable): " + ", ".join(sorted({m.library for m in registry()})),
    )
    p.add_argument(
        "--model", action="append", help="only models whose name or library/name matches this glob (repeatable)"
    )
    p.add_argument(
        "--timeout", type=float, default=120.0, help="seconds per model before it counts as a hang (default 120)"
    )
    p.add_argument("--jobs", type=int, default=2, help="worker processes, at most 2 (default 2)")
    p.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        help=f"where to write results (default {DEFAULT_JSON.relative_to(HERE.parent)})",
    )
    p.add_argument("--compare", type=Path, help="an earlier results JSON: print what changed per model")
    p.add_argument("--list", action="store_true", help="list the selected models with their labels and exit")
    args = p.parse_args(argv)
    models = select(registry(), args.library, args.model)
    if not models:
        print("no models match the selection", file=sys.stderr)
        return 2
    if args.list:
        for m in models:
            lab = m.label
            rules = "/".join(sorted(lab.rules))
            print(
                f"{m.key:<50} {lab.verdict.value:<6} {rules:<15} rec={'yes' if lab.recurrent else 'no':<3} {'UNCERTAIN ' if lab.uncertain else ''}{lab.why}"
            )
        return 0
    if args.compare and not args.compare.exists():
        print(f"--compare: no such file {args.compare}", file=sys.stderr)
        return 2

    def progress(o: Outcome, i: int, n: int) -> None:
        extra = f" {'/'.join(o.rules)}" if o.rules else ""
        unk = f" unknown={len(o.unknown_ops)}" if o.unknown_ops else ""
        print(
            f"[{i:3d}/{n}] {o.key:<50} {o.verdict():<6}{extra:<10} label={o.label:<6} {o.seconds:6.1f}s{unk}",
            file=sys.stderr,
            flush=True,
        )

    done: list[Outcome] = []

    def progress_and_save(o: Outcome, i: int, n: int) -> None:
        progress(o, i, n)
        done.append(o)
        save(done, args.json, argv)  # a stopped run keeps what it finished

    t0 = time.perf_counter()
    outcomes = run_many(interleave(models), args.timeout, args.jobs, progress_and_save)
    print(render(outcomes))
    print(
        f"\n{len(outcomes)} models in {time.perf_counter() - t0:.0f} s wall ({args.jobs} jobs, timeout {args.timeout:.0f} s)"
    )
    if args.compare:
        changes = compare(load(args.compare), outcomes)
        print(f"\n## Changes against {args.compare}\n")
        print("\n".join(changes) if changes else "  no changes")
    print(f"results written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
