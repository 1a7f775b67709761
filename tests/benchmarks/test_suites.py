"""The suite registry: data directory, registered suites, item loading (registered and user files), `bench list`."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from pathlib import Path

import pytest

from benchmarks.suites import (
    DATA_DIR_ENV,
    DEFAULT_DATA_DIR,
    DEFAULT_SUITES,
    SuiteError,
    data_dir,
    get_suite,
    list_suites,
    load_items,
    parse_answer,
    suite_info_for_path,
)
from benchmarks.suites_cli import add_fetch_parser, add_list_parser
from benchmarks.types import AnswerStatus


@pytest.fixture
def shared() -> Path:
    root = os.environ.get(DATA_DIR_ENV)
    if not root or not Path(root, "suites").is_dir():
        pytest.skip(f"benchmark data not found (set {DATA_DIR_ENV} to the benchmark data directory)")
    return Path(root)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="optagent bench")
    sub = parser.add_subparsers()
    add_list_parser(sub)
    add_fetch_parser(sub)
    return parser


# -- data directory ------------------------------------------------------------------------------------------------


def test_data_dir_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert data_dir() == tmp_path / "env"
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"
    assert data_dir(str(tmp_path / "s")) == tmp_path / "s"
    monkeypatch.delenv(DATA_DIR_ENV)
    assert data_dir() == DEFAULT_DATA_DIR.expanduser()
    assert "~" not in str(data_dir())


def test_missing_data_dir_says_how_to_set_it(tmp_path: Path) -> None:
    assert list_suites(tmp_path / "nothing") == []
    with pytest.raises(SuiteError, match=DATA_DIR_ENV) as info:
        get_suite("nl4opt", tmp_path / "nothing")
    assert "--data-dir" in str(info.value) and "bench fetch" in str(info.value)
    with pytest.raises(SuiteError, match=DATA_DIR_ENV):
        load_items("nl4opt", tmp_path / "nothing")


# -- the shipped registry ------------------------------------------------------------------------------------------


def test_every_shipped_suite_is_registered(shared: Path) -> None:
    suites = {info.name: info for info in list_suites(shared)}
    files = sorted(path.stem for path in (shared / "suites").glob("*.jsonl"))
    assert sorted(suites) == files
    assert {name for name, info in suites.items() if info.default} == set(DEFAULT_SUITES)
    nl4opt = suites["nl4opt"]
    assert (nl4opt.benchmark, nl4opt.variant, nl4opt.items) == ("NL4Opt", "sirl", 245)
    digest = hashlib.sha256((shared / "suites" / "nl4opt.jsonl").read_bytes()).hexdigest()
    assert nl4opt.version == digest[:12]
    assert nl4opt.upstream is not None and nl4opt.upstream.commit.startswith("8e85194")
    assert suites["industryor_original"].variant == "original" and not suites["industryor_original"].default
    assert suites["industryor_original"].upstream is None
    assert get_suite("mamo_easy", shared) == suites["mamo_easy"]


def test_env_var_is_the_default_data_dir(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_ENV, str(shared))
    assert get_suite("optibench").items == 605


def test_unknown_suite_lists_close_matches(shared: Path) -> None:
    with pytest.raises(SuiteError, match="did you mean nl4opt") as info:
        get_suite("nl4op", shared)
    assert isinstance(info.value, ValueError)
    with pytest.raises(SuiteError, match="`optagent bench list`") as info:
        get_suite("qqqqqq", shared)
    # no close match: a short hint (the default suites), not the whole registry
    assert "the default suites are nl4opt, " in str(info.value) and "complexor_alphaopt" not in str(info.value)


def test_load_registered_items_and_extras(shared: Path) -> None:
    nl4opt = load_items("nl4opt", shared)
    assert len(nl4opt) == 245 and nl4opt[0].id == "nl4opt-0001"
    assert nl4opt[0].answer == 1160.0 and nl4opt[0].answer_status is AnswerStatus.OK
    infeasible = [it for it in nl4opt if it.answer_status is AnswerStatus.INFEASIBLE]
    assert len(infeasible) == 17 and all(it.scorable for it in infeasible)
    assert all(it.answer is None and it.answer_raw == "No Best Solution" for it in infeasible)
    industryor = load_items("industryor", shared)
    assert industryor[0].extras["difficulty"] == "Medium" and industryor[0].benchmark == "IndustryOR"
    assert industryor[0].extras["source"].startswith("Cardinal-Operations/SIRL@8e85194")
    optibench = load_items("optibench_original", shared)[1]
    assert optibench.extras["answer_key"] == "Total Profit" and "Total Profit" in optibench.extras["results"]
    placeholders = [it for it in load_items("industryor_original", shared) if not it.scorable]
    assert len(placeholders) == 3 and {it.answer_status for it in placeholders} == {AnswerStatus.PLACEHOLDER}
    missing = [it for it in load_items("nlp4lp_original", shared) if it.answer_status is AnswerStatus.MISSING]
    assert len(missing) == 27 and all(it.answer is None and it.answer_raw == "" for it in missing)


def test_every_shipped_suite_loads(shared: Path) -> None:
    for info in list_suites(shared):
        items = load_items(info.name, shared)
        assert len(items) == info.items
        assert len({it.id for it in items}) == len(items)
        assert all(it.question.strip() for it in items)
        assert all((it.answer is not None) == (it.answer_status is AnswerStatus.OK) for it in items)


# -- answers and user files ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (12, (12.0, AnswerStatus.OK)),
        ("-3.5", (-3.5, AnswerStatus.OK)),
        (" 172666.667", (172666.667, AnswerStatus.OK)),
        ("1,234.5", (1234.5, AnswerStatus.OK)),
        (0, (0.0, AnswerStatus.OK)),
        ("No Best Solution", (None, AnswerStatus.INFEASIBLE)),
        ("infeasible", (None, AnswerStatus.INFEASIBLE)),
        (-9999, (None, AnswerStatus.INFEASIBLE)),
        ("-9999.0", (None, AnswerStatus.INFEASIBLE)),
        (-99999, (None, AnswerStatus.PLACEHOLDER)),
        ("-99999.0", (None, AnswerStatus.PLACEHOLDER)),
        (None, (None, AnswerStatus.MISSING)),
        ("", (None, AnswerStatus.MISSING)),
        ("nan", (None, AnswerStatus.MISSING)),
        ("about 12", (None, AnswerStatus.MISSING)),
        (True, (None, AnswerStatus.MISSING)),
    ],
)
def test_parse_answer(raw: object, expected: tuple[float | None, AnswerStatus]) -> None:
    assert parse_answer(raw) == expected


def test_parse_answer_can_keep_minus_9999_as_a_number() -> None:
    assert parse_answer("-9999", minus_9999_infeasible=False) == (-9999.0, AnswerStatus.OK)


def test_user_jsonl_with_aliases(tmp_path: Path) -> None:
    path = tmp_path / "mine.jsonl"
    rows = [
        {"en_question": "Maximize x.", "en_answer": "3", "difficulty": "Easy"},
        {"description": "Minimize y.", "ground_truth": "No Best Solution"},
        {"problem": "P3", "optimal_value": -99999},
        {"question": "P4", "answer": ""},
        {"question": "P5", "answer": 2.5, "id": 17, "category": "LP"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n\n")
    items = load_items(path)
    assert [it.id for it in items] == ["mine-0001", "mine-0002", "mine-0003", "mine-0004", "mine-0005"]
    assert [it.answer_status for it in items] == [
        AnswerStatus.OK,
        AnswerStatus.INFEASIBLE,
        AnswerStatus.PLACEHOLDER,
        AnswerStatus.MISSING,
        AnswerStatus.OK,
    ]
    assert items[0].question == "Maximize x." and items[0].answer == 3.0 and items[0].answer_raw == "3"
    assert dict(items[0].extras) == {"difficulty": "Easy"}
    assert items[4].extras == {"category": "LP", "source_id": 17}
    assert items[0].suite == "mine" and items[0].variant == "custom"
    info = suite_info_for_path(path)
    assert (info.name, info.items, info.default) == ("mine", 5, False)
    assert load_items(str(path))[0] == items[0]  # a path given as text works too


def test_user_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    path.write_text(
        'question,answer,problem_type\n"Maximize x, subject to x <= 3.",3,LP\nMinimize y.,No Best Solution,\n'
    )
    items = load_items(path)
    assert [(it.question, it.answer, it.answer_status) for it in items] == [
        ("Maximize x, subject to x <= 3.", 3.0, AnswerStatus.OK),
        ("Minimize y.", None, AnswerStatus.INFEASIBLE),
    ]
    assert items[0].extras == {"problem_type": "LP"}


def test_user_json_array(tmp_path: Path) -> None:
    path = tmp_path / "arr.json"
    path.write_text(json.dumps([{"question": "a", "answer": 1}, {"question": "b", "answer": 2}]))
    assert [it.answer for it in load_items(path)] == [1.0, 2.0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("bad.jsonl", '{"question": "a", "answer": 1}\n{not json}\n', r"bad\.jsonl:2: invalid JSON"),
        ("list.jsonl", '{"question": "a", "answer": 1}\n[1, 2]\n', r"list\.jsonl:2: expected a JSON object"),
        ("noq.jsonl", '{"answer": 1}\n', r"noq\.jsonl:1: no question field \(expected one of question, en_question"),
        ("emptyq.jsonl", '{"question": " ", "answer": 1}\n', r"emptyq\.jsonl:1: empty question"),
        (
            "dup.jsonl",
            '{"id": "a", "question": "q", "answer": 1}\n{"id": "a", "question": "q", "answer": 1}\n',
            r"dup\.jsonl:2: duplicate id 'a'",
        ),
        ("empty.jsonl", "\n", r"empty\.jsonl: no records"),
        ("nocol.csv", "text,answer\nq,1\n", r"nocol\.csv:1: no question column"),
        ("noans.csv", "question,value\nq,1\n", r"noans\.csv:1: no answer column"),
        ("cells.csv", "question,answer\nq,1,extra\n", r"cells\.csv:2: more cells than header columns"),
        ("blank.csv", "", r"blank\.csv:1: empty CSV"),
        ("quote.csv", 'question,answer\nq,1\n"unclosed,2\nr,3\n', r"quote\.csv:\d+: fewer cells than header columns"),
        ("word.csv", "question,answer\nq,abc\n", r"word\.csv:2: answer 'abc' is not a number"),
        (
            "status.jsonl",
            '{"question": "q", "answer": 1, "answer_status": "weird"}\n',
            r"status\.jsonl:1: answer_status",
        ),
    ],
)
def test_bad_files_name_file_and_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(SuiteError, match=message):
        load_items(path)


def test_missing_user_file(tmp_path: Path) -> None:
    with pytest.raises(SuiteError, match="no such file"):
        load_items(tmp_path / "absent.jsonl")


def test_registry_in_a_custom_data_dir(tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "toy.jsonl").write_text(json.dumps({"question": "q", "answer": 1}) + "\n")
    (suites / "nl4opt.jsonl").write_text(
        json.dumps(
            {
                "id": "nl4opt-0001",
                "suite": "nl4opt",
                "benchmark": "NL4Opt",
                "variant": "sirl",
                "question": "q",
                "answer": None,
                "answer_raw": "No Best Solution",
                "answer_status": "infeasible",
            }
        )
        + "\n"
    )
    infos = {info.name: info for info in list_suites(tmp_path)}
    assert infos["toy"].benchmark == "toy" and infos["toy"].variant == "custom" and not infos["toy"].default
    assert infos["nl4opt"].default and infos["nl4opt"].items == 1
    assert load_items("nl4opt", tmp_path)[0].answer_status is AnswerStatus.INFEASIBLE
    with pytest.raises(SuiteError, match="run `optagent bench fetch mamo_easy`"):
        get_suite("mamo_easy", tmp_path)


# -- bench list ----------------------------------------------------------------------------------------------------


def test_bench_list_table(shared: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["list", "--data-dir", str(shared)])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["name", "benchmark", "variant", "items", "version", "default"]
    row = next(line for line in lines if line.startswith("nl4opt "))
    assert row.split()[1:5] == ["NL4Opt", "sirl", "245", get_suite("nl4opt", shared).version]
    assert row.split()[-1] == "yes"
    assert len(lines) == 1 + len(list_suites(shared))


def test_bench_list_json_and_unfetched(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _parser().parse_args(["list", "--data-dir", str(tmp_path), "--json"])
    assert args.func(args) == 0
    rows = json.loads(capsys.readouterr().out)
    nl4opt = next(row for row in rows if row["name"] == "nl4opt")
    assert nl4opt["fetched"] is False and nl4opt["default"] is True and nl4opt["items"] is None
    args = _parser().parse_args(["list", "--data-dir", str(tmp_path)])
    assert args.func(args) == 0
    captured = capsys.readouterr()
    assert "(not fetched)" in captured.out and "bench fetch" in captured.err
