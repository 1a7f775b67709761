"""Solver-informed rewards and fine-tuning recipes (not built yet).

See DESIGN.md, "training/". Nothing is exported until the feature exists.
"""

__all__: list[str] = []
