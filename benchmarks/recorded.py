"""Readers for recorded model outputs: the files other systems published of what their models answered.

Replay (:mod:`benchmarks.replay`) re-scores and re-executes these. The readers' job is to turn each published
layout into the same shape, :class:`RecordedItem` — ground truth, completion(s), the program the authors ran and
what their run printed — and to say *how* they recognized the file, because a replay that silently read the wrong
field would report a wrong number with full confidence.

Record formats (:class:`RecordFormat`, one per file; ``auto`` detects it from the fields of the first records):

``orlm``
    ORLM's ``executed.jsonl`` (ANCHORS §2.3): ``en_question``, ``en_answer``, ``en_math_model_coptpy_code`` (the
    raw completion), ``to_run_script`` (the program ORLM executed, completion code plus its footer),
    ``execution_result`` (stdout only; stderr was dropped), ``execution_best_solution`` and ``execution_state``.
``completions``
    Any JSONL (or JSON list) of records holding a completion — ``completion``, ``response``, ``output``,
    ``generated_text``, ``en_math_model_coptpy_code``, a list of samples under ``completions``/``responses``/
    ``outputs``/``samples``, an inline OpenAI ``choices`` body, or a chat ``messages`` list — and either a ground
    truth (``en_answer``, ``answer``, ``ground_truth``, ...) or an ``id`` naming an item of a registered suite.
    The completion can be in any layout :func:`agent.parsing.parse_response` knows (SIRL tags, ORLM markdown,
    LLMOPT, AlphaOPT, fenced, ...): that is detected per completion, later, by the replay.
``openai-batch``
    OpenAI Batch API output lines (``custom_id`` + ``response.body``, chat or completions or Responses API); the
    ``custom_id`` is the item's id in a registered suite, which supplies the ground truth.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from benchmarks.suites import parse_answer as parse_suite_answer
from benchmarks.types import AnswerStatus, Item

__all__ = [
    "ANSWER_FIELDS",
    "COMPLETION_FIELDS",
    "ORLM_SUITES",
    "RecordFormat",
    "RecordedExecution",
    "RecordedFile",
    "RecordedItem",
    "RecordsError",
    "SuiteItems",
    "anchor_first_block",
    "default_label",
    "find_record_files",
    "load_recorded",
    "parse_answer",
]


class RecordsError(ValueError):
    """A recorded-outputs file cannot be read as asked; the message names the file and what was expected."""


class RecordFormat(StrEnum):
    """How a file of recorded outputs is laid out (see the module docstring)."""

    ORLM = "orlm"
    COMPLETIONS = "completions"
    OPENAI_BATCH = "openai-batch"


COMPLETION_FIELDS: tuple[str, ...] = (
    "completion",
    "response",
    "output",
    "generated_text",
    "en_math_model_coptpy_code",
    "completions",
    "responses",
    "outputs",
    "samples",
    "generation",
    "prediction_text",
    "choices",
    "messages",
)
"""Fields holding the model's answer, tried in this order (the first one present wins)."""

ANSWER_FIELDS: tuple[str, ...] = ("en_answer", "answer", "ground_truth", "gt", "groundtruth", "target", "label")
"""Fields holding the ground truth, tried in this order."""

QUESTION_FIELDS: tuple[str, ...] = ("en_question", "question", "description", "problem", "prompt_question")
ID_FIELDS: tuple[str, ...] = ("id", "item_id", "task_id", "custom_id", "uid", "index")

ORLM_SUITES: Mapping[str, str] = {
    "NL4OPT": "nl4opt_original",
    "MAMO.EasyLP": "mamo_easy_original",
    "MAMO.ComplexLP": "mamo_complex_original",
    "IndustryOR": "industryor_original",
}
"""ORLM result folder prefix -> the registered suite (2024 versions) its rows were produced against."""

_DETECT_LINES = 50
"""How many records the format detection looks at."""

_INFEASIBLE_WORDS = ("no best solution", "infeasible", "no feasible solution", "no solution", "not feasible")
_NUMBER_TEXT = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?$")


@dataclass(frozen=True, slots=True)
class RecordedExecution:
    """What the authors' own run of a program recorded (ORLM's ``execution_*`` fields), verbatim."""

    best_solution: str | None
    """``execution_best_solution``: a number as text, ``"No Best Solution"``, or None when the run failed."""
    state: str
    """``execution_state``: ``Execution Successful and Best Solution Found``, ``... but No Best Solution Found``,
    ``Execution Failed: <stdout>``, ``Execution Failed: Timeout``, ``Execution Failed: No code``."""
    stdout: str = ""

    @property
    def failed(self) -> bool:
        """The run crashed, timed out or had no code (no value and no "No Best Solution" line)."""
        return self.state.startswith("Execution Failed") or (
            self.best_solution is None and not self.state.startswith("Execution Successful")
        )

    @property
    def timed_out(self) -> bool:
        """ORLM killed the run at its time limit (300 s in the published runs)."""
        return self.state.strip() == "Execution Failed: Timeout"

    @property
    def no_code(self) -> bool:
        """ORLM found no ```` ```python ```` block to run."""
        return self.state.strip() == "Execution Failed: No code"

    @property
    def licence_failure(self) -> bool:
        """The run failed while COPT was asking its web licence server for a licence (IndustryOR, 28 rows).

        Every ORLM stdout mentions licences (COPT's start-up banner), so only a *failed* run whose output shows a
        licence *request* counts: the program never got to solve, for reasons that have nothing to do with it.
        """
        text = self.stdout.lower()
        return self.failed and ("web license" in text or "request license" in text or "license server" in text)

    @property
    def value(self) -> float | None:
        """The recorded objective as a number, or None ("No Best Solution", a failure, or unreadable text)."""
        if self.best_solution is None:
            return None
        try:
            number = float(self.best_solution)
        except ValueError:
            return None
        return number if math.isfinite(number) else None

    @property
    def no_best_solution(self) -> bool:
        """The program ran and its footer printed "No Best Solution" (the model's status was not optimal)."""
        return self.best_solution is not None and self.best_solution.strip().lower() == "no best solution"


@dataclass(frozen=True, slots=True)
class RecordedItem:
    """One record of a recorded-outputs file: the item it answers, the completion(s) and any recorded run."""

    line: int
    """1-based record number in the file (the line, for JSONL)."""
    item_id: str
    question: str
    answer: float | None
    answer_status: AnswerStatus
    answer_raw: str
    completions: tuple[str, ...] = ()
    """The model's answer(s); several for pass@k files (the first is the pass@1 answer)."""
    program: str | None = None
    """The program the authors executed (ORLM's ``to_run_script``); None when only completions were recorded."""
    execution: RecordedExecution | None = None
    suite_item: str | None = None
    """The id of the same problem in a registered suite, when it could be matched (for the report's joins)."""
    extras: Mapping[str, Any] = field(default_factory=dict)
    """Per-item fields kept for the report: ``difficulty``, ``type``, ``scene``, ..."""
    problem: str = ""
    """Why this record could not be read (bad JSON, no completion); empty when it was read."""

    def item(self, suite: str) -> Item:
        """The item (with this record's ground truth) that a scoring preset judges."""
        return Item(
            id=self.item_id,
            suite=suite,
            question=self.question,
            answer=self.answer,
            answer_status=self.answer_status,
            answer_raw=self.answer_raw,
            extras=dict(self.extras),
        )


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A whole file of recorded outputs, read, with an account of how it was recognized."""

    path: str
    label: str
    """Short name used as the run's suite name: the ORLM folder (``NL4OPT.q2mc_en.ORLM-LLaMA-3-8B``) or the
    file name without its extension."""
    format: RecordFormat
    detected_by: str
    """How the format was chosen: ``--format`` or the fields that gave it away."""
    items: tuple[RecordedItem, ...]
    sha256: str
    model: str = ""
    """The model that produced the outputs, when the file says (ORLM's folder name does)."""
    completion_field: str | None = None
    answer_field: str | None = None
    suite: str | None = None
    """The registered suite the records belong to, when known (ORLM folders, or ids of one suite)."""
    warnings: tuple[str, ...] = ()

    @property
    def version(self) -> str:
        """Content version, like a suite's: the first 12 hex digits of the file's sha256."""
        return self.sha256[:12]


SuiteItems = Callable[[str], Sequence[Item]]
"""The items of a registered suite by name; empty for a name that is not registered (or no data directory)."""


# -- ground truth ---------------------------------------------------------------------------------------------------


def parse_answer(value: Any) -> tuple[float | None, AnswerStatus, str]:
    """A recorded ground truth as ``(answer, status, raw text)``: the suites' reading, plus what recorded files add.

    Numbers go through :func:`benchmarks.suites.parse_answer` (-9999 infeasible, -99999 a placeholder). Recorded
    files also wrap a value in a one-element list and word an infeasible label inside a longer text ("no feasible
    solution"); text that is not plainly a number (``"1,200"`` and ``"3.5e3"`` are) is missing.
    """
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    raw = "" if value is None else str(value)
    if isinstance(value, str):
        text = value.strip()
        if any(word in text.lower() for word in _INFEASIBLE_WORDS):
            return None, AnswerStatus.INFEASIBLE, raw
        if not (text and _NUMBER_TEXT.match(text) and any(c.isdigit() for c in text)):
            return None, AnswerStatus.MISSING, raw
        value = float(text.replace(",", ""))
    elif not isinstance(value, int | float) or isinstance(value, bool):
        return None, AnswerStatus.MISSING, raw
    answer, status = parse_suite_answer(value)
    return answer, status, raw


# -- completions ------------------------------------------------------------------------------------------------------


def _texts(value: Any) -> tuple[str, ...]:
    """The completion text(s) inside a field's value, whatever shape the producer gave it."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Mapping):
        for key in ("content", "text", "generated_text", "completion", "output", "response"):
            inner = value.get(key)
            if isinstance(inner, str):
                return (inner,)
        message = value.get("message")
        if isinstance(message, Mapping):
            return _texts(message)
        if "choices" in value:
            return _texts(value["choices"])
        if "output" in value or "body" in value:
            return _texts(value.get("body", value.get("output")))
        return ()
    if isinstance(value, list):
        if value and all(isinstance(v, Mapping) and "role" in v for v in value):  # a chat transcript
            answers = [v for v in value if v.get("role") == "assistant"]
            return _texts(answers[-1]) if answers else ()
        if value and all(isinstance(v, Mapping) and v.get("type") in ("output_text", "message") for v in value):
            parts = [t for v in value for t in _texts(v.get("content", v))]  # the Responses API's output list
            return ("".join(parts),) if parts else ()
        out: list[str] = []
        for entry in value:
            out.extend(_texts(entry))
        return tuple(out)
    return ()


def _batch_texts(record: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """The completion(s) of one OpenAI Batch output line, and why there are none when the request failed."""
    error = record.get("error")
    response = record.get("response")
    if not isinstance(response, Mapping):
        return (), f"batch request failed: {json.dumps(error)[:200] if error else 'no response'}"
    status = response.get("status_code")
    body = response.get("body")
    if isinstance(status, int) and status != 200:
        return (), f"batch request failed with HTTP {status}: {json.dumps(body)[:200]}"
    if not isinstance(body, Mapping):
        return (), "batch response has no body"
    if "choices" in body:
        texts = _texts(body["choices"])
    elif "output" in body:  # Responses API
        texts = _texts(body["output"])
    else:
        texts = ()
    return texts, "" if texts else "batch response holds no text"


def anchor_first_block(text: str) -> str | None:
    """The program as SIRL and ORLM located it: the first ``<python>`` tag, else the first ```` ```python ```` block.

    :func:`agent.parsing.extract_code` picks the best-ranked block instead (the last among equals); the two agree
    on responses with one code block, which is how the anchors' checkpoints write. Replaying with this locator
    (``--first-block``) reproduces the authors' extraction on the rare multi-block response.
    """
    tag = re.search(r"<python>(.*?)(?:</python>|\Z)", text, re.DOTALL)
    if tag is not None:
        inner = tag.group(1)
        fenced = re.search(r"```(?:python|py)?[^\n]*\n(.*?)(?:```|\Z)", inner, re.DOTALL)
        code = fenced.group(1) if fenced else inner
        return code.strip("\n") or None
    fenced = re.search(r"```python[^\n]*\n(.*?)(?:```|\Z)", text, re.DOTALL)
    return fenced.group(1).strip("\n") or None if fenced else None


# -- reading ----------------------------------------------------------------------------------------------------------


def find_record_files(paths: Sequence[str | os.PathLike[str]]) -> list[Path]:
    """The record files named: files as given, and every ``*.jsonl``/``*.json`` under a folder (sorted).

    Raises:
        RecordsError: A path does not exist, or a folder holds no record file.
    """
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in (".jsonl", ".json"))
            inside = [p for p in inside if not p.name.endswith(".metrics.json")]
            if not inside:
                raise RecordsError(f"{path} holds no .jsonl or .json file of recorded outputs")
            found.extend(inside)
        elif path.is_file():
            found.append(path)
        else:
            raise RecordsError(f"{path} does not exist (expected a JSONL file of recorded outputs, or a folder)")
    unique: dict[Path, None] = {}
    for path in found:
        unique.setdefault(path.resolve(), None)
    return list(unique)


def _read_records(path: Path) -> tuple[list[tuple[int, Mapping[str, Any] | None, str]], str]:
    """``(line, record or None, problem)`` for each record, and the file's sha256; JSONL or one JSON list."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RecordsError(f"cannot read {path}: {exc}") from None
    digest = hashlib.sha256(data).hexdigest()
    text = data.decode("utf-8", "replace").lstrip("\ufeff")
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if isinstance(whole, list):
            return [
                (i, r, "") if isinstance(r, Mapping) else (i, None, "not a JSON object") for i, r in enumerate(whole, 1)
            ], digest
    out: list[tuple[int, Mapping[str, Any] | None, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            out.append((number, None, f"line {number} is not JSON: {exc}"))
            continue
        if not isinstance(record, Mapping):
            out.append((number, None, f"line {number} is not a JSON object"))
            continue
        out.append((number, record, ""))
    return out, digest


def _detect(records: Iterable[Mapping[str, Any]]) -> tuple[RecordFormat, str] | None:
    """The format the first records point to, with the fields that gave it away."""
    for record in records:
        if "to_run_script" in record and ("execution_best_solution" in record or "execution_state" in record):
            return RecordFormat.ORLM, "fields to_run_script + execution_best_solution (ORLM executed.jsonl)"
        if (
            "custom_id" in record
            and ("response" in record or "error" in record)
            and "body" in json.dumps(record.get("response") or {})[:2000]
        ):
            return RecordFormat.OPENAI_BATCH, "fields custom_id + response.body (OpenAI Batch output)"
        for name in COMPLETION_FIELDS:
            if name in record:
                return RecordFormat.COMPLETIONS, f"completion field {name!r}"
    return None


def _first(record: Mapping[str, Any], names: Sequence[str]) -> tuple[str | None, Any]:
    for name in names:
        if name in record and record[name] is not None:
            return name, record[name]
    return None, None


def load_recorded(
    path: str | os.PathLike[str],
    *,
    format: str | RecordFormat = "auto",
    suite_items: SuiteItems | None = None,
    label: str | None = None,
) -> RecordedFile:
    """Read one file of recorded outputs.

    Args:
        path: A JSONL file (or a JSON list of records).
        format: ``auto`` or a :class:`RecordFormat` value; ``auto`` looks at the first records' fields.
        suite_items: The registered suites' items: they supply the ground truth (and question) of records whose id
            (``<suite>-NNNN``) names a suite item but that have no answer field (OpenAI Batch output always), and
            ORLM rows are matched to their suite's items by question text, for the report's joins.
        label: The file's name in the run (default :func:`default_label`); a replay of several files with the same
            name passes distinct ones.

    Raises:
        RecordsError: The file is unreadable, empty, or its format cannot be told (the message lists the fields
            looked for) or is not the one asked for.
    """
    file = Path(path)
    rows, digest = _read_records(file)
    good = [r for _, r, _ in rows if r is not None]
    if not good:
        raise RecordsError(f"{file} holds no JSON records")
    if str(format) == "auto":
        detected = _detect(good[:_DETECT_LINES])
        if detected is None:
            raise RecordsError(
                f"cannot tell the format of {file}: no record has ORLM's executed fields, an OpenAI Batch response "
                f"or a completion field ({', '.join(COMPLETION_FIELDS)}); pass --format"
            )
        fmt, detected_by = detected
    else:
        try:
            fmt = RecordFormat(str(format))
        except ValueError:
            choices = ", ".join(["auto", *(f.value for f in RecordFormat)])
            raise RecordsError(f"unknown record format {format!r}; choose one of: {choices}") from None
        detected_by = "--format"
    if fmt is RecordFormat.ORLM:
        return _load_orlm(file, rows, digest, detected_by, suite_items, label or default_label(file))
    return _load_generic(file, rows, digest, fmt, detected_by, _IdLookup(suite_items), label or default_label(file))


def default_label(file: str | os.PathLike[str]) -> str:
    """A file's name in a replay: its folder for ORLM-style ``<run>/executed.jsonl``, else its name without suffix."""
    file = Path(file)
    if file.stem in ("executed", "generated", "outputs", "results", "predictions") and file.parent.name:
        return file.parent.name
    return file.stem


def _load_orlm(
    file: Path,
    rows: list[tuple[int, Mapping[str, Any] | None, str]],
    digest: str,
    detected_by: str,
    suite_items: SuiteItems | None,
    label: str,
) -> RecordedFile:
    prefix, _, model = label.partition(".q2mc_en.")
    suite = ORLM_SUITES.get(prefix)
    matcher = _QuestionMatcher(suite_items(suite) if suite and suite_items else ())
    items: list[RecordedItem] = []
    warnings: list[str] = []
    for line, record, problem in rows:
        item_id = f"{label}-{line:04d}"
        if record is None:
            items.append(RecordedItem(line, item_id, "", None, AnswerStatus.MISSING, "", problem=problem))
            continue
        if "to_run_script" not in record:
            warnings.append(f"line {line}: no to_run_script field")
        answer, status, raw = parse_answer(record.get("en_answer"))
        question = str(record.get("en_question") or "")
        best = record.get("execution_best_solution")
        execution = RecordedExecution(
            best_solution=None if best is None else str(best),
            state=str(record.get("execution_state") or ""),
            stdout=str(record.get("execution_result") or ""),
        )
        completion = record.get("en_math_model_coptpy_code")
        program = record.get("to_run_script")
        extras = {k: record[k] for k in ("difficulty", "scene", "type", "source") if record.get(k) is not None}
        items.append(
            RecordedItem(
                line=line,
                item_id=item_id,
                question=question,
                answer=answer,
                answer_status=status,
                answer_raw=raw,
                completions=(completion,) if isinstance(completion, str) else (),
                program=program if isinstance(program, str) and program.strip() else None,
                execution=execution,
                suite_item=matcher.match(question, raw),
                extras=extras,
            )
        )
    return RecordedFile(
        path=str(file),
        label=label,
        format=RecordFormat.ORLM,
        detected_by=detected_by,
        items=tuple(items),
        sha256=digest,
        model=model,
        completion_field="en_math_model_coptpy_code",
        answer_field="en_answer",
        suite=suite,
        warnings=tuple(warnings[:20]),
    )


class _QuestionMatcher:
    """Finds the registered suite item with the same question text (ORLM rows are not in the suite's order)."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._by_question: dict[str, list[Item]] = {}
        for item in items:
            self._by_question.setdefault(" ".join(item.question.split()), []).append(item)

    def match(self, question: str, answer_raw: str) -> str | None:
        candidates = self._by_question.get(" ".join(question.split()))
        if not candidates:
            return None
        same = [c for c in candidates if c.answer_raw == answer_raw] or candidates
        chosen = same[0]
        candidates.remove(chosen)  # duplicated questions map one to one, in order
        return chosen.id


class _IdLookup:
    """Finds a registered suite item by its id, ``<suite>-NNNN``, loading each suite once."""

    def __init__(self, suite_items: SuiteItems | None) -> None:
        self._suite_items = suite_items
        self._suites: dict[str, dict[str, Item]] = {}

    def __call__(self, item_id: str) -> Item | None:
        suite, dash, number = item_id.rpartition("-")
        if self._suite_items is None or not dash or not suite or not number.isdigit():
            return None
        if suite not in self._suites:
            try:
                self._suites[suite] = {item.id: item for item in self._suite_items(suite)}
            except (LookupError, ValueError, OSError):
                self._suites[suite] = {}
        return self._suites[suite].get(item_id)


def _load_generic(
    file: Path,
    rows: list[tuple[int, Mapping[str, Any] | None, str]],
    digest: str,
    fmt: RecordFormat,
    detected_by: str,
    lookup: _IdLookup,
    label: str,
) -> RecordedFile:
    items: list[RecordedItem] = []
    completion_fields: dict[str, int] = {}
    answer_fields: dict[str, int] = {}
    suites: dict[str, int] = {}
    for line, record, problem in rows:
        fallback_id = f"{label}-{line:04d}"
        if record is None:
            items.append(RecordedItem(line, fallback_id, "", None, AnswerStatus.MISSING, "", problem=problem))
            continue
        id_field, raw_id = _first(record, ("custom_id", *ID_FIELDS) if fmt is RecordFormat.OPENAI_BATCH else ID_FIELDS)
        item_id = str(raw_id) if raw_id is not None and str(raw_id).strip() else fallback_id
        if fmt is RecordFormat.OPENAI_BATCH:
            texts, problem = _batch_texts(record)
            completion_name: str | None = "response.body"
        else:
            completion_name, value = _first(record, COMPLETION_FIELDS)
            texts = _texts(value) if completion_name else ()
            problem = "" if texts else f"no completion (looked for {', '.join(COMPLETION_FIELDS)})"
        if completion_name:
            completion_fields[completion_name] = completion_fields.get(completion_name, 0) + 1
        answer_name, answer_value = _first(record, ANSWER_FIELDS)
        registered = lookup(item_id) if id_field is not None else None
        if answer_name is not None:
            answer, status, raw = parse_answer(answer_value)
            answer_fields[answer_name] = answer_fields.get(answer_name, 0) + 1
        elif registered is not None:
            answer, status, raw = registered.answer, registered.answer_status, registered.answer_raw
            answer_fields["suite item"] = answer_fields.get("suite item", 0) + 1
        else:
            answer, status, raw = None, AnswerStatus.MISSING, ""
        if registered is not None:
            suites[registered.suite] = suites.get(registered.suite, 0) + 1
        _, question_value = _first(record, QUESTION_FIELDS)
        question = str(question_value) if question_value is not None else (registered.question if registered else "")
        extras: dict[str, Any] = dict(registered.extras) if registered is not None else {}
        extras.update({k: record[k] for k in ("difficulty", "type", "problem_type", "category") if k in record})
        items.append(
            RecordedItem(
                line=line,
                item_id=item_id,
                question=question,
                answer=answer,
                answer_status=status,
                answer_raw=raw,
                completions=tuple(texts),
                suite_item=registered.id if registered is not None else None,
                extras=extras,
                problem=problem,
            )
        )
    warnings: list[str] = []
    if not answer_fields:
        warnings.append(
            f"no ground truth: no record has an answer field ({', '.join(ANSWER_FIELDS)}) or an id of a registered "
            "suite item; every item is unscorable"
        )
    return RecordedFile(
        path=str(file),
        label=label,
        format=fmt,
        detected_by=detected_by,
        items=tuple(items),
        sha256=digest,
        completion_field=_most(completion_fields),
        answer_field=_most(answer_fields),
        suite=_most(suites) if len(suites) == 1 else None,
        warnings=tuple(warnings),
    )


def _most(counts: Mapping[str, int]) -> str | None:
    return max(counts, key=lambda k: counts[k]) if counts else None
