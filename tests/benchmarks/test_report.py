"""Benchmark reports: aggregates, torn logs, escaping, self-containment, published comparison, replay columns."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from benchmarks.published import PUBLISHED, Metric, published_for
from benchmarks.report import (
    ReportError,
    add_report_parser,
    build_report,
    render_html,
    render_markdown,
    write_report,
)
from benchmarks.types import (
    AnswerStatus,
    ErrorCategory,
    ItemRecord,
    Prediction,
    PredictionStatus,
    RunSpec,
    SampleRecord,
    Score,
)

EVIL = '</details></pre><script>alert("pwned")</script><img src=x onerror=alert(1)>'


def _run(outcome: str = "ok", objective: float | None = None, error: str = "") -> dict[str, Any]:
    solves = [] if objective is None else [{"termination": "optimal", "objective_value": objective, "solver": "highs"}]
    return {"outcome": outcome, "wall_time_s": 0.4, "solves": solves, "error": error}


def _sample(
    status: PredictionStatus,
    score: Score | None,
    objective: float | None = None,
    *,
    index: int = 0,
    completion: str = "We model ... ```python\nimport pyomo\n```",
    program: str = "import pyomo.environ as pyo\n",
    outcome: str = "ok",
    error: str = "",
    repairs: int = 0,
) -> SampleRecord:
    return SampleRecord(
        index=index,
        completion=completion,
        program=program,
        dialect="pyomo",
        code_run=_run(outcome, objective, error),
        prediction=Prediction(status=status, objective=objective, detail=error),
        score=score,
        repair_rounds=repairs,
    )


def _score(
    passed: bool, strict: bool, category: ErrorCategory, expected: float | None, predicted: float | None, **kw: Any
) -> Score:
    return Score(
        preset=kw.pop("preset", "sirl"),
        passed=passed,
        strict=strict,
        category=category,
        expected=expected,
        predicted=predicted,
        **kw,
    )


def _record(item_id: str, suite: str, answer: float | None, sample: SampleRecord | None, **kw: Any) -> ItemRecord:
    samples = (sample,) if sample is not None else ()
    return ItemRecord(
        item_id=item_id,
        suite=suite,
        question=kw.pop("question", f"A factory makes chairs and tables ({item_id}). Maximize profit."),
        answer=answer,
        samples=samples,
        final=sample,
        score=sample.score if sample is not None else kw.pop("score", None),
        prompt_tokens=kw.pop("prompt_tokens", 300),
        completion_tokens=kw.pop("completion_tokens", 500),
        latency_s=kw.pop("latency_s", 2.0),
        **kw,
    )


def _records() -> list[ItemRecord]:
    c = ErrorCategory
    s = PredictionStatus
    return [
        _record(
            "industryor-0001",
            "industryor",
            10.0,
            _sample(s.SOLVED, _score(True, True, c.CORRECT, 10.0, 10.0), 10.0),
            extras={"difficulty": "Easy", "type": "LP"},
        ),
        _record(
            "industryor-0002",
            "industryor",
            7.0,
            _sample(s.SOLVED, _score(True, False, c.CORRECT, 7.0, 7.0, fallback="sirl_type_flip"), 6.5, repairs=2),
            extras={"difficulty": "Hard", "type": "IP"},
        ),
        _record(
            "industryor-0003",
            "industryor",
            100.0,
            _sample(
                s.SOLVED,
                _score(False, False, c.WRONG_OBJECTIVE, 100.0, 90.0, detail=EVIL),
                90.0,
                completion=EVIL * 3,
                program=f"print('{EVIL}')",
            ),
            question=f"Question with markup {EVIL} | pipe * star",
            extras={"difficulty": "Hard", "type": "IP"},
        ),
        _record(
            "industryor-0004",
            "industryor",
            5.0,
            _sample(
                s.ERROR,
                _score(False, False, c.RUNTIME_ERROR, 5.0, None),
                None,
                outcome="runtime_error",
                error=f"Traceback ... NameError: {EVIL}",
                repairs=1,
            ),
            extras={"difficulty": "Easy", "type": "LP"},
        ),
        _record("industryor-0005", "industryor", 3.0, None, error="LLM endpoint failed after 5 retries", latency_s=0.0),
        _record(
            "industryor-0006",
            "industryor",
            None,
            None,
            answer_status=AnswerStatus.PLACEHOLDER,
            score=_score(False, False, c.UNSCORABLE, None, None),
        ),
        _record(
            "nl4opt_original-0001",
            "nl4opt_original",
            42.0,
            _sample(s.SOLVED, _score(True, True, c.CORRECT, 42.0, 42.0), 42.0),
        ),
        _record(
            "nl4opt_original-0002",
            "nl4opt_original",
            8.0,
            _sample(s.TIMEOUT, _score(False, False, c.TIMEOUT, 8.0, None), None, outcome="timeout"),
        ),
    ]


def _spec(**kw: Any) -> RunSpec:
    return RunSpec(
        run_id=kw.pop("run_id", "run-test"),
        suites=kw.pop("suites", {"industryor": "756549264386", "nl4opt_original": "0123456789ab"}),
        llm=kw.pop("llm", "openai/gpt-4o"),
        preset=kw.pop("preset", "sirl"),
        parameters={"temperature": 0.0, "max_tokens": 4096},
        packages={"optagent": "0.1.0", "highspy": "1.7.2"},
        git_revision="81b607f",
        created="2025-01-01T00:00:00Z",
        **kw,
    )


def make_run(root: Path, records: Sequence[ItemRecord], spec: RunSpec | None = None, tail: str = "") -> Path:
    """A run directory as the runner writes it: spec.json and records.jsonl (plus an optional raw tail)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "spec.json").write_text(json.dumps((spec or _spec()).to_dict()), encoding="utf-8")
    lines = "".join(json.dumps(r.to_dict()) + "\n" for r in records)
    (root / "records.jsonl").write_text(lines + tail, encoding="utf-8")
    return root


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    return make_run(tmp_path / "run", _records())


def test_aggregates(run_dir: Path) -> None:
    report = build_report(run_dir)
    suites = {s.suite: s for s in report.suites}
    assert list(suites) == ["industryor", "nl4opt_original"]
    ind = suites["industryor"]
    assert ind.version == "756549264386"
    assert (ind.items, ind.scorable, ind.unscorable, ind.infra_errors) == (6, 5, 1, 1)
    # passes: 0001 (strict) and 0002 (fallback only); every item is in the denominator (as in the papers): the
    # infra error and the unscorable item count as failures
    assert (ind.passed.hits, ind.passed.total) == (2, 6)
    assert (ind.strict.hits, ind.strict.total) == (1, 6)
    assert ind.fallback_passes == 1 and dict(ind.fallbacks) == {"sirl_type_flip": 1}
    assert (ind.executed.hits, ind.executed.total) == (3, 4)
    assert ind.mean_repair_rounds == pytest.approx(3 / 6)
    assert ind.pass_at_k is None and ind.sample_pass_at_1 is None
    assert dict(ind.categories) == {
        "correct": 2,
        "wrong_objective": 1,
        "runtime_error": 1,
        "infra_error": 1,
        "unscorable": 1,
    }
    assert ind.mean_latency_s == pytest.approx(2.0)
    nl = suites["nl4opt_original"]
    assert (nl.passed.hits, nl.passed.total, nl.categories.get("timeout")) == (1, 2, 1)
    assert report.total is not None and (report.total.passed.hits, report.total.passed.total) == (3, 8)
    # groups are prefixed with the suite when several suites share the report
    diff = {g.label: (g.passed.hits, g.passed.total, g.strict.hits) for g in report.by_difficulty}
    assert diff == {"industryor · Easy": (1, 2, 1), "industryor · Hard": (1, 2, 0)}
    types = {g.label: g.items for g in report.by_type}
    assert types == {"industryor · IP": 2, "industryor · LP": 2}
    md = render_markdown(report)
    assert "| industryor | 756549264386 | 6 | 1 | 33.3 (2/6) | 16.7 (1/6) | 1 (sirl\\_type\\_flip 1) |" in md
    assert "| suite | version | items | unscorable |" in md and "divides by all the items" in md


def test_aggregates_agree_with_metrics_summarize(run_dir: Path) -> None:
    metrics = pytest.importorskip("benchmarks.metrics")
    summary = metrics.summarize(ItemRecord.from_dict(json.loads(line)) for line in (run_dir / "records.jsonl").open())
    theirs = summary.get("suites", {}).get("industryor", {})
    if "accuracy" not in theirs:
        pytest.skip("benchmarks.metrics.summarize has other keys")
    ours = {s.suite: s for s in build_report(run_dir).suites}["industryor"]
    assert ours.passed.pct == pytest.approx(100 * theirs["accuracy"])
    assert ours.strict.pct == pytest.approx(100 * theirs["strict_accuracy"])
    assert ours.fallback_passes == theirs["fallback_passes"]


def test_strict_preset_and_unknown_preset(run_dir: Path) -> None:
    report = build_report(run_dir, preset="strict")
    ind = {s.suite: s for s in report.suites}["industryor"]
    assert (ind.passed.hits, ind.strict.hits, ind.fallback_passes) == (1, 1, 0)
    view = next(v for v in report.items if v.record.item_id == "industryor-0002")
    assert view.category == "wrong_objective"
    with pytest.raises(ReportError, match="no score under 'orlm'"):
        build_report(run_dir, preset="orlm")


def test_multi_sample_columns(tmp_path: Path) -> None:
    c, s = ErrorCategory, PredictionStatus
    good = _score(True, True, c.CORRECT, 1.0, 1.0)
    bad = _score(False, False, c.WRONG_OBJECTIVE, 1.0, 2.0)
    samples = (_sample(s.SOLVED, bad, 2.0, index=0), _sample(s.SOLVED, good, 1.0, index=1))
    rec = ItemRecord("nl4opt-0001", "nl4opt", answer=1.0, samples=samples, final=samples[0], score=bad, pass_at_k=True)
    report = build_report(make_run(tmp_path / "r", [rec], _spec(suites={"nl4opt": "v"}, samples=2)))
    (suite,) = report.suites
    assert suite.pass_at_k is not None and suite.pass_at_k.hits == 1
    assert suite.sample_pass_at_1 == pytest.approx(50.0)
    assert suite.passed.hits == 0
    md = render_markdown(report)
    assert "self-consistency (sirl)" in md and "pass@k" in md


def test_torn_last_line_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    records = _records()
    torn = json.dumps(records[0].to_dict())[:57]
    run = make_run(tmp_path / "torn", records[1:], tail=torn)
    report = build_report(run)
    assert len(report.items) == len(records) - 1
    assert any("incomplete" in w for w in report.warnings)
    assert "incomplete" in caplog.text
    assert "incomplete" in render_html(report)


def test_errors(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="no such run directory"):
        build_report(tmp_path / "missing")
    (tmp_path / "nospec").mkdir()
    with pytest.raises(ReportError, match="no spec.json"):
        build_report(tmp_path / "nospec")
    empty = make_run(tmp_path / "empty", [])
    with pytest.raises(ReportError, match="no records"):
        build_report(empty)
    only_torn = make_run(tmp_path / "torn", [], tail='{"item_id": "x", "sui')
    with pytest.raises(ReportError, match="no records"):
        build_report(only_torn)
    with pytest.raises(ReportError, match="format"):
        write_report(make_run(tmp_path / "ok", _records()), formats=("pdf",))


class _Nesting(HTMLParser):
    """Checks that container elements nest properly: an unescaped ``</details>`` in a record would break this."""

    CONTAINERS = {"details", "summary", "section", "pre", "table", "div", "svg", "script", "style", "ul", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.scripts = 0
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script":
            self.scripts += 1
        if tag in ("img", "iframe", "object", "embed", "link") or any(k.startswith("on") for k, _ in attrs):
            self.problems.append(f"<{tag} {attrs}>")
        if tag in self.CONTAINERS:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.CONTAINERS:
            if not self.stack or self.stack[-1] != tag:
                self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            else:
                self.stack.pop()


def test_escaping(run_dir: Path) -> None:
    report = build_report(run_dir)
    page = render_html(report)
    checker = _Nesting()
    checker.feed(page)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert checker.scripts == 1  # ours, at the end
    assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in page
    assert "&lt;/details&gt;" in page
    md = render_markdown(report)
    assert "<script" not in md and "</details>" not in md and "<img" not in md
    assert "&lt;script&gt;" in md


def test_html_is_self_contained(run_dir: Path) -> None:
    page = render_html(build_report(run_dir))
    assert not re.search(r"https?:|//[a-z]", page, re.I)  # no URL at all: nothing fetched from the network
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:|//)""", page, re.I)
    assert "@import" not in page and "url(" not in page and "<link" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    assert page.count("<svg") >= 4  # accuracy by suite, difficulty, type, taxonomy (+ latency, tokens)
    # the page works without JS: the filter is hidden until the script shows it, every item is a <details>
    assert '<div id="filter" hidden>' in page
    assert page.count('<details class="item"') == len(_records())


def test_published_comparison_only_matching_variants(tmp_path: Path) -> None:
    run = make_run(
        tmp_path / "ind", [r for r in _records() if r.suite == "industryor"], _spec(suites={"industryor": "v"})
    )
    report = build_report(run)
    (comparison,) = report.comparisons
    assert comparison.suite == "industryor"
    assert {r.source.key for r in comparison.published} == {"sirl"}
    page, md = render_html(report), render_markdown(report)
    for text in (page, md):
        assert "SIRL-32B-Gurobi" in text and "48.0" in text
        assert "ORLM-Mistral-7B" not in text  # ORLM measured the 2024 release (industryor_original)
        assert "LLMOPT README" not in text
        assert "same rule (sirl)" in text
    orig = build_report(make_run(tmp_path / "orig", _records()))
    by_suite = {c.suite: c for c in orig.comparisons}
    assert {r.source.key for r in by_suite["nl4opt_original"].published} == {"orlm"}
    assert "different rule: theirs orlm, ours sirl" in render_markdown(orig)
    assert published_for("industryor_llmopt_v1") == []
    assert {r.suite for r in published_for("mamo_complex_llmopt")} == {"mamo_complex_llmopt"}
    no_match = build_report(make_run(tmp_path / "none", _records()[:1], _spec(suites={"complexor_llm4or": "v"})))
    assert "No published numbers" in render_markdown(no_match) or no_match.comparisons


def test_published_table_transcription() -> None:
    def value(source: str, system: str, suite: str, setting: str = "") -> float:
        (row,) = [
            r
            for r in PUBLISHED
            if r.source.key == source
            and r.system == system
            and r.suite == suite
            and r.setting == setting
            and r.metric is Metric.ACCURACY
        ]
        return row.value

    assert value("sirl", "SIRL-32B-COPT", "mamo_complex") == 72.4
    assert value("orlm", "ORLM-LLaMA-3-8B", "industryor_original") == 38.0
    assert value("llmopt", "LLMOPT-Qwen2.5-14B", "mamo_complex_llmopt", "with self-correction") == 85.78
    assert value("llmopt", "LLMOPT-Qwen2.5-14B", "industryor_llmopt", "without self-correction") == 29.0
    assert all(r.source.preset in ("sirl", "orlm", None) for r in PUBLISHED)
    assert next(r for r in PUBLISHED if r.system == "GPT-4" and r.source.key == "sirl").copied


def test_replay_named_score_columns(tmp_path: Path) -> None:
    c, s = ErrorCategory, PredictionStatus
    records = []
    # 4 items; recorded/orlm passes 3, recorded/strict 2, reexec/orlm 4, reexec/strict 2
    outcomes = [
        (True, True, True, True),
        (True, False, True, False),
        (True, True, True, True),
        (False, False, True, False),
    ]
    for i, (ro, rs, xo, xs) in enumerate(outcomes, 1):

        def named(passed: bool, preset: str) -> dict[str, Any]:
            cat = c.CORRECT if passed else c.WRONG_OBJECTIVE
            return _score(passed, passed if preset == "strict" else False, cat, 1.0, 1.0, preset=preset).to_dict()

        scores = {
            "recorded/orlm": named(ro, "orlm"),
            "recorded/strict": named(rs, "strict"),
            "reexec/orlm": named(xo, "orlm"),
            "reexec/strict": named(xs, "strict"),
        }
        main = _score(ro, rs, c.CORRECT if ro else c.WRONG_OBJECTIVE, 1.0, 1.0, preset="orlm")
        records.append(
            _record(
                f"nl4opt_original-{i:04d}",
                "nl4opt_original",
                1.0,
                _sample(s.SOLVED, main, 1.0),
                extras={"scores": scores},
            )
        )
    # a placeholder ground truth: unscorable under every name, and in the named denominators as a failure
    unscorable = _score(False, False, c.UNSCORABLE, None, None, preset="orlm").to_dict()
    records.append(
        _record(
            "nl4opt_original-0005",
            "nl4opt_original",
            None,
            None,
            answer_status=AnswerStatus.PLACEHOLDER,
            score=Score.from_dict(unscorable),
            extras={
                "scores": dict.fromkeys(
                    ("recorded/orlm", "recorded/strict", "reexec/orlm", "reexec/strict"), unscorable
                )
            },
        )
    )
    spec = _spec(suites={"nl4opt_original": "v"}, preset="orlm", kind="replay", llm="replay/orlm")
    run = make_run(tmp_path / "replay", records, spec)
    report = build_report(run)
    assert report.score_names == ("recorded/orlm", "recorded/strict", "reexec/orlm", "reexec/strict")
    (suite,) = report.suites
    assert [n.passed.hits for n in suite.named] == [3, 2, 4, 2]
    md = render_markdown(report)
    assert "| suite | recorded/orlm | recorded/strict | reexec/orlm | reexec/strict |" in md
    assert "| nl4opt\\_original | 60.0 (3/5) | 40.0 (2/5) | 80.0 (4/5) | 40.0 (2/5) |" in md
    # the primary column divides by every item, like the named scores and the papers
    assert (suite.passed.hits, suite.passed.total) == (3, 5) and suite.unscorable == 1
    page = render_html(report)
    assert "reexec/orlm (orlm)" in page
    # the comparison with ORLM's README uses our score under ORLM's rule
    assert "same rule (orlm)" in md
    # --preset picks a named score as the primary column
    rex = build_report(run, preset="reexec/orlm")
    assert rex.label == "reexec/orlm" and rex.suites[0].passed.hits == 4
    with pytest.raises(ReportError, match="no score under 'optmath'"):
        build_report(run, preset="optmath")


def test_write_report_and_cli(run_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = write_report(run_dir, tmp_path / "out")
    assert [p.name for p in paths] == ["report.md", "report.html"]
    assert "report.html#item-industryor-0003" in paths[0].read_text()
    assert 'id="item-industryor-0003"' in paths[1].read_text()
    parser = argparse.ArgumentParser()
    add_report_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["report", str(run_dir), "--format", "html"])
    assert args.func(args) == 0
    assert (run_dir / "report.html").is_file() and not (run_dir / "report.md").exists()
    args = parser.parse_args(["report", str(tmp_path / "nope")])
    assert args.func(args) == 2
    assert "no such run directory" in capsys.readouterr().err


def _big_run(root: Path, n: int = 2000) -> Path:
    c, s = ErrorCategory, PredictionStatus
    completion = ("Let x be the number of chairs. " * 40 + "\n") * 12  # ~15 kB
    program = "import pyomo.environ as pyo\nm = pyo.ConcreteModel()\n" + "m.c%d = pyo.Constraint(expr=1 <= 2)\n" * 150
    records = []
    for i in range(n):
        ok = i % 3 != 0
        cat = c.CORRECT if ok else [c.WRONG_OBJECTIVE, c.RUNTIME_ERROR, c.INFEASIBLE, c.NO_CODE][i % 4]
        score = _score(ok, ok and i % 7 != 0, cat, float(i), float(i) if ok else float(i + 1))
        sample = _sample(s.SOLVED, score, float(i), completion=completion, program=program)
        suite = ["nl4opt", "mamo_easy", "industryor"][i % 3]
        records.append(
            _record(
                f"{suite}-{i:04d}",
                suite,
                float(i),
                sample,
                extras={"difficulty": ["easy", "medium", "hard"][i % 3], "problem_type": ["LP", "MILP"][i % 2]},
                question="Long question. " * 120,
                latency_s=1.0 + (i % 50) / 10,
                completion_tokens=800 + i % 400,
            )
        )
    return make_run(root, records, _spec(suites={"nl4opt": "a", "mamo_easy": "b", "industryor": "c"}))


def test_large_run_is_fast_and_small(tmp_path: Path) -> None:
    run = _big_run(tmp_path / "big")
    start = time.perf_counter()
    paths = write_report(run)
    elapsed = time.perf_counter() - start
    sizes = {p.name: p.stat().st_size for p in paths}
    assert elapsed < 20, elapsed  # a few seconds in practice; generous for slow CI machines
    assert sizes["report.html"] < 15_000_000, sizes
    assert "truncated:" in paths[1].read_text()


@pytest.mark.slow
def test_html_in_headless_browser(run_dir: Path, tmp_path: Path) -> None:
    """Opens the page in Chromium: no network request, no console error, no injected script ran, the filter works."""
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("no /usr/bin/chromium")
    (page_path,) = write_report(run_dir, tmp_path, ("html",))
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(chromium))
        page = browser.new_page()
        requests: list[str] = []
        errors: list[str] = []
        dialogs: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_path.as_uri())
        assert requests == [page_path.as_uri()]
        assert not dialogs and not errors
        assert page.is_visible("#filter")
        page.select_option("#f-cat", "wrong_objective")
        assert page.is_hidden("#cat-correct") and page.is_visible("#cat-wrong_objective")
        browser.close()


def test_replayed_file_is_matched_to_its_registry_suite(tmp_path: Path) -> None:
    rec = _records()[0]
    rec = ItemRecord.from_dict(
        {**rec.to_dict(), "suite": "IndustryOR.q2mc_en.X", "extras": {"suite_item": "industryor_original-0001"}}
    )
    report = build_report(make_run(tmp_path / "r", [rec], _spec(suites={"IndustryOR.q2mc_en.X": "v"})))
    (comparison,) = report.comparisons
    assert comparison.variant == "industryor_original"
    assert {r.source.key for r in comparison.published} == {"orlm"}


def test_replay_report_headline_equals_named_scores_and_names_the_rule(tmp_path: Path) -> None:
    """A strict replay report: one strict column (not two), the headline equal to the named strict score over every
    item, and the published ORLM row compared with our orlm named score, called the same rule (not 'different')."""
    c, s = ErrorCategory, PredictionStatus
    records = []
    for i, passed in enumerate((True, True, False), 1):
        cat = c.CORRECT if passed else c.WRONG_OBJECTIVE
        strict = _score(passed, passed, cat, 1.0, 1.0, preset="strict")
        scores = {"recorded/orlm": _score(passed, passed, cat, 1.0, 1.0, preset="orlm").to_dict()}
        scores["reexec/strict"] = strict.to_dict()
        sample = _sample(s.SOLVED, strict, 1.0)
        records.append(_record(f"nl4opt_original-{i:04d}", "nl4opt_original", 1.0, sample, extras={"scores": scores}))
    unscorable = _score(False, False, c.UNSCORABLE, None, None, preset="strict")
    records.append(
        _record(
            "nl4opt_original-0004",
            "nl4opt_original",
            None,
            None,
            answer_status=AnswerStatus.PLACEHOLDER,
            score=unscorable,
            extras={"scores": dict.fromkeys(("recorded/orlm", "reexec/strict"), unscorable.to_dict())},
        )
    )
    spec = _spec(suites={"nl4opt_original": "v"}, preset="strict", kind="replay", llm="recorded/x")
    report = build_report(make_run(tmp_path / "r", records, spec))
    (suite,) = report.suites
    assert (suite.passed.hits, suite.passed.total, suite.unscorable) == (2, 4, 1)
    assert [(n.name, n.passed.hits, n.passed.total) for n in suite.named] == [
        ("recorded/orlm", 2, 4),
        ("reexec/strict", 2, 4),
    ]
    md, page = render_markdown(report), render_html(report)
    assert "| suite | version | items | unscorable | pass@1 (strict) | fallback passes |" in md
    assert "pass@1 (strict) | pass@1 (strict)" not in md and "| group | items | strict | strict |" not in md
    assert "This run: 50.0 (2/4) under strict, execution rate" in md
    assert "1 of the 4 items have no usable ground truth" in md
    for text in (md, page):
        assert "same rule (orlm), our score recorded/orlm" in text
        assert "different rule: theirs orlm" not in text


def test_chart_labels_fit_the_label_column_with_their_notes() -> None:
    """Long suite names (a replay's file names) are clipped so label + "(n=…)" stays inside the 220 px column."""
    import re as _re

    from benchmarks.plots import Series, grouped_bars, stacked_bars

    name = "MAMO.ComplexLP.q2mc_en.ORLM-LLaMA-3-8B"
    grouped = grouped_bars("accuracy", [name], [Series("strict", [33.2])], notes=["n=211"])
    stacked = stacked_bars("errors", [name], [Series("correct", [70.0]), Series("wrong", [141.0])])
    for svg, note in ((grouped, "(n=211)"), (stacked, "(n=211)")):
        (label,) = [t for t in _re.findall(r'text-anchor="end">([^<]*)</text>', svg) if note in t]
        assert label.startswith("MAMO.ComplexLP") and label.endswith(note)
        assert len(label) <= 28
