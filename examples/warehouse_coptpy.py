"""Choose warehouses and ship to stores at least cost: a coptpy program in the style ORLM writes.

Runs unchanged on HiGHS through optagent's coptpy compat layer (no COPT licence needed).
"""

import coptpy as cp
from coptpy import COPT

env = cp.Envr()
model = env.createModel("warehouse_location")

warehouses = ["W1", "W2", "W3"]
stores = ["S1", "S2", "S3", "S4"]
fixed_cost = {"W1": 1200, "W2": 1000, "W3": 1500}
capacity = {"W1": 80, "W2": 60, "W3": 120}
demand = {"S1": 30, "S2": 25, "S3": 40, "S4": 35}
unit_cost = {
    ("W1", "S1"): 4,
    ("W1", "S2"): 6,
    ("W1", "S3"): 9,
    ("W1", "S4"): 5,
    ("W2", "S1"): 7,
    ("W2", "S2"): 3,
    ("W2", "S3"): 4,
    ("W2", "S4"): 8,
    ("W3", "S1"): 6,
    ("W3", "S2"): 5,
    ("W3", "S3"): 3,
    ("W3", "S4"): 4,
}

# Decision variables: open a warehouse (binary), units shipped (continuous)
y = {w: model.addVar(vtype=COPT.BINARY, name=f"open_{w}") for w in warehouses}
x = {(w, s): model.addVar(lb=0, name=f"ship_{w}_{s}") for w in warehouses for s in stores}

# Objective: fixed opening costs plus shipping costs
model.setObjective(
    cp.quicksum(fixed_cost[w] * y[w] for w in warehouses)
    + cp.quicksum(unit_cost[w, s] * x[w, s] for w in warehouses for s in stores),
    sense=COPT.MINIMIZE,
)

# Constraints: meet every store's demand, ship only from open warehouses within capacity
for s in stores:
    model.addConstr(cp.quicksum(x[w, s] for w in warehouses) == demand[s], name=f"demand_{s}")
for w in warehouses:
    model.addConstr(cp.quicksum(x[w, s] for s in stores) <= capacity[w] * y[w], name=f"capacity_{w}")

model.setParam(COPT.Param.TimeLimit, 60.0)
model.solve()

if model.status == COPT.OPTIMAL:
    print("Status: optimal")
    print(f"Objective value: {model.objval:.2f}")
    for w in warehouses:
        if y[w].x > 0.5:
            print(f"  open {w}")
else:
    print("No Best Solution")
