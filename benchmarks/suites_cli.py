"""``optagent bench list`` and ``optagent bench fetch``: the registry's command line.

``benchmarks/cli.py`` wires these under ``optagent bench``; each ``add_*_parser`` adds its subcommand to an
``argparse`` subparsers object and sets ``func``, which returns the exit status (0 ok, 2 bad input or data, 3 fetch
failed) and prints errors itself as ``optagent: error: ...``, so it works whatever the caller's error handling is.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from benchmarks.suites import DEFAULT_SUITES, UPSTREAM, SuiteError, data_dir, list_suites, upstream_benchmark

__all__ = ["add_fetch_parser", "add_list_parser", "cmd_fetch", "cmd_list"]


def _out(text: str, *, stream: Any = None) -> None:
    # sys.stdout/sys.stderr looked up at call time, so pytest's capsys and redirections see the output.
    (stream or sys.stdout).write(text + "\n")


def _error(message: str) -> None:
    _out(f"optagent: error: {message}", stream=sys.stderr)


def _rows(root: str | None) -> list[dict[str, Any]]:
    """Registered suites, plus fetchable ones not yet in the data directory (items/version shown as ``-``)."""
    present = list_suites(root)
    rows: list[dict[str, Any]] = [
        {
            "name": info.name,
            "benchmark": info.benchmark,
            "variant": info.variant,
            "items": info.items,
            "version": info.version,
            "default": info.default,
            "fetched": True,
            "path": info.path,
        }
        for info in present
    ]
    names = {info.name for info in present}
    for name in UPSTREAM:
        if name not in names:
            benchmark, variant = upstream_benchmark(name)
            rows.append(
                {
                    "name": name,
                    "benchmark": benchmark,
                    "variant": variant,
                    "items": None,
                    "version": None,
                    "default": name in DEFAULT_SUITES,
                    "fetched": False,
                    "path": None,
                }
            )
    rows.sort(key=lambda row: str(row["name"]))
    return rows


def _table(rows: list[dict[str, Any]]) -> str:
    header = ("name", "benchmark", "variant", "items", "version", "default")
    cells = [
        (
            str(row["name"]),
            str(row["benchmark"]),
            str(row["variant"]),
            "-" if row["items"] is None else str(row["items"]),
            "(not fetched)" if row["version"] is None else str(row["version"]),
            "yes" if row["default"] else "",
        )
        for row in rows
    ]
    widths = [max(len(header[i]), *(len(line[i]) for line in cells)) if cells else len(header[i]) for i in range(6)]
    right = {3}

    def render(values: tuple[str, ...]) -> str:
        parts = [value.rjust(widths[i]) if i in right else value.ljust(widths[i]) for i, value in enumerate(values)]
        return "  ".join(parts).rstrip()

    return "\n".join([render(header), *(render(line) for line in cells)])


def cmd_list(args: argparse.Namespace) -> int:
    """Print the registry: one row per suite (``--json``: a JSON list of objects)."""
    root = data_dir(getattr(args, "data_dir", None))
    rows = _rows(str(root))
    if args.json:
        _out(json.dumps(rows, indent=2))
        return 0
    _out(_table(rows))
    if not any(row["fetched"] for row in rows):
        _out(
            f"\nno suites in {root / 'suites'}: run `optagent bench fetch <suite>`, or set OPTAGENT_DATA_DIR "
            "(or --data-dir) to a benchmark data directory",
            stream=sys.stderr,
        )
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch each named suite (``all`` = every fetchable one); stop at the first failure."""
    from benchmarks.fetch import FetchError, fetch_suite

    names = list(UPSTREAM) if args.suites == ["all"] else list(args.suites)
    for name in names:
        try:
            info = fetch_suite(name, mirror=args.mirror, data_dir=args.data_dir, timeout=args.timeout)
        except FetchError as exc:
            _error(str(exc))
            return 3 if name in UPSTREAM else 2
        except (SuiteError, OSError) as exc:
            _error(str(exc))
            return 2
        _out(f"{info.name}: {info.items} items, version {info.version} -> {info.path}")
    return 0


def add_list_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``list`` to an ``argparse`` subparsers object (``parser.add_subparsers()``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "list", help="list the registered benchmark suites (name, benchmark, variant, items, version, default)"
    )
    parser.add_argument("--data-dir", metavar="D", help="benchmark data directory (default: $OPTAGENT_DATA_DIR)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    parser.set_defaults(func=cmd_list)
    return parser


def add_fetch_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``fetch`` to an ``argparse`` subparsers object (``parser.add_subparsers()``)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "fetch",
        help="download a suite's pinned upstream file, verify its sha256 and install it in the data directory",
    )
    parser.add_argument("suites", nargs="+", metavar="SUITE", help=f"suite name(s), or all ({', '.join(UPSTREAM)})")
    parser.add_argument(
        "--mirror",
        metavar="DIR_OR_URL",
        help="replace the raw-file base https://raw.githubusercontent.com/ by a URL or a directory laid out as "
        "<owner>/<repo>/<commit>/<path>",
    )
    parser.add_argument("--data-dir", metavar="D", help="benchmark data directory (default: $OPTAGENT_DATA_DIR)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="S", help="download timeout in seconds")
    parser.set_defaults(func=cmd_fetch)
    return parser
