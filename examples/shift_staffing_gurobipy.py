"""Staff a call centre's shifts at least cost: a gurobipy program as a model writes one.

Runs unchanged on HiGHS through optagent's gurobipy compat layer (no Gurobi licence needed); with
``optagent run --real-solvers`` it uses an installed gurobipy instead.
"""

import gurobipy as gp
from gurobipy import GRB

# Shifts, the hours each covers, and the cost of one agent on that shift.
shifts, cost = gp.multidict({"early": 96, "day": 88, "late": 104, "night": 130})
covers = {
    "early": ["06", "08", "10"],
    "day": ["10", "12", "14"],
    "late": ["14", "16", "18", "20"],
    "night": ["20", "22"],
}
demand = {"06": 4, "08": 9, "10": 12, "12": 10, "14": 11, "16": 8, "18": 9, "20": 6, "22": 3}
pairs = gp.tuplelist((s, h) for s in shifts for h in covers[s])

model = gp.Model("shift_staffing")
model.Params.OutputFlag = 0
staff = model.addVars(shifts, vtype=GRB.INTEGER, lb=0, ub=20, name="staff")
on_duty = model.addVars(pairs, name="on_duty")  # agents of shift s counted at hour h

model.addConstrs((on_duty[s, h] == staff[s] for s, h in pairs), name="link")
model.addConstrs((on_duty.sum("*", h) >= demand[h] for h in demand), name="demand")
# Opening the night shift needs at least two agents on it (an indicator constraint).
night_open = model.addVar(vtype=GRB.BINARY, name="night_open")
model.addGenConstrIndicator(night_open, True, staff["night"] >= 2)
model.addConstr(staff["night"] <= 20 * night_open, name="night_needs_opening")

model.setObjective(staff.prod(cost), GRB.MINIMIZE)
model.optimize()

if model.Status == GRB.OPTIMAL:
    print(f"Status: optimal\nObjective value: {model.ObjVal:.2f}")
    for s in shifts:
        print(f"  {s:>5}: {staff[s].X:.0f} agents")
else:
    print(f"Status: {model.Status}")
