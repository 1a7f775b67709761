"""The recorder that instrumented solve calls report to, inside the sandboxed child.

A capture module (one per dialect) wraps the library's solve entry points; after the real solve returns, the
wrapper reads the outcome from the solver object and hands a record (a JSON-ready dict shaped like
:class:`solvers.types.SolveResult`) to :meth:`Recorder.record`. The recorder streams each record to the worker
at once, so a program that later crashes or times out keeps the solves it made.

The recorder keeps direct references to what it writes with (taken when the worker starts, before any model
program runs), so a program that rebinds modules in ``sys.modules`` cannot redirect or forge records through it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["Recorder"]


class Recorder:
    """Streams solve records as JSON lines through ``write``.

    Args:
        write: Writes one encoded line (bytes) to the worker's result channel.
        workdir: The run's working directory; exported instances go to ``workdir/.optagent/``.
        export_instances: Whether captures should export LP/MPS instances (turned off only for speed tests).
    """

    def __init__(self, write: Callable[[bytes], Any], workdir: str, *, export_instances: bool = True) -> None:
        self._write = write
        self._dumps = json.dumps
        self.workdir = workdir
        self.export_instances = export_instances
        self._count = 0
        self._depth = threading.local()
        self._lock = threading.Lock()

    def rebind(self, *, write: Callable[[bytes], Any], workdir: str, export_instances: bool = True) -> None:
        """Point the recorder at a new run (called in the forked child, before the program starts)."""
        self._write = write
        self.workdir = workdir
        self.export_instances = export_instances
        self._count = 0

    @property
    def solve_count(self) -> int:
        """How many solves have been recorded so far."""
        return self._count

    def instance_path(self, fmt: str) -> str:
        """Where the next solve's instance should be exported (``fmt`` is ``mps`` or ``lp``)."""
        folder = os.path.join(self.workdir, ".optagent")
        os.makedirs(folder, exist_ok=True)
        return os.path.join(folder, f"solve-{self._count}.{fmt}")

    @contextlib.contextmanager
    def outer_call(self) -> Iterator[bool]:
        """Mark a wrapped solve call; yields True only for the outermost one.

        Libraries call each other (Pyomo's ``appsi_highs`` runs ``highspy``; CVXPY runs HiGHS or SCIP), and one
        user-level solve must give one record, captured where the user called it.
        """
        depth = getattr(self._depth, "value", 0)
        self._depth.value = depth + 1
        try:
            yield depth == 0
        finally:
            self._depth.value = depth

    def record(self, result: dict[str, Any], *, instance_values: dict[str, float] | None = None) -> None:
        """Send one solve record.

        Args:
            result: Fields of :class:`~solvers.types.SolveResult` (``termination`` as its string value, ``stats``
                as a dict, ``instance_path`` as the path inside the sandbox).
            instance_values: The reported solution keyed by the column names of the exported instance, for the
                certification step to check against the instance's constraints.
        """
        payload = {"type": "solve", "index": 0, "result": result, "instance_values": instance_values}
        with self._lock:
            payload["index"] = self._count
            self._count += 1
            line = self._dumps(payload, default=_json_default, allow_nan=True) + "\n"
            self._write(line.encode())


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)
