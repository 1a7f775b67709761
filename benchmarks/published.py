"""The published numbers a benchmark report compares a run with, typed, with the rule each was measured under.

Published accuracies are only comparable within one suite *variant* (the same file, the same corrections) and
under the same scoring rule: SIRL's table uses the strict ``1e-6`` rule plus a free integer/continuous retry,
ORLM's rounds both values to integers and accepts 5 %, LLMOPT lets an LLM read the solver log (ANCHORS.md §7).
So every row here names the registry suite it was measured on (``suite``, the name of the suite file) and its
source carries the rule in words and, where one of our scoring presets reproduces it, that preset's name; the
report shows only the rows whose suite is one the run scored, with our number under our preset and strict next to
it.

Sources (numbers copied from ANCHORS.md, which cites each README):

- §1.12 SIRL README table (pass@1, on SIRL's ``test_data`` files = our default variants);
- §2.4 ORLM README table (greedy pass@1, on the 2024 releases = our ``*_original`` variants);
- §4.3 LLMOPT README table (LLMOPT-Qwen2.5-14B, on LLMOPT's ``data/testset`` = our ``*_llmopt`` variants).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "LLMOPT_README",
    "ORLM_README",
    "PUBLISHED",
    "SIRL_README",
    "Metric",
    "PublishedResult",
    "PublishedSource",
    "published_for",
]


class Metric(StrEnum):
    """What a published number measures."""

    ACCURACY = "accuracy"
    """Share of items answered correctly (pass@1 unless the row's ``setting`` says otherwise)."""
    EXECUTION_RATE = "execution_rate"
    """Share of items whose program ran without an error (LLMOPT's "ER")."""


@dataclass(frozen=True, slots=True)
class PublishedSource:
    """One published table: where it is and the rule its numbers were measured under."""

    key: str
    title: str
    where: str
    """Repository and file the table is in, and the section of ANCHORS.md that transcribes it."""
    rule: str
    """The scoring rule in words (tolerance, retries, what counts as correct)."""
    preset: str | None
    """Our scoring preset that reproduces the rule, or None where none does (e.g. an LLM reading the log)."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class PublishedResult:
    """One published number: a system's score on one suite variant."""

    source: PublishedSource
    system: str
    suite: str
    """The registry suite name (suite file stem) the number was measured on, e.g. ``mamo_complex_original``."""
    value: float
    """Percent."""
    metric: Metric = Metric.ACCURACY
    setting: str = ""
    """What differs from plain pass@1, e.g. ``with self-correction``; empty for pass@1."""
    comparable: bool = True
    """False where the setting is not pass@1-comparable (self-correction loops, best-of-n)."""
    copied: bool = False
    """The source copied the number from another paper (marked ``*`` in the source)."""


SIRL_README = PublishedSource(
    key="sirl",
    title="SIRL README, reported results",
    where="Cardinal-Operations/SIRL README (ANCHORS.md §1.12)",
    rule="pass@1, |p-g|/(|g|+1) <= 1e-6, plus a free integer<->continuous retry and timeout counted correct "
    "when the ground truth is infeasible",
    preset="sirl",
    note="Measured on SIRL's test_data files (our default variants). Rows marked * were copied by SIRL from other "
    "papers; the LLMOPT row is its without-self-correction figure. Which IndustryOR revision (fixed v1 or V2) "
    "is behind the column is unclear.",
)

ORLM_README = PublishedSource(
    key="orlm",
    title="ORLM README, reported results",
    where="Cardinal-Operations/ORLM README (ANCHORS.md §2.4)",
    rule="greedy pass@1; both values rounded to integers, relative error <= 5 %; infeasible only when the "
    "program prints the literal 'No Best Solution'",
    preset="orlm",
    note="Measured on the 2024 releases (our *_original variants). Rows marked * were copied by ORLM from other "
    "papers. Re-scoring ORLM's recorded outputs with the strict rule gives 77.6 / 33.2 / 35.0 on NL4OPT / MAMO "
    "ComplexLP / IndustryOR instead of 85.7 / 37.4 / 38.0 (ANCHORS.md §2.5).",
)

LLMOPT_README = PublishedSource(
    key="llmopt",
    title="LLMOPT README, reported results (LLMOPT-Qwen2.5-14B)",
    where="antgroup/LLMOPT README (ANCHORS.md §4.3)",
    rule="solving accuracy judged by an LLM reading the solver log (no tolerance stated); ER = execution rate",
    preset=None,
    note="Measured on LLMOPT's data/testset files (our *_llmopt variants, 2025-04). Some percentages do not match "
    "a whole number of the shipped items, so the exact denominators are unknown. 'with self-correction' runs a "
    "repair loop (about 2 rounds on average) and is not pass@1-comparable.",
)


def _table(
    source: PublishedSource,
    suites: Sequence[str],
    rows: Sequence[tuple[str, Sequence[float | None]]],
    *,
    metric: Metric = Metric.ACCURACY,
    setting: str = "",
    comparable: bool = True,
) -> list[PublishedResult]:
    """Expand a transcribed table (system -> one value per suite, None for '–'); a ``*`` suffix marks copied rows."""
    results: list[PublishedResult] = []
    for system, values in rows:
        if len(values) != len(suites):
            raise ValueError(f"{source.key}: {system} has {len(values)} values for {len(suites)} suites")
        copied = system.endswith("*")
        name = system.rstrip("*").strip()
        for suite, value in zip(suites, values, strict=True):
            if value is not None:
                results.append(
                    PublishedResult(source, name, suite, value, metric, setting, comparable, copied),
                )
    return results


_SIRL_SUITES = ("nl4opt", "mamo_easy", "mamo_complex", "industryor", "optmath_bench", "optibench")
_SIRL_ROWS: list[tuple[str, Sequence[float | None]]] = [
    ("GPT-4*", (89.0, 87.3, 49.3, 33.0, 16.6, 68.6)),
    ("DeepSeek-V3*", (95.9, 88.3, 50.2, 37.0, 44.0, 71.6)),
    ("DeepSeek-R1", (82.4, 87.2, 67.9, 45.0, 40.4, 66.4)),
    ("OpenAI-o3", (69.4, 77.1, 51.2, 44.0, 44.0, 58.6)),
    ("OptiMUS*", (78.8, 77.0, 43.6, 31.0, 20.2, 45.8)),
    ("ORLM-LLaMA-3-8B*", (85.7, 82.3, 37.4, 24.0, 2.6, 51.1)),
    ("LLMOPT-Qwen2.5-14B*", (80.3, 89.5, 44.1, 29.0, 12.5, 53.8)),
    ("OptMATH-Qwen2.5-7B*", (94.7, 86.5, 40.8, 20.0, 24.4, 57.9)),
    ("OptMATH-Qwen2.5-32B", (95.9, 89.9, 54.1, 31.0, 34.7, 66.1)),
    ("SIRL-7B-Gurobi", (96.3, 91.7, 51.7, 38.0, 30.5, 58.0)),
    ("SIRL-32B-Gurobi", (98.0, 94.6, 61.1, 48.0, 45.8, 67.4)),
    ("SIRL-7B-COPT", (95.1, 92.1, 53.1, 35.0, 29.5, 58.3)),
    ("SIRL-32B-COPT", (98.4, 94.7, 72.4, 46.0, 39.8, 64.1)),
]

_ORLM_SUITES = ("nl4opt_original", "mamo_easy_original", "mamo_complex_original", "industryor_original")
_ORLM_ROWS: list[tuple[str, Sequence[float | None]]] = [
    ("GPT-4 Standard", (47.3, 66.5, 14.6, 28.0)),
    ("Chain-of-Experts (GPT-4)", (64.2, None, None, None)),
    ("OptiMUS (GPT-4)", (78.8, None, None, None)),
    ("ORLM-Mistral-7B", (84.4, 81.4, 32.0, 27.0)),
    ("ORLM-Deepseek-Math-7B-Base", (86.5, 82.2, 37.9, 33.0)),
    ("ORLM-LLaMA-3-8B", (85.7, 82.3, 37.4, 38.0)),
]
# The ORLM README marks GPT-4 Standard's first three and the CoE/OptiMUS figures as copied (its IndustryOR figure is
# its own), so those are expanded one by one below instead of with a row-level "*".
_ORLM_COPIED = {
    ("GPT-4 Standard", "nl4opt_original"),
    ("GPT-4 Standard", "mamo_easy_original"),
    ("GPT-4 Standard", "mamo_complex_original"),
    ("Chain-of-Experts (GPT-4)", "nl4opt_original"),
    ("OptiMUS (GPT-4)", "nl4opt_original"),
}

_LLMOPT_SUITES = (
    "nl4opt_llmopt",
    "mamo_easy_llmopt",
    "mamo_complex_llmopt",
    "nlp4lp_llmopt",
    "complexor_llmopt",
    "industryor_llmopt",
    "icml_competition_llmopt",
    "optibench_llmopt",
    "optmath_bench_llmopt",
)
_LLMOPT = "LLMOPT-Qwen2.5-14B"


def _orlm() -> list[PublishedResult]:
    rows = _table(ORLM_README, _ORLM_SUITES, _ORLM_ROWS)
    return [
        PublishedResult(r.source, r.system, r.suite, r.value, r.metric, r.setting, r.comparable, True)
        if (r.system, r.suite) in _ORLM_COPIED
        else r
        for r in rows
    ]


def _llmopt() -> list[PublishedResult]:
    return [
        *_table(
            LLMOPT_README,
            _LLMOPT_SUITES,
            [(_LLMOPT, (80.28, 89.53, 44.08, 73.42, 35.29, 29.00, 75.35, 53.83, 12.50))],
            setting="without self-correction",
        ),
        *_table(
            LLMOPT_README,
            _LLMOPT_SUITES,
            [(_LLMOPT, (97.31, 95.31, 85.78, 86.49, 76.47, 44.00, 95.76, 66.44, 40.00))],
            setting="with self-correction",
            comparable=False,
        ),
        *_table(
            LLMOPT_README,
            _LLMOPT_SUITES,
            [(_LLMOPT, (97.4, 98.3, 77.7, 97.9, 88.9, 61.0, 93.9, 73.2, 31.9))],
            metric=Metric.EXECUTION_RATE,
            setting="without self-correction",
        ),
        *_table(
            LLMOPT_README,
            _LLMOPT_SUITES,
            [(_LLMOPT, (100.0, 100.0, 99.1, 100.0, 100.0, 94.0, 99.7, 82.3, 75.3))],
            metric=Metric.EXECUTION_RATE,
            setting="with self-correction",
            comparable=False,
        ),
    ]


PUBLISHED: tuple[PublishedResult, ...] = (
    *_table(SIRL_README, _SIRL_SUITES, _SIRL_ROWS),
    *_orlm(),
    *_llmopt(),
)
"""Every transcribed number, in source order."""


def published_for(suite: str) -> list[PublishedResult]:
    """The published numbers measured on exactly this suite variant (registry suite name); [] when there are none.

    Matching is by suite name only, never by benchmark: ``industryor`` (SIRL's corrected V2) and
    ``industryor_original`` (the 2024 release ORLM used) share a benchmark but only a third of their answers.
    """
    return [result for result in PUBLISHED if result.suite == suite]
