"""``optagent bench fetch``: build a default suite from its upstream file, pinned by commit and verified by sha256.

The suites are not redistributed with optagent; this downloads the exact upstream file (a raw-file URL
``<base><owner>/<repo>/<commit>/<path>``), refuses it unless its sha256 is the pinned one, converts its records to
the normalized JSONL the registry reads (:mod:`benchmarks.suites`) and writes ``<data_dir>/suites/<name>.jsonl``
atomically, so a failed or interrupted fetch never leaves a half-written or unverified suite behind.

The base can be replaced by a mirror: another URL, or a local directory with the same ``<owner>/<repo>/<commit>/
<path>`` layout (offline machines, tests).
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from benchmarks import suites as _suites
from benchmarks.suites import (
    DEFAULT_SUITES,
    UPSTREAM,
    SuiteError,
    answer_raw_text,
    jsonl_objects,
    parse_answer,
    suite_info_for_path,
    upstream_benchmark,
)
from benchmarks.types import SuiteInfo, UpstreamFile

__all__ = [
    "DEFAULT_BASE",
    "CONVERTERS",
    "FetchError",
    "convert_sirl",
    "fetch_suite",
    "read_upstream",
]

DEFAULT_BASE = "https://raw.githubusercontent.com/"
"""Raw-file base URL of the code host; ``--mirror`` replaces it."""


class FetchError(SuiteError):
    """A suite could not be fetched (unknown suite, unreachable source, checksum mismatch, bad upstream data)."""


def _is_url(base: str) -> bool:
    return base.startswith(("http://", "https://"))


def read_upstream(upstream: UpstreamFile, base: str | Path = DEFAULT_BASE, *, timeout: float = 60.0) -> bytes:
    """The upstream file's bytes from ``base`` (a raw-file URL or a mirror directory), checked against its sha256.

    Raises :class:`FetchError` when the source cannot be reached or read, or the content is not the pinned one.
    """
    if isinstance(base, str) and _is_url(base):
        url = base.rstrip("/") + "/" + upstream.relative_url
        import httpx

        try:
            response = httpx.get(url, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise FetchError(f"cannot reach {url}: {exc} (use --mirror DIR_OR_URL to fetch from elsewhere)") from exc
        if response.status_code != 200:
            raise FetchError(f"{url}: HTTP {response.status_code} (use --mirror DIR_OR_URL to fetch from elsewhere)")
        data = response.content
        where = url
    else:
        root = Path(base).expanduser()
        if not root.is_dir():
            raise FetchError(f"mirror directory {root} does not exist")
        file = root / upstream.relative_url
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise FetchError(f"mirror {root} has no {upstream.relative_url} ({exc.strerror or exc})") from exc
        where = str(file)
    digest = hashlib.sha256(data).hexdigest()
    if digest != upstream.sha256:
        raise FetchError(
            f"{where}: sha256 {digest} does not match the pinned {upstream.sha256}; "
            "the file differs from the one the suite is defined by, nothing was written"
        )
    return data


def _records(data: bytes, where: str) -> Iterable[dict[str, Any]]:
    """The upstream records: JSON Lines whatever the file's extension (blank lines skipped)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FetchError(f"{where}: not UTF-8 ({exc})") from exc
    for _, record in jsonl_objects(text, where, FetchError):
        yield record


def convert_sirl(name: str, upstream: UpstreamFile, data: bytes) -> list[dict[str, Any]]:
    """SIRL ``test_data`` records (``en_question``, ``en_answer``, optional ``id``, ``difficulty``, ``is_checked``).

    Output fields, in order: ``id`` (``<name>-NNNN``, 1-based), ``suite``, ``benchmark``, ``variant``, ``question``
    (verbatim), ``answer``, ``answer_raw`` (``str`` of the source value), ``answer_status``, ``source``
    (``owner/repo@commit7:path#index``, 0-based), ``source_id`` (upstream ``id``, else the index), then
    ``difficulty`` and ``sirl_is_checked`` where the source has them. ``-9999`` is kept as a number, as in the
    shipped normalized suites (see :func:`benchmarks.suites.parse_answer`).
    """
    benchmark, variant = upstream_benchmark(name)
    where = f"{upstream.repo}@{upstream.commit[:7]}:{upstream.path}"
    out: list[dict[str, Any]] = []
    for index, record in enumerate(_records(data, where)):
        question = record.get("en_question")
        if not isinstance(question, str) or not question.strip():
            raise FetchError(f"{where}#{index}: no en_question")
        raw = record.get("en_answer")
        answer, status = parse_answer(raw, minus_9999_infeasible=False)
        row: dict[str, Any] = {
            "id": f"{name}-{index + 1:04d}",
            "suite": name,
            "benchmark": benchmark,
            "variant": variant,
            "question": question,
            "answer": answer,
            "answer_raw": answer_raw_text(raw),
            "answer_status": status.value,
            "source": f"{where}#{index}",
            "source_id": record.get("id", index),
        }
        if "difficulty" in record:
            row["difficulty"] = record["difficulty"]
        if "is_checked" in record:
            row["sirl_is_checked"] = record["is_checked"]
        out.append(row)
    if not out:
        raise FetchError(f"{where}: no records")
    return out


CONVERTERS: dict[str, Callable[[str, UpstreamFile, bytes], list[dict[str, Any]]]] = {"sirl": convert_sirl}
"""Converter name (:attr:`UpstreamFile.converter`) → function turning the upstream bytes into normalized records."""


def _write_atomically(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for row in rows:
                stream.write(json.dumps(row, ensure_ascii=False) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def fetch_suite(
    name: str,
    *,
    mirror: str | Path | None = None,
    data_dir: str | Path | None = None,
    timeout: float = 60.0,
) -> SuiteInfo:
    """Download, verify, convert and install one fetchable suite; returns its registry entry.

    ``mirror`` replaces :data:`DEFAULT_BASE` (a URL or a directory mirroring ``<owner>/<repo>/<commit>/<path>``).
    The suite file is replaced only after the checksum and the conversion succeeded.
    """
    upstream = UPSTREAM.get(name)
    if upstream is None:
        raise FetchError(f"no upstream source for suite {name!r}; fetchable suites: {', '.join(UPSTREAM)}")
    converter = CONVERTERS.get(upstream.converter)
    if converter is None:
        raise FetchError(f"suite {name!r}: unknown converter {upstream.converter!r}")
    base: str | Path = DEFAULT_BASE if mirror is None or not str(mirror).strip() else mirror
    data = read_upstream(upstream, base, timeout=timeout)
    rows = converter(name, upstream, data)
    target = _suites.data_dir(data_dir) / "suites" / f"{name}.jsonl"
    _write_atomically(target, rows)
    info = suite_info_for_path(target)
    return SuiteInfo(
        name=name,
        benchmark=info.benchmark,
        variant=info.variant,
        items=info.items,
        version=info.version,
        path=str(target),
        default=name in DEFAULT_SUITES,
        upstream=upstream,
        description=info.description,
    )
