"""Capacitated facility location (MILP) with PySCIPOpt: which warehouses to open?

Three candidate warehouses, each with a yearly fixed cost and a capacity, serve five stores with known demand.
Shipping a unit from a warehouse to a store has a cost. Open warehouses and route the goods so every store's
demand is met at the lowest total cost.

Run it with ``optagent run examples/facility_location_pyscipopt.py`` (or plain ``python``).
"""

from pyscipopt import Model, quicksum

warehouses = {
    # name: (fixed cost, capacity)
    "north": (1000, 120),
    "central": (1400, 200),
    "south": (900, 100),
}
demand = {"A": 40, "B": 55, "C": 30, "D": 60, "E": 35}
ship_cost = {
    "north": {"A": 2, "B": 4, "C": 7, "D": 9, "E": 11},
    "central": {"A": 5, "B": 3, "C": 3, "D": 4, "E": 6},
    "south": {"A": 10, "B": 8, "C": 5, "D": 3, "E": 2},
}

model = Model("facility_location")
model.hideOutput()

is_open = {w: model.addVar(f"open_{w}", vtype="B") for w in warehouses}
ship = {(w, c): model.addVar(f"ship_{w}_{c}", lb=0) for w in warehouses for c in demand}

for c, amount in demand.items():
    model.addCons(quicksum(ship[w, c] for w in warehouses) == amount, name=f"demand_{c}")
for w, (_, capacity) in warehouses.items():
    model.addCons(quicksum(ship[w, c] for c in demand) <= capacity * is_open[w], name=f"capacity_{w}")

fixed = quicksum(cost * is_open[w] for w, (cost, _) in warehouses.items())
transport = quicksum(ship_cost[w][c] * ship[w, c] for w in warehouses for c in demand)
model.setObjective(fixed + transport, "minimize")
model.optimize()

print("Status:", model.getStatus())
if model.getNSols() > 0:
    for w in warehouses:
        if model.getVal(is_open[w]) > 0.5:
            routes = {c: round(model.getVal(ship[w, c]), 6) for c in demand if model.getVal(ship[w, c]) > 1e-6}
            print(f"  open {w}: ships {routes}")
    print("Objective value (total cost):", model.getObjVal())
