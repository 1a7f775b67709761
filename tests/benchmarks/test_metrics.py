"""Run metrics from records: the estimators, the denominators, strict beside the preset, fallbacks apart."""

from __future__ import annotations

from math import comb

import pytest

from benchmarks.metrics import METRIC_KEYS, format_summary, pass_at_k, summarize
from benchmarks.types import (
    AnswerStatus,
    ErrorCategory,
    ItemRecord,
    Prediction,
    PredictionStatus,
    SampleRecord,
    Score,
)


def score(passed: bool, strict: bool | None = None, fallback: str | None = None) -> Score:
    return Score(
        preset="sirl",
        passed=passed,
        strict=passed if strict is None else strict,
        category=ErrorCategory.CORRECT if passed else ErrorCategory.WRONG_OBJECTIVE,
        fallback=fallback,
    )


def sample(
    index: int, passed: bool, *, outcome: str = "ok", repairs: int = 0, strict: bool | None = None
) -> SampleRecord:
    return SampleRecord(index=index, code_run={"outcome": outcome}, score=score(passed, strict), repair_rounds=repairs)


def item(
    name: str,
    samples: list[SampleRecord],
    final: int = 0,
    *,
    suite: str = "a",
    status: AnswerStatus = AnswerStatus.OK,
    final_score: Score | None = None,
) -> ItemRecord:
    chosen = samples[final] if samples else None
    return ItemRecord(
        item_id=name,
        suite=suite,
        answer_status=status,
        samples=tuple(samples),
        final=chosen,
        score=final_score or (chosen.score if chosen else None),
        prompt_tokens=10,
        completion_tokens=5,
        latency_s=2.0,
    )


@pytest.mark.parametrize(("n", "c", "k"), [(5, 2, 1), (5, 2, 2), (5, 2, 4), (10, 3, 5), (7, 0, 3), (4, 4, 2)])
def test_pass_at_k_is_the_unbiased_estimator(n: int, c: int, k: int) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(1 - comb(n - c, k) / comb(n, k))


def test_pass_at_k_edges() -> None:
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)  # pass@1 from samples is c / n
    assert pass_at_k(5, 2, 4) == 1.0  # fewer wrong samples than k: a correct one is always drawn
    assert pass_at_k(3, 0, 3) == 0.0
    with pytest.raises(ValueError):
        pass_at_k(3, 4, 1)
    with pytest.raises(ValueError):
        pass_at_k(3, 1, 4)


def test_single_sample_accuracy_strict_and_fallbacks() -> None:
    records = [
        item("1", [sample(0, True)]),
        item("2", [sample(0, True, strict=False)], final_score=score(True, strict=False, fallback="sirl_type_flip")),
        item("3", [sample(0, False, outcome="runtime_error", repairs=2)]),
        item("4", [sample(0, False)], status=AnswerStatus.PLACEHOLDER),  # in every denominator, as a failure
    ]
    overall = summarize(records)["overall"]
    assert overall["items"] == 4 and overall["scorable"] == 3 and overall["unscorable"] == 1
    # Like the papers (ORLM's 85.7 = 210/245 on NL4Opt), accuracies divide by every item, unscorable ones included.
    assert overall["accuracy"] == pytest.approx(2 / 4)
    assert overall["strict_accuracy"] == pytest.approx(1 / 4)
    assert overall["fallback_passes"] == 1
    assert overall["accuracy_without_fallbacks"] == pytest.approx(1 / 4)
    assert overall["execution_rate"] == pytest.approx(3 / 4)
    assert overall["mean_repair_rounds"] == pytest.approx(0.5)
    assert overall["self_consistency"] is None  # no item had more than one sample
    assert overall["pass_at_k"] == {"1": pytest.approx(2 / 4)}
    assert overall["prompt_tokens"] == 40 and overall["mean_latency_s"] == 2.0
    assert set(overall) == set(METRIC_KEYS)


def test_samples_give_pass_at_k_any_of_k_and_self_consistency() -> None:
    records = [
        item("1", [sample(0, False), sample(1, True), sample(2, True)], final=1),  # voted right
        item("2", [sample(0, False), sample(1, True), sample(2, False)], final=0),  # voted wrong, one right
        item("3", [sample(0, False), sample(1, False), sample(2, False)]),
    ]
    overall = summarize(records)["overall"]
    assert overall["accuracy"] == pytest.approx(1 / 3)
    assert overall["self_consistency"] == pytest.approx(1 / 3)
    assert overall["any_of_k"] == pytest.approx(2 / 3)
    expected_1 = (pass_at_k(3, 2, 1) + pass_at_k(3, 1, 1) + 0) / 3
    expected_2 = (pass_at_k(3, 2, 2) + pass_at_k(3, 1, 2) + 0) / 3
    assert overall["pass_at_k"]["1"] == pytest.approx(expected_1)
    assert overall["pass_at_k"]["2"] == pytest.approx(expected_2)
    assert overall["pass_at_k"]["3"] == pytest.approx(2 / 3)
    assert summarize(records)["samples"] == 3


def test_errors_count_as_failures_and_suites_are_split() -> None:
    error = ItemRecord(item_id="e", suite="b", error="LLMResponseError: prompt too long")
    records = [item("1", [sample(0, True)]), item("2", [sample(0, True)], suite="b"), error]
    summary = summarize(records)
    assert summary["preset"] == "sirl"
    assert list(summary["suites"]) == ["a", "b"]
    assert summary["suites"]["a"]["accuracy"] == 1.0
    b = summary["suites"]["b"]
    assert b["errors"] == 1 and b["accuracy"] == 0.5 and b["categories"] == {"correct": 1, "error": 1}
    assert summary["overall"]["accuracy"] == pytest.approx(2 / 3)


def test_a_replayed_record_with_only_a_final_answer_counts() -> None:
    final = SampleRecord(index=0, prediction=Prediction(PredictionStatus.SOLVED, 3.0), score=score(True))
    record = ItemRecord(item_id="r", suite="a", final=final, score=final.score)
    overall = summarize([record])["overall"]
    assert overall["accuracy"] == 1.0 and overall["execution_rate"] == 1.0 and overall["pass_at_k"] == {"1": 1.0}


def test_empty_and_table() -> None:
    empty = summarize([])
    assert empty["overall"]["accuracy"] is None and empty["suites"] == {}
    records = [
        item("1", [sample(0, True), sample(1, False)]),
        item("2", [sample(0, False), sample(1, False)], suite="b"),
    ]
    table = format_summary(summarize(records))
    lines = table.splitlines()
    assert lines[0].split()[:5] == ["suite", "items", "unscorable", "pass@1", "(sirl)"]
    assert "pass@2" in lines[0] and "any@2" in lines[0]
    assert lines[1].startswith("a ") and lines[3].startswith("overall")
    assert "100.0" in lines[1] and "50.0" in lines[3]


def test_unscorable_items_are_failures_in_every_accuracy_and_shown_apart() -> None:
    """The denominator is the whole group, so a replay's headline equals the papers' figure (210/245, not 210/237)."""
    records = [item(str(i), [sample(0, True), sample(1, True)]) for i in range(3)]
    records.append(item("p", [sample(0, False), sample(1, False)], status=AnswerStatus.PLACEHOLDER))
    overall = summarize(records)["overall"]
    assert overall["unscorable"] == 1 and overall["items"] == 4
    for key in ("accuracy", "strict_accuracy", "self_consistency", "any_of_k", "accuracy_without_fallbacks"):
        assert overall[key] == pytest.approx(3 / 4), key
    assert overall["pass_at_k"] == {"1": pytest.approx(3 / 4), "2": pytest.approx(3 / 4)}
    table = format_summary(summarize(records))
    assert table.splitlines()[0].split()[2] == "unscorable" and "of all items" in table


def test_strict_preset_table_has_no_duplicate_strict_column() -> None:
    strict = Score(
        preset="strict", passed=True, strict=True, category=ErrorCategory.CORRECT, expected=1.0, predicted=1.0
    )
    record = ItemRecord(item_id="1", suite="a", answer=1.0, score=strict, final=SampleRecord(index=0, score=strict))
    header = format_summary(summarize([record])).splitlines()[0]
    assert "pass@1 (strict)" in header and header.split().count("strict") == 0
