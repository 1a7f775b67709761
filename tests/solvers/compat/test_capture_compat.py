"""The compat capture: one record per compat solve (the nested HiGHS/SCIP solve is not recorded twice)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import highspy
import pytest

from solvers.types import SolveResult, from_dict

REPO = Path(__file__).resolve().parents[3]

RUNNER = r"""
import json, sys
from solvers.capture.recorder import Recorder
from solvers.capture import install_all
from solvers.capture import compat as capture_compat
import solvers.compat

lines = []
recorder = Recorder(lines.append, sys.argv[1])
install_all(recorder)
capture_compat.install(recorder)
solvers.compat.activate()
exec(compile(sys.stdin.read(), "program", "exec"), {"__name__": "__main__"})
print("RECORDS=" + json.dumps([json.loads(line) for line in lines]))
"""

PROGRAM = """
import gurobipy as gp
from gurobipy import GRB
m = gp.Model("paint")
m.Params.OutputFlag = 0
x = m.addVar(name="x", vtype=GRB.INTEGER)
y = m.addVar(name="y", vtype=GRB.INTEGER)
m.addConstr(6 * x + 4 * y <= 24)
m.addConstr(x + 2 * y <= 6)
m.setObjective(5 * x + 4 * y, GRB.MAXIMIZE)
m.optimize()

from coptpy import Envr, COPT
c = Envr().createModel("q")
c.setParam("Logging", 0)
a = c.addVar(ub=10, vtype=COPT.INTEGER, name="a")
b = c.addVar(ub=10, vtype=COPT.INTEGER, name="b")
c.addQConstr(a * b >= 12)
c.setObjective(3 * a + 2 * b, COPT.MINIMIZE)
c.solve()
"""


def test_one_record_per_solve_with_instance(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(tmp_path)],
        input=textwrap.dedent(PROGRAM),
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = json.loads(proc.stdout.split("RECORDS=", 1)[1])
    assert len(records) == 2, records
    first, second = (r["result"] for r in records)
    for result in (first, second):
        from_dict(SolveResult, result)
    assert first["dialect"] == "gurobipy" and first["requested_solver"] == "gurobi" and first["solver"] == "highs"
    assert first["termination"] == "optimal" and first["objective_value"] == pytest.approx(20.0)
    assert first["variable_values"] == {"x": 4.0, "y": 0.0}
    assert first["instance_format"] == "mps" and records[0]["instance_values"] == {"x": 4.0, "y": 0.0}
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.readModel(first["instance_path"])
    h.run()
    assert h.getInfo().objective_function_value == pytest.approx(20.0)
    assert second["dialect"] == "coptpy" and second["requested_solver"] == "copt" and second["solver"] == "scip"
    assert second["termination"] == "optimal" and second["objective_value"] == pytest.approx(17.0)
    assert second["instance_path"] is None and second["stats"]["quadratic_constraints"] == 1
