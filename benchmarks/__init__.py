"""Benchmark suites, scoring rules, the resumable runner and reports (not built yet).

See DESIGN.md, "benchmarks/". Nothing is exported until the feature exists.
"""

__all__: list[str] = []
