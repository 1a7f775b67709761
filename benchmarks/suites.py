"""The suite registry: which benchmark suites exist, where their data lives, and how their items are read.

Suites are not shipped with the package (several sources carry no licence that allows redistribution): they live in
a data directory, one normalized JSONL file per suite in ``<data_dir>/suites/<name>.jsonl`` (layout in
``docs/benchmarks.md``). Every file there is a registered suite; its version is the first 12 hex digits of the
sha256 of the file, so a run log records exactly which content it was scored against. The default suites are fetched
from their pinned upstream files by ``optagent bench fetch`` (:mod:`benchmarks.fetch`).

Users can also score their own file: :func:`load_items` accepts a path to a JSONL, JSON or CSV file whose records
carry a question and an answer under any of the common column names.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import math
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from benchmarks.types import AnswerStatus, Item, SuiteInfo, UpstreamFile

__all__ = [
    "ANSWER_COLUMNS",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "DEFAULT_SUITES",
    "QUESTION_COLUMNS",
    "UPSTREAM",
    "SuiteError",
    "data_dir",
    "get_suite",
    "jsonl_objects",
    "list_suites",
    "load_items",
    "parse_answer",
    "suite_info_for_path",
]

DATA_DIR_ENV = "OPTAGENT_DATA_DIR"
"""Environment variable naming the benchmark data directory."""
DEFAULT_DATA_DIR = Path("~/.local/share/optagent/benchmarks")
"""Where the data lives when neither ``--data-dir`` nor :data:`DATA_DIR_ENV` says otherwise."""

DEFAULT_SUITES: tuple[str, ...] = ("nl4opt", "mamo_easy", "mamo_complex", "industryor", "optibench", "optmath_bench")
"""Each benchmark's default variant (the most-corrected public version): the suites of SIRL's comparison table."""

SIRL_REPO = "Cardinal-Operations/SIRL"
SIRL_COMMIT = "8e85194b8f251ec229cc310c2c6e8794ead85682"


@dataclass(frozen=True, slots=True)
class _Upstream:
    benchmark: str
    variant: str
    file: UpstreamFile


def _sirl(path: str, sha256: str) -> UpstreamFile:
    return UpstreamFile(repo=SIRL_REPO, commit=SIRL_COMMIT, path=f"test_data/{path}", sha256=sha256)


_UPSTREAM: dict[str, _Upstream] = {
    "nl4opt": _Upstream(
        "NL4Opt", "sirl", _sirl("NL4OPT.jsonl", "7cf8e6fb097a57d9f647ab7b37d005656cbc6a89f6ba2978a52ed618bfbdb5df")
    ),
    "mamo_easy": _Upstream(
        "MAMO-EasyLP",
        "sirl_fixed",
        _sirl("MAMO_EasyLP_fixed.jsonl", "3704621599ff600216f810dd3b118b6ae86a69eb2afa7f386dbea88069657fb7"),
    ),
    "mamo_complex": _Upstream(
        "MAMO-ComplexLP",
        "sirl_fixed",
        _sirl("MAMO_ComplexLP_fixed.jsonl", "0fe155db0ddb62ab82cdf270f2966afae9f46a512b1c02f6d8a9233f5d3f33c7"),
    ),
    "industryor": _Upstream(
        "IndustryOR",
        "sirl_fixedV2",
        _sirl("IndustryOR_fixedV2.json", "756549264386d9c28f3bf15b442e4d45e345f809155f7c7951c9b7edfd25ee8b"),
    ),
    "optibench": _Upstream(
        "OptiBench",
        "sirl",
        _sirl("OptiBench.jsonl", "1652b89ba6e3f08b4c67662ea1c8534170577e6f32e486df28befaa0d742174e"),
    ),
    "optmath_bench": _Upstream(
        "OptMATH-Bench",
        "sirl_166",
        _sirl("OptMATH_Bench_166.jsonl", "d773290dcdd21044c1fbed487dd3df44e50ca5550b41c8124fce5d1559efbc2a"),
    ),
    "optmath_bench_193": _Upstream(
        "OptMATH-Bench",
        "sirl_193",
        _sirl("OptMATH_Bench_193.jsonl", "c931f07ed89c2fe1e92925e2372439cc4324ca215bf2df60850207ce120940d3"),
    ),
    "mamo_easy_original": _Upstream(
        "MAMO-EasyLP",
        "original",
        _sirl("MAMO_EasyLP.json", "24acb11eef798501b79ce0f02287755e155113645c531af880f02a2c65e0ead8"),
    ),
    "mamo_complex_original": _Upstream(
        "MAMO-ComplexLP",
        "original",
        _sirl("MAMO_ComplexLP.json", "cad5d60e68d9daedf5b711169e808928e7faee33d5bc5275ed5dcb80b2c7639b"),
    ),
}
UPSTREAM: Mapping[str, UpstreamFile] = MappingProxyType({name: up.file for name, up in _UPSTREAM.items()})
"""Suites that ``optagent bench fetch`` can build: upstream file pinned by commit and sha256."""


def upstream_benchmark(name: str) -> tuple[str, str]:
    """``(benchmark, variant)`` of a fetchable suite (raises ``KeyError`` for another name)."""
    entry = _UPSTREAM[name]
    return entry.benchmark, entry.variant


QUESTION_COLUMNS: tuple[str, ...] = ("question", "en_question", "description", "problem")
"""Accepted names of the question field in a user's file, in order of preference."""
ANSWER_COLUMNS: tuple[str, ...] = ("answer", "en_answer", "ground_truth", "optimal_value")
"""Accepted names of the ground-truth field in a user's file, in order of preference."""

_CORE_FIELDS = frozenset({"id", "suite", "benchmark", "variant", "question", "answer", "answer_raw", "answer_status"})


class SuiteError(ValueError):
    """A suite cannot be found or read; the message says which, where, and what to do about it."""


# -- data directory -----------------------------------------------------------------------------------------------


def data_dir(explicit: str | Path | None = None) -> Path:
    """The benchmark data directory: ``explicit`` (``--data-dir``), else ``$OPTAGENT_DATA_DIR``, else the default.

    The directory need not exist yet (``bench fetch`` creates it); readers report a missing one with
    :func:`_missing_hint`.
    """
    if explicit is not None and str(explicit).strip():
        return Path(explicit).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV, "").strip()
    if from_env:
        return Path(from_env).expanduser()
    return DEFAULT_DATA_DIR.expanduser()


_resolve_data_dir = data_dir
"""Alias for the functions whose ``data_dir`` parameter shadows :func:`data_dir`."""


def _missing_hint(root: Path) -> str:
    return (
        f"set {DATA_DIR_ENV} (or pass --data-dir) to the benchmark data directory, "
        f"or run `optagent bench fetch <suite>` to download a default suite into {root}"
    )


# -- answers -----------------------------------------------------------------------------------------------------

_INFEASIBLE_TEXTS = frozenset({"no best solution", "infeasible", "no feasible solution"})
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


def parse_answer(raw: Any, *, minus_9999_infeasible: bool = True) -> tuple[float | None, AnswerStatus]:
    """Read a ground-truth cell: ``(answer, status)``.

    - ``"No Best Solution"`` (or ``"infeasible"``) → infeasible; ``-9999`` → infeasible (SIRL's label) unless
      ``minus_9999_infeasible`` is False; ``-99999`` → placeholder (a sentinel used inconsistently upstream).
    - A number (or numeric text, thousands separators allowed) → ok; empty, None, NaN or unparsable → missing.

    The shipped normalized SIRL suites keep their two ``-9999`` answers (MAMO EasyLP/ComplexLP fixed) as numbers,
    so the SIRL converter passes ``minus_9999_infeasible=False`` to reproduce them.
    """
    if raw is None or isinstance(raw, bool):
        return None, AnswerStatus.MISSING
    if isinstance(raw, (int, float)):
        value = float(raw)
    else:
        text = str(raw).strip()
        if text.lower() in _INFEASIBLE_TEXTS:
            return None, AnswerStatus.INFEASIBLE
        try:
            value = float(_THOUSANDS.sub("", text))
        except ValueError:
            return None, AnswerStatus.MISSING
    if not math.isfinite(value):
        return None, AnswerStatus.MISSING
    if value == -99999:
        return None, AnswerStatus.PLACEHOLDER
    if value == -9999 and minus_9999_infeasible:
        return None, AnswerStatus.INFEASIBLE
    return value, AnswerStatus.OK


def answer_raw_text(raw: Any) -> str:
    """The source's answer as text, verbatim (``str`` of a number, empty for a missing one)."""
    return "" if raw is None else str(raw)


# -- reading files -------------------------------------------------------------------------------------------------


def _file_digest(path: Path) -> tuple[str, int]:
    """``(sha256 hex, number of records)`` of a JSONL file, read once."""
    digest = hashlib.sha256()
    records = 0
    with path.open("rb") as handle:
        for line in handle:
            digest.update(line)
            if line.strip():
                records += 1
    return digest.hexdigest(), records


def _read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, record)`` of a JSONL/JSON/CSV file; ``SuiteError`` with ``file:line`` for a bad record."""
    if not path.is_file():
        raise SuiteError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SuiteError(f"{path}: cannot read ({exc})") from exc
    if path.suffix.lower() in (".csv", ".tsv"):
        yield from _read_csv(path, text)
        return
    stripped = text.lstrip()
    if stripped.startswith("["):
        # A JSON array (many upstream ".json" files are JSON Lines instead: those start with "{").
        try:
            records = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SuiteError(f"{path}:{exc.lineno}: invalid JSON ({exc.msg})") from exc
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                raise SuiteError(f"{path}: element {index} is a {type(record).__name__}, expected an object")
            yield index + 1, record
        return
    yield from jsonl_objects(text, str(path))


def jsonl_objects(text: str, where: str, error: type[SuiteError] = SuiteError) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of JSON Lines text, blank lines skipped; ``error`` with ``where:line`` otherwise."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise error(f"{where}:{number}: invalid JSON ({exc.msg})") from exc
        if not isinstance(record, dict):
            raise error(f"{where}:{number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def _read_csv(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    if not reader.fieldnames:
        raise SuiteError(f"{path}:1: empty CSV (expected a header with a question and an answer column)")
    header = [name.strip() for name in reader.fieldnames]
    if not any(name in header for name in QUESTION_COLUMNS):
        raise SuiteError(
            f"{path}:1: no question column in the header {header} (expected one of {', '.join(QUESTION_COLUMNS)})"
        )
    if not any(name in header for name in ANSWER_COLUMNS):
        raise SuiteError(
            f"{path}:1: no answer column in the header {header} (expected one of {', '.join(ANSWER_COLUMNS)})"
        )
    reader.fieldnames = header
    try:
        for row in reader:
            if None in row:
                raise SuiteError(f"{path}:{reader.line_num}: more cells than header columns")
            if any(value is None for value in row.values()):
                raise SuiteError(
                    f"{path}:{reader.line_num}: fewer cells than header columns (an unclosed quote swallows the rest "
                    "of the file)"
                )
            if not any((value or "").strip() for value in row.values()):
                continue
            yield reader.line_num, {key: value for key, value in row.items()}
    except csv.Error as exc:
        raise SuiteError(f"{path}:{reader.line_num}: bad CSV ({exc})") from exc


def _first(record: Mapping[str, Any], names: tuple[str, ...]) -> tuple[str | None, Any]:
    for name in names:
        if name in record:
            return name, record[name]
    return None, None


def _item(
    record: dict[str, Any], *, path: Path, line: int, suite: str, index: int, benchmark: str, variant: str
) -> Item:
    """One record as an :class:`Item`: normalized fields are trusted, raw files go through the column aliases."""
    question_field, question = _first(record, QUESTION_COLUMNS)
    if not isinstance(question, str) or not question.strip():
        what = (
            "empty question" if question_field else f"no question field (expected one of {', '.join(QUESTION_COLUMNS)})"
        )
        raise SuiteError(f"{path}:{line}: {what}")
    answer_field, raw_answer = _first(record, ANSWER_COLUMNS)
    status_text = record.get("answer_status")
    if status_text is not None:
        # A normalized suite: its conversion already decided the status; keep it (and its answer) as written.
        try:
            status = AnswerStatus(status_text)
        except ValueError:
            known = ", ".join(member.value for member in AnswerStatus)
            raise SuiteError(f"{path}:{line}: answer_status {status_text!r} is not one of {known}") from None
        answer = _float_or_none(record.get("answer"))
        if status is AnswerStatus.OK and answer is None:
            status = AnswerStatus.MISSING
        if status is not AnswerStatus.OK:
            answer = None
        answer_raw = answer_raw_text(record.get("answer_raw", raw_answer))
    else:
        answer, status = parse_answer(raw_answer)
        answer_raw = answer_raw_text(raw_answer)
        if status is AnswerStatus.MISSING and isinstance(raw_answer, str) and raw_answer.strip():
            raise SuiteError(
                f"{path}:{line}: answer {raw_answer.strip()[:40]!r} is not a number; write the optimal objective, "
                "'infeasible', or leave the cell empty for an item without a known answer"
            )
    record_id = record.get("id")
    item_id = str(record_id) if isinstance(record_id, str) and record_id.strip() else f"{suite}-{index:04d}"
    consumed = _CORE_FIELDS | {name for name in (question_field, answer_field) if name}
    extras = {key: value for key, value in record.items() if key not in consumed}
    if isinstance(record_id, (int, float)) and not isinstance(record_id, bool):
        extras.setdefault("source_id", record_id)
    return Item(
        id=item_id,
        suite=str(record.get("suite") or suite),
        question=question,
        answer=answer,
        answer_status=status,
        answer_raw=answer_raw,
        benchmark=str(record.get("benchmark") or benchmark),
        variant=str(record.get("variant") or variant),
        extras=extras,
    )


def _float_or_none(raw: Any) -> float | None:
    if raw is None or isinstance(raw, bool):
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _items_from_file(path: Path, *, suite: str, benchmark: str, variant: str) -> list[Item]:
    items: list[Item] = []
    seen: dict[str, int] = {}
    for index, (line, record) in enumerate(_read_records(path), start=1):
        item = _item(record, path=path, line=line, suite=suite, index=index, benchmark=benchmark, variant=variant)
        if item.id in seen:
            raise SuiteError(f"{path}:{line}: duplicate id {item.id!r} (first at line {seen[item.id]})")
        seen[item.id] = line
        items.append(item)
    if not items:
        raise SuiteError(f"{path}: no records")
    return items


# -- registry ------------------------------------------------------------------------------------------------------

_INFO_CACHE: dict[tuple[str, int, int, bool], SuiteInfo] = {}
"""Registry entries by (path, mtime, size, registered): listing re-hashes a suite file only when it changed."""


def _first_record(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8-sig") as handle:
        for line in handle:
            if line.strip():
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    return {}
                return record if isinstance(record, dict) else {}
    return {}


def _info(path: Path, *, registered: bool) -> SuiteInfo:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, registered)
    cached = _INFO_CACHE.get(key)
    if cached is not None and cached.path == str(path):
        return cached
    name = path.stem
    if path.suffix.lower() == ".jsonl":
        sha, count = _file_digest(path)
        first = _first_record(path)
    else:
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        records = list(_read_records(path))
        count = len(records)
        first = records[0][1] if records else {}
    upstream = _UPSTREAM.get(name) if registered else None
    benchmark = str(first.get("benchmark") or (upstream.benchmark if upstream else name))
    variant = str(first.get("variant") or (upstream.variant if upstream else "custom"))
    source = str(first.get("source") or "").split("#", 1)[0]
    info = SuiteInfo(
        name=name,
        benchmark=benchmark,
        variant=variant,
        items=count,
        version=sha[:12],
        path=str(path),
        default=registered and name in DEFAULT_SUITES,
        upstream=upstream.file if upstream else None,
        description=f"{benchmark} ({variant})" + (f" from {source}" if source else ""),
    )
    _INFO_CACHE[key] = info
    return info


def _suites_dir(root: Path) -> Path:
    return root / "suites"


def list_suites(data_dir: str | Path | None = None) -> list[SuiteInfo]:
    """Every suite file in ``<data_dir>/suites/*.jsonl``, sorted by name (empty when the directory does not exist)."""
    folder = _suites_dir(_resolve_data_dir(data_dir))
    if not folder.is_dir():
        return []
    return [_info(path, registered=True) for path in sorted(folder.glob("*.jsonl")) if path.is_file()]


def get_suite(name: str, data_dir: str | Path | None = None) -> SuiteInfo:
    """A registered suite by name; ``SuiteError`` naming close matches, or saying how to get the data."""
    root = _resolve_data_dir(data_dir)
    path = _suites_dir(root) / f"{name}.jsonl"
    if path.is_file():
        return _info(path, registered=True)
    known = [info.name for info in list_suites(root)]
    if not known:
        raise SuiteError(f"unknown suite {name!r}: no suites in {_suites_dir(root)}; {_missing_hint(root)}")
    if name in _UPSTREAM:
        raise SuiteError(f"suite {name!r} is not in {_suites_dir(root)}: run `optagent bench fetch {name}`")
    close = difflib.get_close_matches(name, known, n=5, cutoff=0.5) or [k for k in known if name.lower() in k][:5]
    if close:
        hint = f"did you mean {', '.join(close)}?"
    else:
        defaults = [k for k in DEFAULT_SUITES if k in known]
        hint = f"the default suites are {', '.join(defaults)}" if defaults else f"{len(known)} suites are registered"
    raise SuiteError(f"unknown suite {name!r} in {_suites_dir(root)}; {hint} (all {len(known)}: `optagent bench list`)")


def _looks_like_path(suite: str | Path) -> bool:
    if isinstance(suite, Path):
        return True
    return os.sep in suite or "/" in suite or Path(suite).suffix.lower() in (".jsonl", ".json", ".csv", ".tsv")


def suite_info_for_path(path: str | Path) -> SuiteInfo:
    """A :class:`SuiteInfo` for a user's own file (name = file stem, variant ``custom`` unless the file says)."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise SuiteError(f"{file}: no such file")
    return _info(file, registered=False)


def load_items(suite: str | Path, data_dir: str | Path | None = None) -> list[Item]:
    """The items of a registered suite (by name) or of a user's JSONL/JSON/CSV file (by path).

    A user's file needs a question and an answer per record under any of :data:`QUESTION_COLUMNS` and
    :data:`ANSWER_COLUMNS`; answers are read by :func:`parse_answer`. Fields other than the core ones are kept in
    :attr:`Item.extras`. Raises :class:`SuiteError` (with ``file:line`` where it applies) for anything unreadable.
    """
    if _looks_like_path(suite):
        info = suite_info_for_path(suite)
    else:
        info = get_suite(str(suite), data_dir)
    return _items_from_file(Path(info.path), suite=info.name, benchmark=info.benchmark, variant=info.variant)
