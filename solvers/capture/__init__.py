"""Solve-call capture: instrument every solver library a model program can use, before the program runs.

The sandbox worker imports the solver libraries and calls :func:`install_all` once; each capture module
(``highspy``, ``pyomo``, ``cvxpy``, ``ortools``, ``pyscipopt``) wraps its library's solve entry points so that every
solve the program makes hands one record to the :class:`~solvers.capture.recorder.Recorder`, read from the solver
object itself rather than from anything the program prints. The commercial dialects (``gurobipy``, ``coptpy``) are
captured either through optagent's compatibility layer (``compat``) or, where the worker routes them to the real
packages, by the ``gurobipy`` / ``coptpy`` capture modules; the worker says which (see :func:`install_all`).

This package module also holds the pieces the capture modules share: the empty record, the guarded
"prepare / solve / finish" call that never lets a capture bug break the user's program, and small numeric helpers.
It imports nothing heavy, so ``import solvers.capture`` stays cheap for the worker.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from solvers.capture.recorder import Recorder

__all__ = [
    "CAPTURE_MODULES",
    "COMMERCIAL_MODULES",
    "INSTALL_ERRORS",
    "SOLUTION_TERMINATIONS",
    "CaptureSession",
    "empty_record",
    "finite",
    "gap",
    "install_all",
    "describe",
    "limit_termination",
    "solve_wrapper",
    "unique_names",
]

CAPTURE_MODULES = ("highspy", "pyomo", "cvxpy", "ortools", "pyscipopt")
"""Library name == capture module name. Order matters only for the list :func:`install_all` returns."""

COMMERCIAL_MODULES = ("gurobipy", "coptpy")
"""Commercial dialects. The name a program imports is either optagent's look-alike (:mod:`solvers.compat`, captured
by ``solvers.capture.compat``) or the real package (captured by the capture module of the same name), so they are
never found by name the way :data:`CAPTURE_MODULES` are: the caller of :func:`install_all` says which is which."""

INSTALL_ERRORS: dict[str, str] = {}
"""Libraries that are importable but whose capture failed to install, with the reason (for the worker's log)."""

_T = TypeVar("_T")

# Statuses (our vocabulary) under which a primal solution exists and values are worth reporting.
SOLUTION_TERMINATIONS = frozenset({"optimal", "feasible"})


def install_all(recorder: Recorder, *, commercial: Mapping[str, str] | None = None) -> list[str]:
    """Install the capture of every solver library that can be imported here.

    A library that is absent is skipped silently (the project supports partial installs); one that is present but
    whose capture fails to install is skipped too, with the reason kept in :data:`INSTALL_ERRORS`, so that one
    broken optional library cannot take the other dialects down with it.

    Args:
        recorder: Where captured solves go.
        commercial: How each of :data:`COMMERCIAL_MODULES` was routed by the caller: ``"real"`` (the installed
            package is what ``import gurobipy`` gives; its own capture module is installed) or ``"compat"`` (the
            name is bound to :mod:`solvers.compat`; ``solvers.capture.compat`` is installed, once for both). A
            name left out is not captured. Looking the names up here could not tell the two apart: after the
            worker binds ``sys.modules["gurobipy"]`` to the look-alike, ``find_spec("gurobipy")`` finds it, and
            wrapping it as if it were the real package would be wrong.

    Returns:
        The names of the captures now installed: libraries, then ``gurobipy`` / ``coptpy`` for real packages, then
        ``compat`` for the compatibility layer.
    """
    installed: list[str] = []
    for name in CAPTURE_MODULES:
        try:
            if importlib.util.find_spec(name) is None:
                continue
        except (ImportError, ValueError):
            continue
        if name == "cvxpy":
            try:
                _hide_commercial_from_cvxpy()
            except Exception as exc:  # noqa: BLE001 - reported, never raised
                INSTALL_ERRORS["cvxpy-commercial"] = f"{type(exc).__name__}: {exc}"
        if _install(name, recorder):
            installed.append(name)
    routes = dict(commercial or {})
    for name in COMMERCIAL_MODULES:
        if routes.get(name) == "real" and _install(name, recorder):
            installed.append(name)
    if "compat" in routes.values() and _install("compat", recorder):
        installed.append("compat")
    return installed


_CVXPY_HIDDEN = frozenset({"GUROBI", "COPT"})


def _hide_commercial_from_cvxpy() -> None:
    """Make CVXPY treat Gurobi and COPT as not installed, whatever ``import gurobipy`` / ``import coptpy`` give.

    CVXPY decides which solvers exist by importing their Python packages. With the real gurobipy or coptpy installed
    it prefers them for LPs, so a CVXPY program's answer would depend on a commercial package being present (and on
    its size-limited licence); with the sandbox's compatibility layer bound to those names, CVXPY would drive the
    look-alike through its Gurobi interface and fail. Hidden, they get the open-source substitutes the cvxpy capture
    gives any solver that is not installed (HiGHS, CLARABEL, SCIP), as on a machine without them. Programs that want
    Gurobi or COPT themselves use the gurobipy/coptpy dialects, where the sandbox's ``commercial`` setting decides.
    """
    from cvxpy.reductions.solvers import defines

    for map_name in ("SOLVER_MAP_CONIC", "SOLVER_MAP_QP", "SOLVER_MAP_NLP"):
        for name, solver in dict(getattr(defines, map_name, {})).items():
            if name in _CVXPY_HIDDEN:
                solver.is_installed = _not_installed
    # CVXPY snapshots the installed solvers at import; other modules hold these very lists, so edit them in place.
    for list_name in ("INSTALLED_SOLVERS", "INSTALLED_CONIC_SOLVERS", "INSTALLED_MI_SOLVERS"):
        names = getattr(defines, list_name, None)
        if isinstance(names, list):
            names[:] = [n for n in names if n not in _CVXPY_HIDDEN]


def _not_installed() -> bool:
    return False


def _install(name: str, recorder: Recorder) -> bool:
    """Install the capture module ``solvers.capture.<name>``; on failure keep the reason and return False."""
    try:
        module = importlib.import_module(f"{__name__}.{name}")
        module.install(recorder)
    except Exception as exc:  # noqa: BLE001 - any failure means "not captured", reported, never raised
        INSTALL_ERRORS[name] = f"{type(exc).__name__}: {exc}"
        return False
    return True


def empty_record(dialect: str) -> dict[str, Any]:
    """A record with every :class:`~solvers.types.SolveResult` field at its "nothing known yet" value."""
    return {
        "termination": "unknown",
        "raw_status": "",
        "sense": "minimize",
        "objective_value": None,
        "objective_bound": None,
        "mip_gap": None,
        "variable_values": {},
        "stats": {
            "variables": 0,
            "continuous": 0,
            "integer": 0,
            "binary": 0,
            "constraints": 0,
            "nonzeros": 0,
            "linear_constraints": 0,
            "quadratic_constraints": 0,
            "nonlinear_constraints": 0,
            "objective": "linear",
        },
        "dialect": dialect,
        "solver": "",
        "solver_version": "",
        "requested_solver": "",
        "wall_time_s": None,
        "instance_path": None,
        "instance_format": None,
        "certification": None,
        "notes": [],
    }


def finite(value: Any) -> float | None:
    """``value`` as a float when it is a finite number, else None (missing, NaN, infinite or not a number)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def gap(objective: float | None, bound: float | None) -> float | None:
    """Relative MIP gap ``|objective - bound| / |objective|`` (Gurobi's definition), None when either is unknown."""
    if objective is None or bound is None:
        return None
    diff = abs(objective - bound)
    if diff <= 1e-12 * max(1.0, abs(objective)):
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf


def limit_termination(has_solution: bool) -> str:
    """Our status for a solve stopped by a limit: ``feasible`` with an incumbent, ``no_solution_found`` without."""
    return "feasible" if has_solution else "no_solution_found"


_UNSAFE_NAME_CHARS = re.compile(r"\s")


def unique_names(names: Iterable[str | None], prefix: str = "c") -> list[str]:
    """Names safe to write into an MPS file: no whitespace, never empty, all distinct.

    The exported instance and the reported ``instance_values`` are both keyed by these, so the certification step
    can match them; whitespace would split an MPS field and a duplicate would merge two columns.
    """
    out: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(names):
        name = _UNSAFE_NAME_CHARS.sub("_", str(raw)) if raw else ""
        if not name:
            name = f"{prefix}{index}"
        candidate = name
        suffix = 1
        while candidate in seen:
            candidate = f"{name}#{suffix}"
            suffix += 1
        seen.add(candidate)
        out.append(candidate)
    return out


def describe(exc: BaseException) -> str:
    """One line naming an exception, short enough for a note."""
    text = str(exc).strip().splitlines()
    first = text[0] if text else ""
    if len(first) > 300:
        first = first[:297] + "..."
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


@dataclass
class CaptureSession:
    """One captured solve call: the record being built and the guarded steps that build it.

    A capture module creates a session inside the outermost wrapped call, runs its preparation through
    :meth:`guard` (or :meth:`attempt` for optional steps), and the real solve through :meth:`execute`, which hands
    the outcome to the module's ``finish`` step and sends the record. An exception raised by capture code becomes a
    note and, for :meth:`guard` and ``finish``, an ``unknown`` record; an exception raised by the solve itself is
    recorded and re-raised unchanged, so the program sees exactly what it would have seen.
    """

    recorder: Recorder
    dialect: str
    record: dict[str, Any] = field(init=False)
    instance_values: dict[str, float] | None = field(default=None, init=False)
    capture_failed: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.record = empty_record(self.dialect)

    def note(self, text: str) -> None:
        """Add a note for the user once (notes explain substitutions and capture limits)."""
        notes: list[str] = self.record["notes"]
        if text not in notes:
            notes.append(text)

    def guard(self, step: Callable[[], _T], what: str = "capture") -> _T | None:
        """Run a capture step; on any exception remember it as a capture failure and return None."""
        try:
            return step()
        except Exception as exc:  # noqa: BLE001 - capture must never break the user's program
            if self.capture_failed is None:
                self.capture_failed = f"{what}: {describe(exc)}"
            return None

    def attempt(self, step: Callable[[], _T], what: str) -> _T | None:
        """Run an optional step (an export, a secondary statistic); on failure add a note and return None.

        Unlike :meth:`guard` this does not spoil the record: the solve's outcome is still known and still reported.
        """
        try:
            return step()
        except Exception as exc:  # noqa: BLE001
            self.note(f"{what} failed: {describe(exc)}")
            return None

    def execute(self, call: Callable[[], _T], finish: Callable[[_T | None, BaseException | None], None]) -> _T:
        """Run the real solve, time it, let ``finish`` fill in the record, send it, and return what the solve did.

        ``finish`` receives the solve's return value (or None) and the exception it raised (or None). If the solve
        raised, the record is still sent and the exception propagates untouched.
        """
        start = time.perf_counter()
        try:
            result = call()
        except BaseException as exc:
            self.record["wall_time_s"] = time.perf_counter() - start
            self._finish(finish, None, exc)
            raise
        self.record["wall_time_s"] = time.perf_counter() - start
        self._finish(finish, result, None)
        return result

    def _finish(
        self,
        finish: Callable[[Any, BaseException | None], None],
        result: Any,
        exc: BaseException | None,
    ) -> None:
        try:
            finish(result, exc)
        except Exception as capture_exc:  # noqa: BLE001
            if self.capture_failed is None:
                self.capture_failed = describe(capture_exc)
        self.send()

    def send(self) -> None:
        """Hand the record to the recorder; a capture failure turns it into an ``unknown`` record with a note."""
        try:
            if self.capture_failed is not None:
                self.record["termination"] = "unknown"
                self.record["variable_values"] = {}
                self.instance_values = None
                self.note(f"capture failed: {self.capture_failed}")
            self.recorder.record(self.record, instance_values=self.instance_values)
        except Exception:  # noqa: BLE001, S110 - nothing sensible is left to do; the program must go on
            pass


def solve_wrapper(
    recorder: Recorder,
    original: Callable[..., _T],
    dialect: str | Callable[[Any], str],
    finish: Callable[[CaptureSession, Any, BaseException | None], None],
) -> Callable[..., _T]:
    """``original`` (a solver object's solve method) wrapped so that its outermost call reports one record.

    Nested calls (a library solving through another, a compat model through HiGHS) run unrecorded; the outermost
    one runs through a :class:`CaptureSession`, and ``finish(session, solver_object, exception)`` reads the outcome
    from the solver object into ``session.record``. ``dialect`` is a name or a function of the solver object.
    """

    @functools.wraps(original)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> _T:
        with recorder.outer_call() as outer:
            if not outer:
                return original(self, *args, **kwargs)
            session = CaptureSession(recorder, dialect(self) if callable(dialect) else dialect)
            return session.execute(
                lambda: original(self, *args, **kwargs),
                lambda _result, exc: finish(session, self, exc),
            )

    wrapper.__optagent_wrapped__ = True  # type: ignore[attr-defined]
    return wrapper
