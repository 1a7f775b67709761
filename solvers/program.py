"""Model programs: the source an LLM (or a person) writes, plus the modelling library it is written against."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Dialect", "ModelProgram", "UnknownDialectError", "detect_dialect"]


class UnknownDialectError(ValueError):
    """A dialect name that optagent does not know."""


class Dialect(StrEnum):
    """The modelling library a program is written against."""

    PYOMO = "pyomo"
    HIGHSPY = "highspy"
    CVXPY = "cvxpy"
    ORTOOLS = "ortools"
    """CP-SAT, the linear solver wrapper (pywraplp) and MathOpt."""
    PYSCIPOPT = "pyscipopt"
    GUROBIPY = "gurobipy"
    """gurobipy-style programs; run on HiGHS/SCIP through :mod:`solvers.compat` unless the real package is asked for."""
    COPTPY = "coptpy"
    """coptpy-style programs (what ORLM writes); run through :mod:`solvers.compat` the same way."""

    @classmethod
    def parse(cls, name: str) -> Dialect:
        """Look a dialect up by name (case-insensitive); raise :class:`UnknownDialectError` naming the choices."""
        key = name.strip().lower()
        key = _ALIASES.get(key, key)
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(d.value for d in cls)
            raise UnknownDialectError(f"unknown dialect {name!r}; choose one of: {choices}") from None


_ALIASES = {
    "gurobi": "gurobipy",
    "copt": "coptpy",
    "highs": "highspy",
    "scip": "pyscipopt",
    "or-tools": "ortools",
    "cp-sat": "ortools",
    "cpsat": "ortools",
}

# Top-level module name -> dialect. Order of `Dialect` breaks ties when a program imports several.
_MODULE_DIALECT = {
    "pyomo": Dialect.PYOMO,
    "highspy": Dialect.HIGHSPY,
    "cvxpy": Dialect.CVXPY,
    "ortools": Dialect.ORTOOLS,
    "pyscipopt": Dialect.PYSCIPOPT,
    "gurobipy": Dialect.GUROBIPY,
    "coptpy": Dialect.COPTPY,
}


def detect_dialect(source: str) -> Dialect | None:
    """The dialect a program's imports point to, or None when it imports none of them.

    Uses the syntax tree when the source parses and falls back to a line scan when it does not, so a program with
    a syntax error still gets a dialect (and a useful error later, from the sandbox).
    """
    found: list[Dialect] = []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        # The source is untrusted and this runs in the caller's process: an expression nested too deeply for the
        # parser ("x = " + "-" * 10**6 + "1") must not raise out of SandboxPool.run.
        for line in source.splitlines():
            words = line.replace(",", " ").split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                top = words[1].split(".")[0]
                if top in _MODULE_DIALECT:
                    found.append(_MODULE_DIALECT[top])
    else:
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in _MODULE_DIALECT:
                    found.append(_MODULE_DIALECT[top])
    if not found:
        return None
    order = list(Dialect)
    return min(found, key=order.index) if len(set(found)) > 1 else found[0]


@dataclass(frozen=True, slots=True)
class ModelProgram:
    """A model program to run in the sandbox: its source and its dialect."""

    source: str
    dialect: Dialect | None = None
    """None only when the imports name no known library; :meth:`from_source` fills it in when it can."""
    name: str = "model.py"
    """File name shown in tracebacks."""

    @classmethod
    def from_source(cls, source: str, dialect: str | Dialect | None = None, *, name: str = "model.py") -> ModelProgram:
        """Build a program, parsing ``dialect`` or detecting it from the imports when not given."""
        if isinstance(dialect, str):
            dialect = Dialect.parse(dialect)
        if dialect is None:
            dialect = detect_dialect(source)
        return cls(source=source, dialect=dialect, name=name)
