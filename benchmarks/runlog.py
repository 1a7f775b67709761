"""The run directory: ``spec.json`` (the :class:`RunSpec`) and ``records.jsonl`` (one :class:`ItemRecord` per line).

A benchmark run may be killed at any moment (a SIGKILL, a full disk, a preempted node), and a killed run must
resume without losing or repeating an item. Three rules make that hold:

* **One line is one record, appended atomically.** A record is encoded to one complete line and written with a
  single ``os.write`` on an ``O_APPEND`` descriptor, then ``fsync``-ed, under a lock. Concurrent writers of one
  process never interleave, and a reader sees whole lines only — except the last line after a crash in the middle
  of the write, which may be *torn* (no trailing newline, or cut JSON).
* **A torn last line is cut away on open** (:meth:`RunLog.open` with ``repair=True``): the file is truncated back to
  the end of its last complete line, and that item is simply done again. A malformed line anywhere else is not a
  crash artefact but corruption, and is reported with its line number instead of being dropped.
* **One process at a time.** :meth:`RunLog.open` takes an exclusive ``flock`` on ``<run_dir>/.lock`` for the
  lifetime of the run, so two runners cannot both resume one directory and write an item twice.

Besides the two contract files, the runner keeps ``completions.jsonl`` (every completion the run received; see
:mod:`benchmarks.batch`) and ``pending.jsonl`` (batch mode: the prompts still missing) in the same directory.
``spec.json`` and ``pending.jsonl`` are small and replaced whole (write a temporary file, ``fsync``, rename).
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from benchmarks.types import ItemRecord, RunSpec

__all__ = [
    "COMPLETIONS_FILE",
    "LOCK_FILE",
    "PENDING_FILE",
    "RECORDS_FILE",
    "RESUME_IGNORED_PARAMETERS",
    "SPEC_FILE",
    "JsonlAppender",
    "RunDirBusyError",
    "RunLog",
    "RunLogError",
    "SpecMismatchError",
    "read_jsonl",
    "read_records",
    "spec_mismatch",
    "write_json_atomic",
    "write_jsonl_atomic",
]

SPEC_FILE = "spec.json"
RECORDS_FILE = "records.jsonl"
COMPLETIONS_FILE = "completions.jsonl"
PENDING_FILE = "pending.jsonl"
LOCK_FILE = ".lock"

RESUME_IGNORED_PARAMETERS: frozenset[str] = frozenset({"limit", "concurrency"})
"""Run parameters a resume may change: they decide which items run and how fast, never what an answer is."""


class RunLogError(RuntimeError):
    """A run directory that cannot be used as asked; the message says why and what to do."""


class SpecMismatchError(RunLogError):
    """A resume with settings that would change the answers; ``field`` names the first one that differs."""

    def __init__(self, field: str, old: Any, new: Any, run_dir: Path) -> None:
        self.field = field
        self.old = old
        self.new = new

        def show(value: Any) -> str:
            return "nothing" if value is None else repr(value)

        super().__init__(
            f"cannot resume {run_dir}: {field} differs (the run has {show(old)}, this command asks for {show(new)}). "
            "Records made with other settings must not be mixed into one log: repeat the original settings, or "
            "start a new run with another --out."
        )


class RunDirBusyError(RunLogError):
    """Another process holds the run directory's lock."""


# -- low-level file helpers ---------------------------------------------------------------------------------------


def _encode_line(obj: Mapping[str, Any]) -> bytes:
    # allow_nan=False: the types' encoder turns non-finite floats into strings, so a NaN here is a bug upstream.
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8")


def _fsync_dir(path: Path) -> None:
    """Make a rename or a new file in ``path`` durable (best effort: some file systems refuse directory fds)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_json_atomic(path: Path, obj: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``obj`` as indented JSON, so a reader sees the old file or the new one, never half."""
    _replace_bytes(path, (json.dumps(obj, ensure_ascii=False, indent=2, allow_nan=False) + "\n").encode("utf-8"))


def write_jsonl_atomic(path: Path, rows: Iterable[Mapping[str, Any]]) -> None:
    """Replace ``path`` with ``rows``, one JSON object a line, atomically (for small snapshot files)."""
    _replace_bytes(path, b"".join(_encode_line(row) for row in rows))


def _replace_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_jsonl(path: Path, *, repair: bool = False) -> list[dict[str, Any]]:
    """The JSON objects of a JSONL file written by :class:`JsonlAppender`, tolerating a torn last line.

    A last line without its newline, or one that is not valid JSON, is what a crash in the middle of an append
    leaves behind: it is ignored, and with ``repair=True`` truncated away so the next append starts on a clean line.
    Any other bad line raises :class:`RunLogError` with its line number. A missing file reads as empty.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    rows: list[dict[str, Any]] = []
    offset = 0
    number = 0
    good_end = 0
    while offset < len(data):
        number += 1
        newline = data.find(b"\n", offset)
        last = newline < 0
        end = len(data) if last else newline + 1
        chunk = data[offset:end]
        try:
            row = json.loads(chunk) if chunk.strip() else None
            if row is not None and not isinstance(row, dict):
                raise ValueError(f"a line must hold a JSON object, not {type(row).__name__}")
            if last:
                raise ValueError("no trailing newline")
        except ValueError as exc:
            if last or end == len(data):
                break  # a torn final line: the write it belongs to never finished
            raise RunLogError(f"{path}:{number}: unreadable line ({exc}); the file is damaged") from None
        if row is not None:
            rows.append(row)
        good_end = end
        offset = end
    if repair and good_end < len(data):
        os.truncate(path, good_end)
    return rows


def read_records(path: str | Path, *, repair: bool = False) -> list[ItemRecord]:
    """The :class:`ItemRecord` lines of a ``records.jsonl`` (or of a run directory), torn last line ignored."""
    path = Path(path)
    if path.is_dir():
        path = path / RECORDS_FILE
    records = []
    for number, row in enumerate(read_jsonl(path, repair=repair), 1):
        try:
            records.append(ItemRecord.from_dict(row))
        except ValueError as exc:
            raise RunLogError(f"{path}: record {number} does not fit the ItemRecord contract: {exc}") from None
    return records


class JsonlAppender:
    """Appends one complete JSON line per call: one ``os.write`` on an ``O_APPEND`` fd, then ``fsync``, locked.

    Thread-safe; the runner calls it from worker threads. A short write (a full disk) raises :class:`OSError`
    rather than leaving a partial line that a later append would glue onto.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, obj: Mapping[str, Any]) -> None:
        """Write ``obj`` as one line and make it durable before returning."""
        data = _encode_line(obj)
        with self._lock:
            if self._fd is None:
                raise RunLogError(f"{self.path} is closed")
            written = os.write(self._fd, data)
            if written != len(data):
                raise OSError(f"short write to {self.path}: {written} of {len(data)} bytes (is the disk full?)")
            os.fsync(self._fd)

    def close(self) -> None:
        """Close the file descriptor (idempotent)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


# -- the spec ------------------------------------------------------------------------------------------------------


def _normalize_llm(spec: str) -> str:
    """The part of an LLM spec that decides the answers.

    ``replay/<file>`` runs in batch mode name a new completions file each round; the completions already used are
    kept in the run directory, so the file name is not an answer-changing setting, only the provider is.
    """
    return "replay" if spec.startswith("replay/") else spec


def spec_mismatch(old: RunSpec, new: RunSpec) -> tuple[str, Any, Any] | None:
    """The first answer-changing field in which ``new`` differs from ``old`` as ``(name, old, new)``, or None.

    Compared: the suites and their content versions, the LLM (see :func:`_normalize_llm`), the preset, the number
    of samples and every parameter except :data:`RESUME_IGNORED_PARAMETERS`. Not compared: the run id, creation
    time, package versions and git revision (a resume after an upgrade is allowed; the spec keeps the original).
    """
    if dict(old.suites) != dict(new.suites):
        for name in sorted(set(old.suites) | set(new.suites)):
            if old.suites.get(name) != new.suites.get(name):
                return (f"suites[{name}]", old.suites.get(name), new.suites.get(name))
    if _normalize_llm(old.llm) != _normalize_llm(new.llm):
        return ("llm", old.llm, new.llm)
    for name in ("preset", "samples", "kind"):
        if getattr(old, name) != getattr(new, name):
            return (name, getattr(old, name), getattr(new, name))
    keys = (set(old.parameters) | set(new.parameters)) - RESUME_IGNORED_PARAMETERS
    for key in sorted(keys):
        if old.parameters.get(key) != new.parameters.get(key):
            return (f"parameters.{key}", old.parameters.get(key), new.parameters.get(key))
    return None


# -- the run directory -----------------------------------------------------------------------------------------------


class RunLog:
    """One run directory, opened for writing: holds the lock, knows the done items, appends records.

    Use :meth:`open` (or ``with RunLog.open(...) as log``); reading a finished run needs no lock:
    :func:`read_records` and :meth:`read_spec`.
    """

    def __init__(self, run_dir: Path, spec: RunSpec, records: Sequence[ItemRecord], lock_fd: int) -> None:
        self.run_dir = run_dir
        self.spec = spec
        self.records: list[ItemRecord] = list(records)
        self._lock_fd: int | None = lock_fd
        self._records = JsonlAppender(run_dir / RECORDS_FILE)

    @staticmethod
    def read_spec(run_dir: str | Path) -> RunSpec:
        """The :class:`RunSpec` of a run directory."""
        path = Path(run_dir) / SPEC_FILE
        try:
            return RunSpec.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise RunLogError(f"{run_dir} is not a run directory (no {SPEC_FILE})") from None
        except ValueError as exc:
            raise RunLogError(f"{path} is not a valid run spec: {exc}") from None

    @staticmethod
    def exists(run_dir: str | Path) -> bool:
        """Whether ``run_dir`` already holds a run (a spec or records)."""
        path = Path(run_dir)
        return (path / SPEC_FILE).exists() or (path / RECORDS_FILE).exists()

    @classmethod
    def open(cls, run_dir: str | Path, spec: RunSpec, *, resume: bool) -> Self:
        """Create a run directory, or reopen one to resume it.

        Resuming checks ``spec`` against the stored one (:class:`SpecMismatchError` naming the field), repairs a
        torn last record and loads the records, so :attr:`done` lists the items to skip. The stored spec is kept
        (its run id and creation time stay), except that the fields a resume may change are updated.

        Raises:
            RunLogError: the directory holds a run and ``resume`` is false, cannot be created or written, or holds
                records that do not parse.
            RunDirBusyError: another process is using it.
        """
        path = Path(run_dir)
        try:
            path.mkdir(parents=True, exist_ok=True)
            lock_fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunLogError(f"cannot write the run directory {path}: {exc.strerror or exc}") from None
        try:
            try:
                fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunDirBusyError(
                    f"{path} is in use by another optagent process; wait for it to finish or stop it first"
                ) from None
            records: list[ItemRecord] = []
            if cls.exists(path):
                if not resume:
                    raise RunLogError(
                        f"{path} already holds a run; pass --resume to continue it, or choose another --out"
                    )
                if (path / SPEC_FILE).exists():
                    stored = cls.read_spec(path)
                    mismatch = spec_mismatch(stored, spec)
                    if mismatch is not None:
                        raise SpecMismatchError(*mismatch, run_dir=path)
                    spec = _merge_resumed(stored, spec)
                records = read_records(path / RECORDS_FILE, repair=True)
            write_json_atomic(path / SPEC_FILE, spec.to_dict())
            return cls(path, spec, records, lock_fd)
        except BaseException:
            os.close(lock_fd)
            raise

    @property
    def done(self) -> set[tuple[str, str]]:
        """``(suite, item_id)`` of every item with a record: what a resumed run skips."""
        return {(r.suite, r.item_id) for r in self.records}

    def append(self, record: ItemRecord) -> None:
        """Write one record durably (thread-safe) and remember it."""
        self._records.append(record.to_dict())
        self.records.append(record)

    def close(self) -> None:
        """Close the records file and release the directory lock."""
        self._records.close()
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def __iter__(self) -> Iterator[ItemRecord]:
        return iter(self.records)


def _merge_resumed(stored: RunSpec, new: RunSpec) -> RunSpec:
    """The stored spec with what a resume may change taken from ``new`` (limit, concurrency, the replay file)."""
    parameters = dict(stored.parameters)
    for key in RESUME_IGNORED_PARAMETERS:
        if key in new.parameters:
            parameters[key] = new.parameters[key]
    data = stored.to_dict()
    data["parameters"] = parameters
    data["llm"] = new.llm
    return RunSpec.from_dict(data)
