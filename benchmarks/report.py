"""Benchmark reports: a run directory read back into numbers, plots and a per-item drill-down (Markdown and HTML).

A run directory holds ``spec.json`` (:meth:`RunSpec.to_dict`) and ``records.jsonl`` (one :meth:`ItemRecord.to_dict`
per line, append-only). :func:`build_report` turns it into a :class:`Report` (plain data: per-suite summaries,
groupings, the published numbers for the same suite variants, one :class:`ItemView` per record);
:func:`render_markdown` and :func:`render_html` present it; :func:`write_report` does both into files and
:func:`add_report_parser` is ``optagent bench report``.

Design choices, and why:

- The report computes every number it shows from the records itself, instead of trusting aggregates written by
  the runner, so an old log, a replay log and a half-finished (resumed) log are all reported the same way.
- The preset and strict are always side by side, and passes that only a fallback (SIRL's type-flip retry, ...)
  earned are counted apart: a headline number must say how lenient it is (ANCHORS.md §7).
- Records are untrusted: completions and programs are LLM output. Everything from a record is HTML-escaped (and
  Markdown-escaped in the Markdown report); the HTML page also carries a Content-Security-Policy that allows only its
  own inline script (by hash) and inline styles, so even an escaping slip could not run code or fetch anything.
- The HTML page is self-contained (inline CSS, inline SVG from :mod:`benchmarks.plots`, a few lines of inline JS for
  the category filter): it opens offline and can be attached to an issue. Without JS every item is still shown,
  as native ``<details>`` rows grouped by category with an index of links.
- Long texts in the drill-down are clipped with a note pointing at the record's line in ``records.jsonl``, with a
  budget that shrinks as the run grows, so 2,000 items with long completions stay a few megabytes.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import html
import json
import logging
import math
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.plots import Series, grouped_bars, histogram, stacked_bars
from benchmarks.published import Metric, PublishedResult, published_for
from benchmarks.types import (
    AnswerStatus,
    ErrorCategory,
    ItemRecord,
    PredictionStatus,
    RunSpec,
    SampleRecord,
    Score,
)

__all__ = [
    "Comparison",
    "Fraction",
    "GroupSummary",
    "ItemView",
    "NamedScoreSummary",
    "Report",
    "ReportError",
    "SuiteSummary",
    "add_report_parser",
    "build_report",
    "render_html",
    "render_markdown",
    "write_report",
]

log = logging.getLogger(__name__)

FORMATS = ("md", "html")
INFRA_ERROR = "infra_error"
"""Category of a record the run could not score for an infrastructure reason (the LLM endpoint failed)."""
NOT_SCORED = "not_scored"
"""Category of a record with a scorable ground truth but no score and no error (should not happen; shown anyway)."""

_CATEGORY_ORDER = (
    ErrorCategory.WRONG_OBJECTIVE.value,
    ErrorCategory.INFEASIBLE.value,
    ErrorCategory.NO_ANSWER.value,
    ErrorCategory.RUNTIME_ERROR.value,
    ErrorCategory.TIMEOUT.value,
    ErrorCategory.NO_CODE.value,
    INFRA_ERROR,
    NOT_SCORED,
    ErrorCategory.UNSCORABLE.value,
    ErrorCategory.CORRECT.value,
)
_CATEGORY_LABELS = {
    ErrorCategory.CORRECT.value: "correct",
    ErrorCategory.NO_CODE.value: "no code",
    ErrorCategory.RUNTIME_ERROR.value: "runtime error",
    ErrorCategory.INFEASIBLE.value: "infeasible",
    ErrorCategory.WRONG_OBJECTIVE.value: "wrong objective",
    ErrorCategory.TIMEOUT.value: "timeout",
    ErrorCategory.NO_ANSWER.value: "no answer",
    ErrorCategory.UNSCORABLE.value: "unscorable",
    INFRA_ERROR: "infrastructure error",
    NOT_SCORED: "not scored",
}
_CATEGORY_COLORS = {
    ErrorCategory.CORRECT.value: "#5a9e4b",
    ErrorCategory.WRONG_OBJECTIVE.value: "#d9822b",
    ErrorCategory.INFEASIBLE.value: "#8a63b8",
    ErrorCategory.NO_ANSWER.value: "#c9b037",
    ErrorCategory.RUNTIME_ERROR.value: "#b6443b",
    ErrorCategory.TIMEOUT.value: "#2a9d8f",
    ErrorCategory.NO_CODE.value: "#6f6f6f",
    INFRA_ERROR: "#333333",
    NOT_SCORED: "#aaaaaa",
    ErrorCategory.UNSCORABLE.value: "#cccccc",
}
_RAN = {
    PredictionStatus.SOLVED,
    PredictionStatus.INFEASIBLE,
    PredictionStatus.UNBOUNDED,
    PredictionStatus.NO_OBJECTIVE,
}
"""Prediction statuses of a program that ran to its end: the numerator of the execution rate."""
_TYPE_KEYS = ("problem_type", "type", "category")
_TEXT_BUDGET = 6_000_000
"""Characters of record text the HTML drill-down may hold in all; the per-field limit is derived from it."""
_MAX_MD_FAILURES = 1000
_RESULTS_NOTE = (
    "Every accuracy divides by all the items, as the published numbers divide by the whole suite: an item whose "
    "ground truth is a placeholder or missing (the *unscorable* column) can never pass and counts as a failure, and "
    "so do items the run failed on (*infra errors*)."
)
_FALLBACK_NOTE = (
    " Fallback passes are passes under {label} that only a fallback earned: included in its column, excluded from "
    "strict."
)
_NAMED_NOTE = (
    "Named scores (a replay's recorded and re-executed verdicts) divide by every record that carries them, "
    "unscorable ground truths included as failures, like the results above, the papers and `optagent bench replay`."
)


class ReportError(Exception):
    """The run directory cannot be reported (missing, no spec, no records); the message says which and where."""


@dataclass(frozen=True, slots=True)
class Fraction:
    """``hits`` out of ``total``; the report always shows both, so 100 % of 3 items reads as such."""

    hits: int
    total: int

    @property
    def pct(self) -> float | None:
        """Percent, or None when ``total`` is 0."""
        return 100.0 * self.hits / self.total if self.total else None


@dataclass(frozen=True, slots=True)
class NamedScoreSummary:
    """One named score of a replay record (``extras["scores"][name]``) counted over a suite."""

    name: str
    preset: str
    passed: Fraction
    strict: Fraction


@dataclass(frozen=True, slots=True)
class SuiteSummary:
    """The numbers of one suite (or of all suites together, ``suite == "all"``)."""

    suite: str
    version: str
    items: int
    """Every record of the suite: the denominator of every accuracy, as in the papers."""
    scorable: int
    """Items with a scorable ground truth (a number or a reliable infeasible label)."""
    unscorable: int
    """Items with a placeholder or missing ground truth: in the denominator, as failures, and shown apart."""
    infra_errors: int
    passed: Fraction
    """The primary score (the run's preset, or ``--preset``) over all items: pass@1, or self-consistency with
    several samples."""
    strict: Fraction
    fallback_passes: int
    """Passes under the preset that only a fallback earned (counted in ``passed``, shown apart)."""
    fallbacks: Mapping[str, int]
    sample_pass_at_1: float | None
    """Percent: mean over all items of (correct samples / samples), the unbiased pass@1 estimate; None with one
    sample per item."""
    pass_at_k: Fraction | None
    """Items where some sample is correct (``ItemRecord.pass_at_k``); None with one sample per item."""
    executed: Fraction
    """Samples whose program ran to its end with a solve call, over all samples (LLMOPT's "execution rate")."""
    mean_repair_rounds: float | None
    """Mean over items of the most repair rounds any of its samples took."""
    categories: Mapping[str, int]
    named: tuple[NamedScoreSummary, ...]
    mean_prompt_tokens: float | None
    mean_completion_tokens: float | None
    mean_latency_s: float | None
    p50_latency_s: float | None
    p90_latency_s: float | None


@dataclass(frozen=True, slots=True)
class GroupSummary:
    """Accuracy of the items sharing one value of an ``extras`` key (difficulty, problem type)."""

    key: str
    label: str
    items: int
    passed: Fraction
    strict: Fraction


@dataclass(frozen=True, slots=True)
class Comparison:
    """The published numbers for one suite the run scored, with ours next to them."""

    suite: str
    ours: SuiteSummary
    published: tuple[PublishedResult, ...]
    ours_by_preset: Mapping[str, Fraction]
    """Our accuracy under each preset the records carry (primary, named scores, strict), over every item of the
    suite as the published numbers count."""
    ours_source: Mapping[str, str] = field(default_factory=dict)
    """For each preset of ``ours_by_preset``, the score it comes from (the primary label, ``strict`` or a named
    score such as ``recorded/orlm``)."""
    variant: str = ""
    """The registry suite the published rows were matched on (differs from ``suite`` for a replay of a file)."""


@dataclass(frozen=True, slots=True)
class ItemView:
    """One record as the report shows it: the record, its primary score and named scores, its category."""

    record: ItemRecord
    line: int
    """1-based line of ``records.jsonl``: where the full, unclipped texts are."""
    score: Score | None
    named: Mapping[str, Score]
    category: str
    anchor: str
    """HTML id of the item's drill-down row (``item-...``), shared by the Markdown links."""


@dataclass(frozen=True, slots=True)
class Report:
    """Everything a report shows, computed once; the renderers only format it."""

    run_dir: Path
    spec: RunSpec
    preset: str
    """The primary score's preset: the run's, or the one ``--preset`` picked."""
    suites: tuple[SuiteSummary, ...]
    total: SuiteSummary | None
    """All suites together (micro average), only when the run has several suites."""
    by_difficulty: tuple[GroupSummary, ...]
    by_type: tuple[GroupSummary, ...]
    comparisons: tuple[Comparison, ...]
    score_names: tuple[str, ...]
    """Names of the extra scores the records carry (replay: ``recorded/orlm``, ``reexec/strict``, ...)."""
    items: tuple[ItemView, ...]
    warnings: tuple[str, ...] = ()
    source: str | None = None
    """The named score (``extras["scores"]``) used as the primary score, when ``--preset`` picked one."""
    generated: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @property
    def label(self) -> str:
        """How the primary score is named in tables: the named score when one was picked, else the preset."""
        return self.source or self.preset

    @property
    def strict_apart(self) -> bool:
        """Whether tables need a strict column beside the primary one (not when the primary score is strict)."""
        return self.label != "strict"

    @property
    def multi_sample(self) -> bool:
        """True when items have several samples (pass@k and self-consistency columns)."""
        return self.spec.samples > 1 or any(len(view.record.samples) > 1 for view in self.items)


# --------------------------------------------------------------------------------------------------------------
# Reading the run directory


def _load_spec(run_dir: Path) -> RunSpec:
    if not run_dir.exists():
        raise ReportError(f"no such run directory: {run_dir}")
    if not run_dir.is_dir():
        raise ReportError(f"{run_dir} is not a run directory (expected a folder with spec.json and records.jsonl)")
    path = run_dir / "spec.json"
    if not path.is_file():
        raise ReportError(f"{run_dir} has no spec.json: not a benchmark run directory (or the run never started)")
    try:
        return RunSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, ValueError) as exc:
        raise ReportError(f"{path} is not a valid run spec: {exc}") from None


def _load_records(run_dir: Path, warnings: list[str]) -> list[tuple[int, ItemRecord]]:
    """Parse ``records.jsonl``; a torn last line (an interrupted append) and bad lines are skipped with a warning."""
    path = run_dir / "records.jsonl"
    if not path.is_file():
        raise ReportError(f"{run_dir} has no records.jsonl: the run has not scored any item yet")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ReportError(f"cannot read {path}: {exc.strerror or exc}") from None
    lines = raw.split(b"\n")
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)
    by_id: dict[tuple[str, str], tuple[int, ItemRecord]] = {}
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        try:
            record = ItemRecord.from_dict(json.loads(line))
        except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
            if index == last and not raw.endswith(b"\n"):
                message = f"records.jsonl line {index + 1} is incomplete (an interrupted write) and was skipped"
            else:
                message = f"records.jsonl line {index + 1} is not a valid record and was skipped: {str(exc)[:200]}"
            log.warning("%s", message)
            warnings.append(message)
            continue
        key = (record.suite, record.item_id)
        if key in by_id:
            message = f"item {record.item_id} ({record.suite}) has several records; the last (line {index + 1}) is used"
            log.warning("%s", message)
            warnings.append(message)
        by_id[key] = (index + 1, record)
    if not by_id:
        raise ReportError(f"{path} holds no records: nothing to report yet")
    return sorted(by_id.values(), key=lambda pair: pair[0])


def _named_scores(record: ItemRecord, warnings: set[str]) -> dict[str, Score]:
    raw = record.extras.get("scores") if isinstance(record.extras, Mapping) else None
    if not isinstance(raw, Mapping):
        return {}
    scores: dict[str, Score] = {}
    for name, value in raw.items():
        if not isinstance(value, Mapping):
            warnings.add(f"extras.scores[{name!r}] is not a score and was ignored")
            continue
        try:
            scores[str(name)] = Score.from_dict(value)
        except ValueError:
            warnings.add(f"extras.scores[{name!r}] is not a valid score and was ignored")
    return scores


def _final(record: ItemRecord) -> SampleRecord | None:
    return record.final or (record.samples[0] if record.samples else None)


def _strict_view(score: Score, record: ItemRecord) -> Score:
    """The strict judgement of ``score`` as a score of its own: what ``--preset strict`` reports.

    When the preset passed only through a fallback, strict failed; its category is then read off the prediction.
    """
    if score.passed == score.strict or score.category is ErrorCategory.UNSCORABLE:
        category = score.category
    elif score.strict:
        category = ErrorCategory.CORRECT
    else:
        final = _final(record)
        status = final.prediction.status if final and final.prediction else None
        category = (
            {
                PredictionStatus.TIMEOUT: ErrorCategory.TIMEOUT,
                PredictionStatus.INFEASIBLE: ErrorCategory.INFEASIBLE,
                PredictionStatus.UNBOUNDED: ErrorCategory.INFEASIBLE,
                PredictionStatus.NO_OBJECTIVE: ErrorCategory.NO_ANSWER,
                PredictionStatus.ERROR: ErrorCategory.RUNTIME_ERROR,
                PredictionStatus.NO_CODE: ErrorCategory.NO_CODE,
            }.get(status, ErrorCategory.WRONG_OBJECTIVE)
            if status
            else ErrorCategory.WRONG_OBJECTIVE
        )
    return Score(
        preset="strict",
        passed=score.strict,
        strict=score.strict,
        category=category,
        expected=score.expected,
        predicted=score.predicted,
        detail=score.detail,
    )


def _primary(
    record: ItemRecord, named: Mapping[str, Score], spec: RunSpec, preset: str, source: str | None
) -> Score | None:
    if source is not None:
        return named.get(source)
    if record.score is None:
        return None
    if preset == "strict" and spec.preset != "strict":
        return _strict_view(record.score, record)
    return record.score


def _resolve_preset(spec: RunSpec, preset: str | None, named_presets: Mapping[str, set[str]]) -> tuple[str, str | None]:
    """(preset, named-score source or None) for ``--preset``: the run's own, strict, or a named score's."""
    if preset is None or preset == spec.preset or preset == "strict":
        return (preset or spec.preset), None
    if preset in named_presets:  # a score name, e.g. reexec/orlm
        presets = sorted(named_presets[preset])
        return (presets[0] if len(presets) == 1 else preset), preset
    matching = sorted(name for name, presets in named_presets.items() if preset in presets)
    if len(matching) == 1:
        return preset, matching[0]
    available = sorted({spec.preset, "strict", *named_presets})
    if matching:
        raise ReportError(f"--preset {preset} is ambiguous: the records carry it as {', '.join(matching)}; name one")
    raise ReportError(
        f"the records carry no score under {preset!r} (available: {', '.join(available)}); re-score the run to "
        "get another preset's numbers"
    )


def _category(record: ItemRecord, score: Score | None) -> str:
    if score is not None:
        return score.category.value
    if record.answer_status not in (AnswerStatus.OK, AnswerStatus.INFEASIBLE):
        return ErrorCategory.UNSCORABLE.value
    return INFRA_ERROR if record.error else NOT_SCORED


def _anchor(item_id: str, suite: str, used: set[str]) -> str:
    base = "item-" + (re.sub(r"[^A-Za-z0-9_.-]+", "_", item_id) or "x")
    anchor = base
    if anchor in used:
        anchor = f"{base}--{re.sub(r'[^A-Za-z0-9_.-]+', '_', suite)}"
    counter = 2
    while anchor in used:
        anchor = f"{base}-{counter}"
        counter += 1
    used.add(anchor)
    return anchor


# --------------------------------------------------------------------------------------------------------------
# Aggregates


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _quantile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def _counts(view: ItemView) -> bool:
    """Whether an item's ground truth can judge an answer (a number or a reliable infeasible label).

    Only such items can pass; every item, scorable or not, is in the accuracy denominator (as in
    :func:`benchmarks.metrics.summarize` and in the papers, which divide by the whole suite).
    """
    if view.record.answer_status not in (AnswerStatus.OK, AnswerStatus.INFEASIBLE):
        return False
    return view.score is None or view.score.category is not ErrorCategory.UNSCORABLE


def _executed(sample: SampleRecord) -> bool:
    """The program ran to its end and called a solver (``CodeRun.outcome == ok``).

    A replayed record without a run is judged by its prediction's status.
    """
    run = sample.code_run
    if isinstance(run, Mapping) and run:
        return run.get("outcome") == "ok"
    return sample.prediction is not None and sample.prediction.status in _RAN


def _all_samples(record: ItemRecord) -> list[SampleRecord]:
    samples = list(record.samples)
    if record.final is not None and all(s.index != record.final.index for s in samples):
        samples.append(record.final)
    return samples


def _summarize(suite: str, version: str, views: Sequence[ItemView], score_names: Sequence[str]) -> SuiteSummary:
    """One suite's numbers.

    The definitions follow :func:`benchmarks.metrics.summarize`, so the runner's summary and the report never
    disagree on the same log.
    """
    scorable = [v for v in views if _counts(v)]
    passed = sum(1 for v in scorable if v.score and v.score.passed)
    strict = sum(1 for v in scorable if v.score and v.score.strict)
    fallbacks = Counter(v.score.fallback for v in scorable if v.score and v.score.passed and v.score.fallback)
    multi = any(len(v.record.samples) > 1 for v in views)
    sample_rate = 0.0
    at_k = 0
    for v in scorable:
        judged = [s for s in v.record.samples if s.score is not None]
        if judged:
            sample_rate += sum(1 for s in judged if s.score and s.score.passed) / len(judged)
        if v.record.pass_at_k is not None:
            at_k += v.record.pass_at_k
        else:
            at_k += any(s.score is not None and s.score.passed for s in v.record.samples)
    samples = [s for v in views for s in _all_samples(v.record)]
    named: list[NamedScoreSummary] = []
    for name in score_names:
        # Every record carrying the score counts, unscorable ones as failures: how the papers and `bench replay`
        # count, so a replay report shows ORLM's 38.0 on IndustryOR (100 items, 3 placeholder answers).
        judged_named = [v.named[name] for v in views if name in v.named]
        presets = Counter(s.preset for s in judged_named)
        named.append(
            NamedScoreSummary(
                name,
                presets.most_common(1)[0][0] if presets else "",
                Fraction(sum(1 for s in judged_named if s.passed), len(judged_named)),
                Fraction(sum(1 for s in judged_named if s.strict), len(judged_named)),
            )
        )
    latencies = [v.record.latency_s for v in views if v.record.latency_s > 0]
    return SuiteSummary(
        suite=suite,
        version=version,
        items=len(views),
        scorable=len(scorable),
        unscorable=len(views) - len(scorable),
        infra_errors=sum(1 for v in views if v.record.error),
        passed=Fraction(passed, len(views)),
        strict=Fraction(strict, len(views)),
        fallback_passes=sum(fallbacks.values()),
        fallbacks=dict(fallbacks.most_common()),
        sample_pass_at_1=100.0 * sample_rate / len(views) if multi and views else None,
        pass_at_k=Fraction(at_k, len(views)) if multi else None,
        executed=Fraction(sum(1 for s in samples if _executed(s)), len(samples)),
        mean_repair_rounds=_mean(
            [float(max((s.repair_rounds for s in _all_samples(v.record)), default=0)) for v in views]
        ),
        categories=dict(Counter(v.category for v in views)),
        named=tuple(named),
        mean_prompt_tokens=_mean([float(v.record.prompt_tokens) for v in views]),
        mean_completion_tokens=_mean([float(v.record.completion_tokens) for v in views]),
        mean_latency_s=_mean(latencies),
        p50_latency_s=_quantile(latencies, 0.5),
        p90_latency_s=_quantile(latencies, 0.9),
    )


def _group_label(extras: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    for key in keys:
        value = extras.get(key)
        if value is not None and not isinstance(value, Mapping | list) and str(value).strip():
            return str(value).strip()
    return None


def _groups(views: Sequence[ItemView], key: str, keys: Sequence[str], multi_suite: bool) -> tuple[GroupSummary, ...]:
    """Accuracy per value of an extras key.

    Labels are prefixed with the suite when several suites share a report, because the same word ("hard", "LP")
    means different things in different benchmarks.
    """
    buckets: dict[str, list[ItemView]] = defaultdict(list)
    for view in views:
        label = _group_label(view.record.extras, keys)
        if label is not None:
            buckets[f"{view.record.suite} · {label}" if multi_suite else label].append(view)
    out = []
    for label in sorted(buckets):
        members = buckets[label]
        scored = [v for v in members if _counts(v)]
        out.append(
            GroupSummary(
                key,
                label,
                len(members),
                Fraction(sum(1 for v in scored if v.score and v.score.passed), len(members)),
                Fraction(sum(1 for v in scored if v.score and v.score.strict), len(members)),
            )
        )
    return tuple(out)


def build_report(run_dir: str | Path, *, preset: str | None = None) -> Report:
    """Read a run directory and compute everything the report shows.

    ``preset`` picks the primary score: the run's own preset (default), ``strict``, or a score the records carry
    in ``extras["scores"]`` (by name, e.g. ``reexec/orlm``, or by its preset when exactly one name has it). The
    report does not re-score: scoring needs the suites and the solver, which is the replay's job.

    Raises:
        ReportError: the directory is missing, has no ``spec.json``, or no record.
    """
    root = Path(run_dir)
    spec = _load_spec(root)
    warnings: list[str] = []
    loaded = _load_records(root, warnings)
    score_warnings: set[str] = set()
    named_all = [_named_scores(record, score_warnings) for _, record in loaded]
    score_names: list[str] = []
    named_presets: dict[str, set[str]] = defaultdict(set)
    for named in named_all:
        for name, score in named.items():
            if name not in named_presets:
                score_names.append(name)
            named_presets[name].add(score.preset)
    primary_preset, source = _resolve_preset(spec, preset, named_presets)
    used: set[str] = set()
    views: list[ItemView] = []
    for (line, record), named in zip(loaded, named_all, strict=True):
        primary = _primary(record, named, spec, primary_preset, source)
        views.append(
            ItemView(
                record, line, primary, named, _category(record, primary), _anchor(record.item_id, record.suite, used)
            )
        )
    warnings.extend(sorted(score_warnings))
    suite_order = list(spec.suites) + sorted({v.record.suite for v in views} - set(spec.suites))
    by_suite: dict[str, list[ItemView]] = defaultdict(list)
    for view in views:
        by_suite[view.record.suite].append(view)
    summaries = tuple(
        _summarize(name, spec.suites.get(name, ""), by_suite[name], score_names)
        for name in suite_order
        if by_suite[name]
    )
    missing = [name for name in spec.suites if not by_suite[name]]
    if missing:
        warnings.append(f"no records yet for suite(s) {', '.join(missing)}")
    foreign = sorted(set(by_suite) - set(spec.suites))
    if foreign:
        warnings.append(f"records for suite(s) not in the run spec: {', '.join(foreign)}")
    multi_suite = len(summaries) > 1
    comparisons = []
    for summary in summaries:
        variant = _registry_suite(summary.suite, by_suite[summary.suite])
        rows = published_for(variant)
        if rows:
            comparisons.append(
                Comparison(
                    summary.suite,
                    summary,
                    tuple(rows),
                    *_ours_by_preset(summary, primary_preset, source or primary_preset),
                    variant=variant,
                )
            )
    return Report(
        run_dir=root,
        spec=spec,
        preset=primary_preset,
        suites=summaries,
        total=_summarize("all", "", views, score_names) if multi_suite else None,
        by_difficulty=_groups(views, "difficulty", ("difficulty",), multi_suite),
        by_type=_groups(views, "problem_type", _TYPE_KEYS, multi_suite),
        comparisons=tuple(comparisons),
        score_names=tuple(score_names),
        items=tuple(views),
        warnings=tuple(warnings),
        source=source,
    )


def _registry_suite(suite: str, views: Sequence[ItemView]) -> str:
    """The registry suite whose published numbers apply.

    That is the suite itself, or, for a replayed file whose records name the registry items they were matched to
    (``extras["suite_item"]`` = ``<suite>-NNNN``), that suite when all records agree on it.
    """
    if published_for(suite):
        return suite
    matched = {
        m.group(1)
        for v in views
        if isinstance(v.record.extras.get("suite_item"), str)
        and (m := re.fullmatch(r"(.+)-\d+", str(v.record.extras["suite_item"])))
    }
    return matched.pop() if len(matched) == 1 else suite


def _ours_by_preset(summary: SuiteSummary, preset: str, label: str) -> tuple[dict[str, Fraction], dict[str, str]]:
    """Our accuracy under each preset we have (``{preset: fraction}``) and which score each comes from.

    The run's primary score wins for its preset, then strict, then the first named score of each other preset.
    All divide by every item of the suite, as the published numbers do.
    """
    ours: dict[str, Fraction] = {}
    names: dict[str, str] = {}
    for named in summary.named:
        if named.preset and named.preset not in ours:
            ours[named.preset], names[named.preset] = named.passed, named.name
    ours["strict"], names["strict"] = summary.strict, "strict"
    ours[preset], names[preset] = summary.passed, label
    return ours, names


# --------------------------------------------------------------------------------------------------------------
# Formatting helpers


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _frac(fraction: Fraction | None) -> str:
    if fraction is None or fraction.total == 0:
        return "–"
    return f"{_pct(fraction.pct)} ({fraction.hits}/{fraction.total})"


def _num(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return f"{value:.10g}"
    return str(value)


def _opt(value: float | None, fmt: str = ".1f") -> str:
    return "–" if value is None else format(value, fmt)


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#<>!{}~])")


def _md(text: Any, limit: int | None = None) -> str:
    """Markdown-safe one-line text: newlines folded, Markdown and HTML metacharacters escaped.

    Markdown renderers pass raw HTML through, so ``<`` and ``>`` are escaped as entities, never left literal.
    """
    value = " ".join(str(text).split())
    if limit is not None and len(value) > limit:
        value = value[: limit - 1] + "…"
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(lambda m: m.group(1) if m.group(1) in "<>" else "\\" + m.group(1), value)


def _spec_rows(report: Report) -> list[tuple[str, str]]:
    spec = report.spec
    params = ", ".join(
        f"{k}={_num(v) if not isinstance(v, Mapping | list) else json.dumps(v)}"
        for k, v in sorted(spec.parameters.items())
    )
    preset = (
        spec.preset if report.label == spec.preset else f"{report.label} (chosen; the run's preset is {spec.preset})"
    )
    return [
        ("run", spec.run_id),
        ("kind", spec.kind),
        ("model", spec.llm),
        ("suites", ", ".join(f"{name}@{version}" if version else name for name, version in spec.suites.items())),
        ("preset", preset),
        ("samples", str(spec.samples)),
        ("parameters", params or "–"),
        ("packages", ", ".join(f"{k} {v}" for k, v in sorted(spec.packages.items())) or "–"),
        ("git revision", spec.git_revision or "–"),
        ("created", spec.created or "–"),
        ("report generated", report.generated),
    ]


def _result_columns(report: Report) -> list[str]:
    multi = report.multi_sample
    first = "self-consistency" if multi else "pass@1"
    cols = ["suite", "version", "items", "unscorable", f"{first} ({report.label})"]
    if report.strict_apart:
        cols.append(f"{first} (strict)")
    cols.append("fallback passes")
    if multi:
        cols += ["pass@1 (mean of samples)", "pass@k"]
    cols += ["execution rate", "mean repair rounds", "infra errors"]
    return cols


def _result_cells(report: Report, s: SuiteSummary) -> list[str]:
    fallback = str(s.fallback_passes)
    if s.fallbacks:
        fallback += " (" + ", ".join(f"{name} {count}" for name, count in s.fallbacks.items()) + ")"
    cells = [s.suite, s.version or "–", str(s.items), str(s.unscorable), _frac(s.passed)]
    if report.strict_apart:
        cells.append(_frac(s.strict))
    cells.append(fallback)
    if report.multi_sample:
        cells += [_pct(s.sample_pass_at_1), _frac(s.pass_at_k)]
    cells += [_frac(s.executed), _opt(s.mean_repair_rounds, ".2f"), str(s.infra_errors)]
    return cells


def _group_columns(report: Report) -> list[str]:
    return ["group", "items", report.label, *(["strict"] if report.strict_apart else [])]


def _group_cells(report: Report, g: GroupSummary) -> list[str]:
    return [g.label, str(g.items), _frac(g.passed), *([_frac(g.strict)] if report.strict_apart else [])]


def _note_html(note: str) -> str:
    """One of our own Markdown notes as HTML: escaped, then ``*x*`` as italics and backticks as code."""
    text = _esc(note)
    text = re.sub(r"\*([^*]+)\*", r"<i>\1</i>", text)
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", text)


def _results_note(report: Report) -> str:
    return _RESULTS_NOTE + (_FALLBACK_NOTE.format(label=report.label) if report.strict_apart else "")


def _this_run(report: Report, ours: SuiteSummary) -> str:
    strict = f", {_frac(ours.strict)} strict" if report.strict_apart else ""
    return (
        f"This run: {_frac(ours.passed)} under {report.label}{strict}, execution rate {_frac(ours.executed)}."
        + _denominator_note(ours)
    )


def _summaries(report: Report) -> list[SuiteSummary]:
    return [*report.suites, *([report.total] if report.total else [])]


def _comparison_verdict(row: PublishedResult, comparison: Comparison, label: str) -> str:
    if not row.comparable:
        return "not pass@1-comparable"
    if row.metric is Metric.EXECUTION_RATE:
        return "execution rate"
    theirs = row.source.preset
    if theirs is None:
        return "different rule (no preset reproduces it)"
    if theirs in comparison.ours_by_preset:
        name = comparison.ours_source.get(theirs, theirs)
        return f"same rule ({theirs})" + (f", our score {name}" if name != theirs else "")
    return f"different rule: theirs {theirs}, ours {label} (no {theirs} score in this run)"


def _denominator_note(ours: SuiteSummary) -> str:
    if ours.unscorable == 0:
        return ""
    return (
        f" {ours.unscorable} of the {ours.items} items have no usable ground truth; like the published numbers, every "
        "accuracy here counts them as failures."
    )


def _ours_for(row: PublishedResult, comparison: Comparison) -> str:
    if row.metric is Metric.EXECUTION_RATE:
        return _frac(comparison.ours.executed)
    if row.source.preset is not None and row.source.preset in comparison.ours_by_preset:
        return _frac(comparison.ours_by_preset[row.source.preset])
    return "–"


def _code_run_summary(run: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """Outcome, termination, objective and error of a ``CodeRun.to_dict()`` (read defensively: old logs vary)."""
    if not isinstance(run, Mapping):
        return []
    rows = [("outcome", _num(run.get("outcome")))]
    solves = run.get("solves")
    last = solves[-1] if isinstance(solves, list) and solves and isinstance(solves[-1], Mapping) else None
    if last is not None:
        rows.append(("termination", _num(last.get("termination"))))
        rows.append(("objective", _num(last.get("objective_value"))))
        solver = " ".join(str(last.get(k) or "") for k in ("solver", "solver_version")).strip()
        if solver:
            rows.append(("solver", solver))
        if isinstance(solves, list) and len(solves) > 1:
            rows.append(("solve calls", str(len(solves))))
    if run.get("wall_time_s") is not None:
        rows.append(("wall time", f"{_num(run.get('wall_time_s'))} s"))
    if run.get("error"):
        rows.append(("error", str(run.get("error"))))
    return rows


# --------------------------------------------------------------------------------------------------------------
# Markdown


def _md_table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(_md(h) for h in header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows]
    return out + [""]


def render_markdown(report: Report, *, html_name: str | None = "report.html") -> str:
    """The report as Markdown: spec, tables (no plots), the published comparison and a compact failure list.

    Failures link to their drill-down row in ``html_name`` (None: no links). Every record text is escaped.
    """
    spec = report.spec
    out = [f"# Benchmark report: {_md(spec.run_id)}", ""]
    out += _md_table(["", ""], _spec_rows(report))
    if report.warnings:
        out += ["**Warnings**", ""] + [f"- {_md(w)}" for w in report.warnings] + [""]
    out += ["## Results", ""]
    if report.multi_sample:
        out += [
            f"With {spec.samples} samples per item the final answer is the voted one (self-consistency); pass@1 is "
            "the mean share of correct samples, pass@k whether any sample is correct.",
            "",
        ]
    out += _md_table(_result_columns(report), (_result_cells(report, s) for s in _summaries(report)))
    out += [_results_note(report), ""]
    if report.total:
        out += ["The *all* row is a micro average; suites overlap (NL4Opt, NLP4LP, OptiBench share problems).", ""]
    if report.score_names:
        out += ["### Named scores", "", _NAMED_NOTE, ""]
        out += _md_table(
            ["suite", *report.score_names],
            ([s.suite, *(_frac(n.passed) for n in s.named)] for s in _summaries(report)),
        )
    for title, groups in (("By difficulty", report.by_difficulty), ("By problem type", report.by_type)):
        if groups:
            out += [f"### {title}", ""]
            out += _md_table(
                _group_columns(report),
                (_group_cells(report, g) for g in groups),
            )
    cats = _present_categories(report)
    out += ["### Error taxonomy", ""]
    out += _md_table(
        ["suite", *(_CATEGORY_LABELS[c] for c in cats)],
        ([s.suite, *(str(s.categories.get(c, 0)) for c in cats)] for s in _summaries(report)),
    )
    out += ["### Tokens and latency", ""]
    out += _md_table(
        ["suite", "mean prompt tokens", "mean completion tokens", "mean latency (s)", "p50 (s)", "p90 (s)"],
        (
            [
                s.suite,
                _opt(s.mean_prompt_tokens, ".0f"),
                _opt(s.mean_completion_tokens, ".0f"),
                _opt(s.mean_latency_s, ".2f"),
                _opt(s.p50_latency_s, ".2f"),
                _opt(s.p90_latency_s, ".2f"),
            ]
            for s in _summaries(report)
        ),
    )
    if html_name:
        out += [f"Plots are in [{_md(html_name)}]({html_name}).", ""]
    out += _md_comparison(report)
    out += _md_failures(report, html_name)
    return "\n".join(out)


def _md_comparison(report: Report) -> list[str]:
    out = ["## Published numbers on the same suite variants", ""]
    if not report.comparisons:
        return out + ["No published numbers were measured on these suite variants.", ""]
    sources: dict[str, Any] = {}
    for comparison in report.comparisons:
        ours = comparison.ours
        out += [
            f"### {_md(comparison.suite)}"
            + (f" (matched to {_md(comparison.variant)})" if comparison.variant != comparison.suite else ""),
            "",
            _md(_this_run(report, ours)),
            "",
        ]
        rows = []
        for row in comparison.published:
            sources[row.source.key] = row.source
            setting = row.metric.value.replace("_", " ") + (f", {row.setting}" if row.setting else "")
            rows.append(
                [
                    row.system + (" *" if row.copied else ""),
                    f"{row.value:.1f}",
                    setting,
                    row.source.title,
                    _ours_for(row, comparison),
                    _comparison_verdict(row, comparison, report.label),
                ]
            )
        out += _md_table(["system", "published", "metric", "source", "ours under their rule", "rule"], rows)
    out += ["Sources and their rules:", ""]
    for source in sources.values():
        preset = f" (our preset `{source.preset}`)" if source.preset else " (no preset of ours reproduces it)"
        out.append(f"- **{_md(source.title)}**, {_md(source.where)}: {_md(source.rule)}{preset}. {_md(source.note)}")
    return out + ["", "\\* copied by the source from another paper.", ""]


def _md_failures(report: Report, html_name: str | None) -> list[str]:
    failures = [
        v for v in report.items if v.category not in (ErrorCategory.CORRECT.value, ErrorCategory.UNSCORABLE.value)
    ]
    out = ["## Failures", ""]
    if not failures:
        return out + ["None.", ""]
    order = {c: i for i, c in enumerate(_CATEGORY_ORDER)}
    failures.sort(key=lambda v: (order.get(v.category, 99), v.line))
    shown = failures[:_MAX_MD_FAILURES]
    counts = Counter(v.category for v in failures)
    current = None
    for view in shown:
        if view.category != current:
            if current is not None:
                out.append("")
            current = view.category
            out += [f"### {_md(_CATEGORY_LABELS.get(current, current))} ({counts[current]})", ""]
        ident = _md(view.record.item_id)
        link = f"[{ident}]({html_name}#{view.anchor})" if html_name else ident
        detail = ""
        if view.score is not None:
            detail = f"expected {_num(view.score.expected)}, predicted {_num(view.score.predicted)}"
            if view.score.detail:
                detail += f" ({_md(view.score.detail, 120)})"
        elif view.record.error:
            detail = _md(view.record.error, 160)
        out.append(f"- {link} · {_md(view.record.suite)} · {detail} · {_md(view.record.question, 140)}")
    if len(failures) > len(shown):
        out += ["", f"… and {len(failures) - len(shown)} more (see the HTML report)."]
    return out + [""]


def _present_categories(report: Report) -> list[str]:
    present = {c for s in report.suites for c in s.categories}
    return [c for c in _CATEGORY_ORDER if c in present]


# --------------------------------------------------------------------------------------------------------------
# HTML

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1180px;padding:1em 1.5em;
color:#1d1d1d;line-height:1.4}
h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.92em}
th,td{border:1px solid #d4d4d4;padding:.25em .55em;text-align:left;vertical-align:top}
th{background:#f3f5f8}td.n{text-align:right;font-variant-numeric:tabular-nums}
.warn{background:#fff4e0;border:1px solid #e6b35c;padding:.5em 1em;border-radius:4px}
.note{color:#555;font-size:.9em}
pre{background:#f7f7f7;border:1px solid #e2e2e2;padding:.5em;overflow:auto;max-height:28em;white-space:pre-wrap;
word-break:break-word;font-size:.85em}
details.item{border:1px solid #e0e0e0;border-radius:4px;margin:.25em 0;padding:.2em .6em}
details.item>summary{cursor:pointer}details.sample{margin:.4em 0 .4em 1em}
.badge{display:inline-block;padding:0 .45em;border-radius:3px;color:#fff;font-size:.8em;margin-right:.3em}
.clip{color:#9a5b00;font-size:.85em}
.charts svg{display:block;margin:.6em 0 1.2em;max-width:100%;height:auto}
nav a{margin-right:1em}
@media print{details{page-break-inside:avoid}}
"""

_JS = (
    "(function(){var f=document.getElementById('filter');if(!f)return;f.hidden=false;"
    "var c=document.getElementById('f-cat'),s=document.getElementById('f-suite');"
    "function run(){var cv=c.value,sv=s.value;"
    "document.querySelectorAll('section.cat').forEach(function(e){e.hidden=!(cv===''||e.dataset.cat===cv);});"
    "document.querySelectorAll('details.item').forEach(function(e){e.hidden=!(sv===''||e.dataset.suite===sv);});}"
    "c.addEventListener('change',run);s.addEventListener('change',run);})();"
)


def _csp() -> str:
    digest = base64.b64encode(hashlib.sha256(_JS.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'; img-src data:"


def _html_table(header: Sequence[str], rows: Iterable[Sequence[str]], numeric_from: int = 99) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = "".join(
            f'<td class="n">{_esc(c)}</td>' if i >= numeric_from else f"<td>{_esc(c)}</td>" for i, c in enumerate(row)
        )
        body.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _clip(text: str, limit: int, line: int) -> str:
    """Escaped ``<pre>`` of ``text``, clipped to ``limit`` characters with a note saying where the rest is."""
    if len(text) <= limit:
        return f"<pre>{_esc(text)}</pre>"
    note = f"truncated: {limit:,} of {len(text):,} characters shown; the full text is on line {line} of records.jsonl"
    return f'<pre>{_esc(text[:limit])}</pre><div class="clip">… {_esc(note)}</div>'


def _text_limits(report: Report) -> tuple[int, int]:
    """(limit for failures, limit for correct items) per text field, from the budget and the run's size."""
    fields = sum(1 + 2 * max(1, len(v.record.samples)) for v in report.items)
    fail = max(400, min(12_000, _TEXT_BUDGET // max(1, fields)))
    return fail, max(300, fail // 3)


def _score_line(score: Score) -> str:
    parts = [
        f"preset {score.preset}: {'pass' if score.passed else 'fail'}",
        f"strict: {'pass' if score.strict else 'fail'}",
        f"category: {_CATEGORY_LABELS.get(score.category.value, score.category.value)}",
        f"expected {_num(score.expected)}",
        f"predicted {_num(score.predicted)}",
    ]
    if score.fallback:
        parts.append(f"fallback: {score.fallback}")
    if score.detail:
        parts.append(score.detail)
    return " · ".join(parts)


def _html_sample(sample: SampleRecord, is_final: bool, limit: int, line: int, open_: bool) -> str:
    pred = sample.prediction
    head = [f"sample {sample.index}" + (" (final)" if is_final else "")]
    if pred is not None:
        head.append(f"{pred.status.value}, objective {_num(pred.objective)}")
    if sample.score is not None:
        head.append("pass" if sample.score.passed else "fail")
    if sample.repair_rounds:
        head.append(f"{sample.repair_rounds} repair round(s)")
    parts = [f'<details class="sample"{" open" if open_ else ""}><summary>{_esc(" · ".join(head))}</summary>']
    if sample.completion:
        parts.append("<div>Completion</div>" + _clip(sample.completion, limit, line))
    if sample.program:
        dialect = f" ({sample.dialect})" if sample.dialect else ""
        parts.append(f"<div>Program{_esc(dialect)}</div>" + _clip(sample.program, limit, line))
    run_rows = _code_run_summary(sample.code_run)
    if run_rows:
        error = next((v for k, v in run_rows if k == "error"), None)
        cells = " · ".join(f"{k}: {v}" for k, v in run_rows if k != "error")
        parts.append(f"<div>Solver run: {_esc(cells)}</div>")
        if error:
            parts.append(_clip(error, max(300, limit // 2), line))
    if pred is not None and pred.detail:
        parts.append(f"<div>Prediction: {_esc(pred.detail[:500])}</div>")
    if sample.score is not None:
        parts.append(f"<div>Score: {_esc(_score_line(sample.score))}</div>")
    parts.append("</details>")
    return "".join(parts)


def _html_item(view: ItemView, limits: tuple[int, int]) -> str:
    record = view.record
    failed = view.category != ErrorCategory.CORRECT.value
    limit = limits[0] if failed else limits[1]
    label = _CATEGORY_LABELS.get(view.category, view.category)
    color = _CATEGORY_COLORS.get(view.category, "#777")
    summary = f'<span class="badge" style="background:{color}">{_esc(label)}</span><code>{_esc(record.item_id)}</code> '
    if view.score is not None:
        summary += _esc(f"expected {_num(view.score.expected)} · predicted {_num(view.score.predicted)} — ")
    question = " ".join(record.question.split())
    summary += _esc(question[:140] + ("…" if len(question) > 140 else ""))
    parts = [
        f'<details class="item" id="{_esc(view.anchor)}" data-suite="{_esc(record.suite)}" '
        f'data-cat="{_esc(view.category)}"><summary>{summary}</summary>',
        f"<div class=note>suite {_esc(record.suite)} · records.jsonl line {view.line} · ground truth "
        f"{_esc(_num(record.answer))} ({_esc(record.answer_status.value)})</div>",
        "<div>Question</div>" + _clip(record.question, limit, view.line),
    ]
    if view.score is not None:
        parts.append(f"<div><b>Score</b>: {_esc(_score_line(view.score))}</div>")
    if view.named:
        parts.append(
            _html_table(
                ["score", "preset", "passed", "strict", "category", "expected", "predicted"],
                (
                    [
                        name,
                        s.preset,
                        str(s.passed),
                        str(s.strict),
                        s.category.value,
                        _num(s.expected),
                        _num(s.predicted),
                    ]
                    for name, s in view.named.items()
                ),
            )
        )
    if record.error:
        parts.append("<div>Infrastructure error</div>" + _clip(record.error, limit, view.line))
    final = _final(record)
    samples = list(record.samples) or ([final] if final else [])
    for sample in samples:
        is_final = final is not None and sample.index == final.index
        parts.append(_html_sample(sample, is_final, limit, view.line, open_=failed and len(samples) == 1))
    if record.final is not None and record.samples and all(s.index != record.final.index for s in record.samples):
        parts.append(_html_sample(record.final, True, limit, view.line, open_=failed))
    parts.append("</details>")
    return "".join(parts)


def _html_charts(report: Report) -> str:
    charts: list[str] = []
    summaries = list(report.suites)
    labels = [s.suite for s in summaries]
    series = [Series(report.label, [s.passed.pct for s in summaries])]
    if report.strict_apart:
        series.append(Series("strict", [s.strict.pct for s in summaries]))
    for index, name in enumerate(report.score_names):
        series.append(Series(name, [s.named[index].passed.pct for s in summaries]))
    if report.multi_sample:
        series.append(Series("pass@k", [s.pass_at_k.pct if s.pass_at_k else None for s in summaries]))
    charts.append(grouped_bars("Accuracy by suite (%)", labels, series, notes=[f"n={s.items}" for s in summaries]))
    for title, groups in (
        ("Accuracy by difficulty (%)", report.by_difficulty),
        ("Accuracy by problem type (%)", report.by_type),
    ):
        if groups:
            charts.append(
                grouped_bars(
                    title,
                    [g.label for g in groups],
                    [
                        Series(report.label, [g.passed.pct for g in groups]),
                        *([Series("strict", [g.strict.pct for g in groups])] if report.strict_apart else []),
                    ],
                    notes=[f"n={g.passed.total}" for g in groups],
                )
            )
    cats = _present_categories(report)
    charts.append(
        stacked_bars(
            "Error taxonomy by suite (items)",
            labels,
            [
                Series(_CATEGORY_LABELS[c], [float(s.categories.get(c, 0)) for s in summaries], _CATEGORY_COLORS[c])
                for c in cats
            ],
        )
    )
    latencies = [v.record.latency_s for v in report.items if v.record.latency_s > 0]
    if latencies:
        charts.append(histogram("Latency per item", latencies, unit=" s"))
    tokens = [float(v.record.completion_tokens) for v in report.items if v.record.completion_tokens > 0]
    if tokens:
        charts.append(histogram("Completion tokens per item", tokens))
    return '<div class="charts">' + "".join(charts) + "</div>"


def render_html(report: Report, *, markdown_name: str | None = None) -> str:
    """The report as one self-contained HTML page (inline CSS, SVG and script; no external reference)."""
    spec = report.spec
    title = f"Benchmark report: {spec.run_id}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{html.escape(_csp(), quote=False)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_esc(title)}</h1>",
        '<nav><a href="#results">Results</a><a href="#plots">Plots</a><a href="#published">Published</a>'
        '<a href="#items">Items</a></nav>',
        _html_table(["", ""], _spec_rows(report)),
    ]
    if markdown_name:
        out.append(f'<p class="note">Markdown version: <a href="{_esc(markdown_name)}">{_esc(markdown_name)}</a></p>')
    if report.warnings:
        out.append(
            '<div class="warn"><b>Warnings</b><ul>'
            + "".join(f"<li>{_esc(w)}</li>" for w in report.warnings)
            + "</ul></div>"
        )
    out.append('<h2 id="results">Results</h2>')
    if report.multi_sample:
        out.append(
            f'<p class="note">With {spec.samples} samples per item the final answer is the voted one '
            "(self-consistency); pass@1 is the mean share of correct samples, pass@k whether any sample is correct.</p>"
        )
    out.append(_html_table(_result_columns(report), (_result_cells(report, s) for s in _summaries(report)), 2))
    if report.total:
        out.append(
            '<p class="note">The <i>all</i> row is a micro average; suites overlap (NL4Opt, NLP4LP, OptiBench '
            "share problems).</p>"
        )
    out.append(f'<p class="note">{_note_html(_results_note(report))}</p>')
    if report.score_names:
        out.append(f'<h3>Named scores</h3><p class="note">{_note_html(_NAMED_NOTE)}</p>')
        out.append(
            _html_table(
                ["suite", *(f"{n} ({p})" for n, p in _named_presets(report))],
                ([s.suite, *(_frac(n.passed) for n in s.named)] for s in _summaries(report)),
                1,
            )
        )
    for heading, groups in (("By difficulty", report.by_difficulty), ("By problem type", report.by_type)):
        if groups:
            out.append(f"<h3>{heading}</h3>")
            out.append(
                _html_table(
                    _group_columns(report),
                    (_group_cells(report, g) for g in groups),
                    1,
                )
            )
    cats = _present_categories(report)
    out.append("<h3>Error taxonomy</h3>")
    out.append(
        _html_table(
            ["suite", *(_CATEGORY_LABELS[c] for c in cats)],
            ([s.suite, *(str(s.categories.get(c, 0)) for c in cats)] for s in _summaries(report)),
            1,
        )
    )
    out.append("<h3>Tokens and latency</h3>")
    out.append(
        _html_table(
            ["suite", "mean prompt tokens", "mean completion tokens", "mean latency (s)", "p50 (s)", "p90 (s)"],
            (
                [
                    s.suite,
                    _opt(s.mean_prompt_tokens, ".0f"),
                    _opt(s.mean_completion_tokens, ".0f"),
                    _opt(s.mean_latency_s, ".2f"),
                    _opt(s.p50_latency_s, ".2f"),
                    _opt(s.p90_latency_s, ".2f"),
                ]
                for s in _summaries(report)
            ),
            1,
        )
    )
    out.append('<h2 id="plots">Plots</h2>')
    out.append(_html_charts(report))
    out.append(_html_comparison(report))
    out.append(_html_items(report))
    out.append(f'<p class="note">Generated by optagent bench report at {_esc(report.generated)}.</p>')
    out.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(out)


def _named_presets(report: Report) -> list[tuple[str, str]]:
    presets: dict[str, str] = {}
    for summary in report.suites:
        for named in summary.named:
            presets.setdefault(named.name, named.preset)
            if not presets[named.name]:
                presets[named.name] = named.preset
    return [(name, presets.get(name, "") or "?") for name in report.score_names]


def _html_comparison(report: Report) -> str:
    out = ['<h2 id="published">Published numbers on the same suite variants</h2>']
    if not report.comparisons:
        out.append("<p>No published numbers were measured on these suite variants.</p>")
        return "".join(out)
    sources: dict[str, Any] = {}
    for comparison in report.comparisons:
        ours = comparison.ours
        matched = f" (matched to {comparison.variant})" if comparison.variant != comparison.suite else ""
        out.append(f"<h3>{_esc(comparison.suite + matched)}</h3>")
        out.append(f"<p>{_esc(_this_run(report, ours))}</p>")
        rows = []
        for row in comparison.published:
            sources[row.source.key] = row.source
            setting = row.metric.value.replace("_", " ") + (f", {row.setting}" if row.setting else "")
            rows.append(
                [
                    row.system + (" *" if row.copied else ""),
                    f"{row.value:.1f}",
                    setting,
                    row.source.title,
                    _ours_for(row, comparison),
                    _comparison_verdict(row, comparison, report.label),
                ]
            )
        out.append(_html_table(["system", "published", "metric", "source", "ours under their rule", "rule"], rows))
    out.append("<h3>Sources and their rules</h3><ul>")
    for source in sources.values():
        preset = f" (our preset {source.preset})" if source.preset else " (no preset of ours reproduces it)"
        out.append(
            f"<li><b>{_esc(source.title)}</b>, {_esc(source.where)}: {_esc(source.rule)}{_esc(preset)}. "
            f"{_esc(source.note)}</li>"
        )
    out.append('</ul><p class="note">* copied by the source from another paper.</p>')
    return "".join(out)


def _html_items(report: Report) -> str:
    limits = _text_limits(report)
    order = {c: i for i, c in enumerate(_CATEGORY_ORDER)}
    by_cat: dict[str, list[ItemView]] = defaultdict(list)
    for view in report.items:
        by_cat[view.category].append(view)
    cats = sorted(by_cat, key=lambda c: order.get(c, 99))
    suites = [s.suite for s in report.suites]
    out = ['<h2 id="items">Items</h2>']
    out.append(
        '<p class="note">Every item, grouped by category; open a row for the question, each sample\'s completion, '
        "program, solver run and score. Long texts are clipped; the full record is in records.jsonl.</p>"
    )
    out.append(
        "<p>"
        + " ".join(f'<a href="#cat-{_esc(c)}">{_esc(_CATEGORY_LABELS.get(c, c))} ({len(by_cat[c])})</a>' for c in cats)
        + "</p>"
    )
    options = "".join(f'<option value="{_esc(c)}">{_esc(_CATEGORY_LABELS.get(c, c))}</option>' for c in cats)
    suite_options = "".join(f'<option value="{_esc(s)}">{_esc(s)}</option>' for s in suites)
    out.append(
        '<div id="filter" hidden><label>Category <select id="f-cat"><option value="">all</option>'
        f'{options}</select></label> <label>Suite <select id="f-suite"><option value="">all</option>'
        f"{suite_options}</select></label></div>"
    )
    for cat in cats:
        out.append(
            f'<section class="cat" id="cat-{_esc(cat)}" data-cat="{_esc(cat)}">'
            f"<h3>{_esc(_CATEGORY_LABELS.get(cat, cat))} ({len(by_cat[cat])})</h3>"
        )
        out.extend(_html_item(view, limits) for view in by_cat[cat])
        out.append("</section>")
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------------------
# Files and the command line


def write_report(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    formats: Sequence[str] = FORMATS,
    *,
    preset: str | None = None,
) -> list[Path]:
    """Build the report of ``run_dir`` and write ``report.md`` / ``report.html``; returns the written paths.

    ``out_dir`` defaults to the run directory. Files are written whole to a temporary name and renamed, so a browser
    or the web UI never reads half a report.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise ReportError(
            f"unknown report format(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(FORMATS)}"
        )
    report = build_report(run_dir, preset=preset)
    target = Path(out_dir) if out_dir is not None else Path(run_dir)
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot create {target}: {exc.strerror or exc}") from None
    written: list[Path] = []
    for fmt in formats:
        if fmt == "md":
            text = render_markdown(report, html_name="report.html" if "html" in formats else None)
        else:
            text = render_html(report, markdown_name="report.md" if "md" in formats else None)
        path = target / f"report.{fmt}"
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        except OSError as exc:
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
        written.append(path)
    return written


def _cmd_report(args: argparse.Namespace) -> int:
    formats = tuple(f.strip() for f in str(args.format).split(",") if f.strip())
    try:
        paths = write_report(args.run_dir, args.out, formats, preset=args.preset)
    except ReportError as exc:
        sys.stderr.write(f"optagent: error: {exc}\n")
        return 2
    sys.stdout.write("".join(f"{path}\n" for path in paths))
    return 0


def add_report_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``report`` to an ``add_subparsers()`` object (``optagent bench report``); ``func`` returns the exit code."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="write report.md and a self-contained report.html for a benchmark run directory",
        description="Read RUN_DIR/spec.json and RUN_DIR/records.jsonl and write a Markdown and a self-contained HTML "
        "report: results per suite (preset and strict), plots, the published numbers for the same suite variants "
        "and a per-item drill-down.",
    )
    parser.add_argument("run_dir", metavar="RUN_DIR", help="a run directory (spec.json + records.jsonl)")
    parser.add_argument("--out", metavar="DIR", help="where to write the report (default: RUN_DIR)")
    parser.add_argument("--format", default="md,html", help="comma-separated: md, html (default: md,html)")
    parser.add_argument(
        "--preset",
        metavar="P",
        help="primary score: the run's preset (default), strict, or a score the records carry in extras.scores "
        "(by name, e.g. reexec/orlm, or by preset)",
    )
    parser.set_defaults(func=_cmd_report)
    return parser
