"""Run metrics from a run log: accuracy (pass@1), pass@k, self-consistency, execution rate, repairs, fallbacks.

Everything is computed from :class:`~benchmarks.types.ItemRecord` lines alone, so the runner's end-of-run summary,
the report and any later re-analysis agree by construction. Every accuracy comes twice: under the run's preset
(the paper's rule) and under ``strict`` (the one rule comparable across papers), because a preset's number without
the strict one beside it hides how much the leniency contributed.

:func:`summarize` returns ``{"preset", "samples", "overall", "suites"}``; ``overall`` and each ``suites[name]`` hold
the same keys, documented in :data:`METRIC_KEYS`. Rates are fractions in [0, 1] (None when nothing is there to
count); counts are ints. Every accuracy divides by all the items of the group, as the papers divide by the whole
suite (ORLM's 85.7 on NL4Opt is 210/245, its 8 placeholder answers counted as failures); ``unscorable`` counts the
items whose ground truth cannot judge any answer, so a reader can discount them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from math import comb
from typing import Any

from benchmarks.types import AnswerStatus, ItemRecord, PredictionStatus, SampleRecord

__all__ = ["METRIC_KEYS", "format_summary", "pass_at_k", "summarize"]

METRIC_KEYS: Mapping[str, str] = {
    "items": "records in the group (every item that finished, scorable or not): the denominator of every accuracy, "
    "as in the papers, which divide by the whole suite",
    "scorable": "items whose ground truth can judge an answer (answer_status ok or infeasible)",
    "unscorable": "items with a placeholder or missing ground truth: they can never pass, so they count as failures "
    "in every accuracy (shown apart so readers can discount them)",
    "errors": "items the run could not answer for an infrastructure reason (ItemRecord.error); they count as "
    "failures in the accuracies",
    "passed": "items whose final answer passes the preset",
    "accuracy": "pass@1: passed / items (the final answer: the voted one when samples > 1)",
    "strict_passed": "items whose final answer passes the strict rule",
    "strict_accuracy": "strict_passed / items",
    "fallback_passes": "items that pass the preset only through a fallback (type flip, timeout-as-infeasible, ...); "
    "included in passed",
    "accuracy_without_fallbacks": "(passed - fallback_passes) / items",
    "self_consistency": "accuracy of the voted answer over the items that had more than one sample, unscorable "
    "ones included as failures (None when no item had)",
    "strict_self_consistency": "the same under strict",
    "pass_at_k": "{k: mean over items of the unbiased estimator 1 - C(n-c,k)/C(n,k)} for k = 1..min n, "
    "n samples and c correct under the preset",
    "strict_pass_at_k": "the same under strict",
    "any_of_k": "share of items with at least one correct sample (the empirical pass@n) under the preset",
    "strict_any_of_k": "the same under strict",
    "execution_rate": "share of all samples whose program ran to the end with at least one solve call",
    "mean_repair_rounds": "repair rounds per item (the longest repair chain among its samples), averaged",
    "categories": "{error category: items} of the final answers (correct, wrong_objective, runtime_error, ...)",
    "prompt_tokens": "total prompt tokens",
    "completion_tokens": "total completion tokens",
    "mean_latency_s": "mean wall time per item, seconds",
}
"""The per-group keys of :func:`summarize`, with what each means."""

_SCORABLE = (AnswerStatus.OK, AnswerStatus.INFEASIBLE)


def pass_at_k(n: int, c: int, k: int) -> float:
    """The unbiased pass@k estimator from ``n`` samples with ``c`` correct: ``1 - C(n-c, k) / C(n, k)``.

    The chance that ``k`` samples drawn without replacement from the ``n`` include a correct one (Chen et al.,
    2021). Exact integer binomials, so large ``n`` loses no precision.
    """
    if not 0 <= c <= n:
        raise ValueError(f"need 0 <= c <= n, got n={n}, c={c}")
    if not 1 <= k <= n:
        raise ValueError(f"need 1 <= k <= n, got n={n}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _sample_passes(samples: Sequence[SampleRecord], *, strict: bool) -> int:
    return sum(1 for s in samples if s.score is not None and (s.score.strict if strict else s.score.passed))


_RAN = (PredictionStatus.SOLVED, PredictionStatus.INFEASIBLE, PredictionStatus.UNBOUNDED, PredictionStatus.NO_OBJECTIVE)
"""Statuses of a program that ran to its end (as :mod:`benchmarks.report` counts a replayed sample)."""


def _executed(sample: SampleRecord) -> bool:
    """The program ran to its end with a solve call; a replayed sample without a run is judged by its prediction."""
    if sample.code_run:
        return sample.code_run.get("outcome") == "ok"
    return sample.prediction is not None and sample.prediction.status in _RAN


def _samples(record: ItemRecord) -> tuple[SampleRecord, ...]:
    """The record's samples; a record that kept only its final answer (a replay) has that one."""
    if record.samples:
        return tuple(record.samples)
    return (record.final,) if record.final is not None else ()


def _group(records: Sequence[ItemRecord]) -> dict[str, Any]:
    # Every accuracy divides by all the items (as the papers divide by the whole suite); an item without a usable
    # ground truth never passes, so it counts as a failure, and "unscorable" says how many there are.
    n_items = len(records)
    scorable = [r for r in records if r.answer_status in _SCORABLE]
    n_scorable = len(scorable)
    passed = sum(1 for r in scorable if r.score is not None and r.score.passed)
    strict_passed = sum(1 for r in scorable if r.score is not None and r.score.strict)
    fallback = sum(1 for r in scorable if r.score is not None and r.score.passed and r.score.fallback)
    scorable_samples = [_samples(r) for r in scorable]
    multi = [r for r in records if len(_samples(r)) > 1]
    multi_scorable = [r for r in multi if r.answer_status in _SCORABLE]
    pass_k: dict[str, float] = {}
    strict_pass_k: dict[str, float] = {}
    sampled = [s for s in scorable_samples if s]
    if sampled:
        # Items without samples (errors) and unscorable items count with c = 0 at every k; the estimator needs
        # n >= k, so k stops at the smallest n any item had.
        for k in range(1, min(len(s) for s in sampled) + 1):
            for target, strict in ((pass_k, False), (strict_pass_k, True)):
                total = sum(pass_at_k(len(s), _sample_passes(s, strict=strict), k) for s in sampled)
                target[str(k)] = total / n_items
    any_of = sum(1 for s in scorable_samples if _sample_passes(s, strict=False) > 0)
    strict_any_of = sum(1 for s in scorable_samples if _sample_passes(s, strict=True) > 0)
    every_record_samples = [_samples(r) for r in records]
    all_samples = [sample for s in every_record_samples for sample in s]
    categories = Counter(r.score.category.value for r in records if r.score is not None)
    errors = sum(1 for r in records if r.error)
    if errors:
        categories["error"] = errors
    return {
        "items": len(records),
        "scorable": n_scorable,
        "unscorable": len(records) - n_scorable,
        "errors": errors,
        "passed": passed,
        "accuracy": _ratio(passed, n_items),
        "strict_passed": strict_passed,
        "strict_accuracy": _ratio(strict_passed, n_items),
        "fallback_passes": fallback,
        "accuracy_without_fallbacks": _ratio(passed - fallback, n_items),
        "self_consistency": _ratio(
            sum(1 for r in multi_scorable if r.score is not None and r.score.passed), len(multi)
        ),
        "strict_self_consistency": _ratio(
            sum(1 for r in multi_scorable if r.score is not None and r.score.strict), len(multi)
        ),
        "pass_at_k": pass_k,
        "strict_pass_at_k": strict_pass_k,
        "any_of_k": _ratio(any_of, n_items),
        "strict_any_of_k": _ratio(strict_any_of, n_items),
        "execution_rate": _ratio(sum(1 for s in all_samples if _executed(s)), len(all_samples)),
        "mean_repair_rounds": _ratio(
            sum(max((sample.repair_rounds for sample in s), default=0) for s in every_record_samples), len(records)
        ),
        "categories": dict(sorted(categories.items())),
        "prompt_tokens": sum(r.prompt_tokens for r in records),
        "completion_tokens": sum(r.completion_tokens for r in records),
        "mean_latency_s": _ratio(sum(r.latency_s for r in records), len(records)),
    }


def summarize(records: Iterable[ItemRecord]) -> dict[str, Any]:
    """Metrics of a run log, overall and per suite (keys: :data:`METRIC_KEYS`).

    Returns ``{"preset": str | None, "samples": int, "overall": {...}, "suites": {suite: {...}}}``: ``preset`` is
    the preset the final scores were judged under (None before anything was scored), ``samples`` the largest number
    of samples an item had. Suites appear in the order their first record does.
    """
    records = list(records)
    by_suite: dict[str, list[ItemRecord]] = {}
    for record in records:
        by_suite.setdefault(record.suite, []).append(record)
    presets = {r.score.preset for r in records if r.score is not None}
    return {
        "preset": ", ".join(sorted(presets)) if presets else None,
        "samples": max((len(_samples(r)) for r in records), default=0),
        "overall": _group(records),
        "suites": {suite: _group(group) for suite, group in by_suite.items()},
    }


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def format_summary(summary: Mapping[str, Any]) -> str:
    """The summary as a short fixed-width table: one row per suite, then the overall row."""
    preset = summary.get("preset") or "strict"
    samples = int(summary.get("samples") or 1)
    k = str(samples)
    columns = ["suite", "items", "unscorable", f"pass@1 ({preset})"]
    if preset != "strict":
        columns.append("strict")
    if samples > 1:
        columns += [f"pass@{k}", f"any@{k}", "SC strict"]
    columns += ["exec", "repairs", "fallback", "errors"]

    def row(name: str, group: Mapping[str, Any]) -> list[str]:
        cells = [name, str(group["items"]), str(group["unscorable"]), _pct(group["accuracy"])]
        if preset != "strict":
            cells.append(_pct(group["strict_accuracy"]))
        if samples > 1:
            cells += [
                _pct(group["pass_at_k"].get(k)),
                _pct(group["any_of_k"]),
                _pct(group["strict_self_consistency"]),
            ]
        repairs = group["mean_repair_rounds"]
        cells += [
            _pct(group["execution_rate"]),
            "-" if repairs is None else f"{repairs:.2f}",
            str(group["fallback_passes"]),
            str(group["errors"]),
        ]
        return cells

    rows = [row(name, group) for name, group in summary["suites"].items()]
    if len(summary["suites"]) != 1:
        rows.append(row("overall", summary["overall"]))
    table = [columns, *rows]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    lines = [
        "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
        for line in table
    ]
    lines.append(
        "accuracies in % of all items (unscorable ones count as failures); exec = samples that ran and solved; "
        "repairs = mean repair rounds per item"
    )
    return "\n".join(lines)
