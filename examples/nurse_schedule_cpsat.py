"""Nurse rostering (constraint programming) with OR-Tools CP-SAT.

Four nurses cover three shifts (morning, evening, night) on each of five days. Every shift needs exactly one nurse,
nobody works two shifts on one day, nobody works a morning shift straight after a night shift, and the 15 shifts are
shared as evenly as possible (3 or 4 each). Nurses asked for some shifts; meet as many requests as possible.

Run it with ``optagent run examples/nurse_schedule_cpsat.py`` (or plain ``python``).
"""

from ortools.sat.python import cp_model

nurses = ["Ana", "Ben", "Chloe", "Dev"]
shifts = ["morning", "evening", "night"]
days = range(5)

# requests[nurse] = set of (day, shift) the nurse would like to work
requests = {
    "Ana": {(0, "morning"), (1, "morning"), (2, "morning"), (3, "morning"), (4, "evening")},
    "Ben": {(0, "morning"), (1, "evening"), (2, "morning"), (3, "evening"), (4, "morning")},
    "Chloe": {(0, "night"), (1, "night"), (2, "evening"), (3, "morning"), (4, "morning")},
    "Dev": {(0, "evening"), (1, "morning"), (2, "evening"), (3, "morning"), (4, "evening")},
}

model = cp_model.CpModel()
works = {(n, d, s): model.new_bool_var(f"{n}_day{d}_{s}") for n in nurses for d in days for s in shifts}

for d in days:
    for s in shifts:
        model.add_exactly_one(works[n, d, s] for n in nurses)
    for n in nurses:
        model.add_at_most_one(works[n, d, s] for s in shifts)

for n in nurses:
    for d in list(days)[:-1]:
        model.add_implication(works[n, d, "night"], works[n, d + 1, "morning"].Not())

total_shifts = len(days) * len(shifts)
min_per_nurse = total_shifts // len(nurses)
max_per_nurse = -(-total_shifts // len(nurses))
for n in nurses:
    worked = sum(works[n, d, s] for d in days for s in shifts)
    model.add(worked >= min_per_nurse)
    model.add(worked <= max_per_nurse)

model.maximize(sum(works[n, d, s] for n in nurses for (d, s) in requests[n]))

solver = cp_model.CpSolver()
solver.parameters.num_workers = 1  # deterministic roster
status = solver.solve(model)

print("Status:", solver.status_name(status))
if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
    for d in days:
        roster = ", ".join(f"{s}: {n}" for s in shifts for n in nurses if solver.boolean_value(works[n, d, s]))
        print(f"  day {d}: {roster}")
    print("Objective value (requests met):", solver.objective_value)
