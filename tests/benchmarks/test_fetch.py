"""`bench fetch`: pinned upstream files from a mirror directory or URL, verified, converted, written atomically."""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.fetch import FetchError, fetch_suite, read_upstream
from benchmarks.suites import DATA_DIR_ENV, DEFAULT_SUITES, UPSTREAM, SuiteError, get_suite, load_items
from benchmarks.suites_cli import add_fetch_parser


@pytest.fixture
def shared() -> Path:
    root = os.environ.get(DATA_DIR_ENV)
    if not root or not Path(root, "upstream").is_dir():
        pytest.skip(f"benchmark data with upstream/ not found (set {DATA_DIR_ENV})")
    return Path(root)


@pytest.fixture
def mirror(shared: Path) -> Path:
    return shared / "upstream"


@pytest.fixture
def served(mirror: Path) -> Iterator[str]:
    """The mirror directory behind a local HTTP server: the URL code path without the network."""
    handler = functools.partial(_QuietHandler, directory=str(mirror))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def _fields(items_path: Path) -> list[tuple[object, ...]]:
    return [
        (row["id"], row["question"], row["answer"], row["answer_status"])
        for row in map(json.loads, items_path.read_text(encoding="utf-8").splitlines())
    ]


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_fetch_from_mirror_reproduces_the_shipped_suite(name: str, shared: Path, mirror: Path, tmp_path: Path) -> None:
    info = fetch_suite(name, mirror=mirror, data_dir=tmp_path)
    shipped = shared / "suites" / f"{name}.jsonl"
    assert info.path == str(tmp_path / "suites" / f"{name}.jsonl")
    assert _fields(Path(info.path)) == _fields(shipped)
    # The conversion is byte-identical, so the fetched suite has the shipped suite's version.
    assert Path(info.path).read_bytes() == shipped.read_bytes()
    assert info.version == get_suite(name, shared).version
    assert info.default == (name in DEFAULT_SUITES) and info.upstream == UPSTREAM[name]
    fetched = load_items(name, tmp_path)
    assert [(it.question, it.answer, it.answer_status) for it in fetched] == [
        (it.question, it.answer, it.answer_status) for it in load_items(name, shared)
    ]
    assert not [p for p in (tmp_path / "suites").iterdir() if p.name.endswith(".tmp")]


def test_fetch_over_http(served: str, tmp_path: Path) -> None:
    info = fetch_suite("industryor", mirror=served, data_dir=tmp_path)
    assert info.items == 100 and load_items("industryor", tmp_path)[0].extras["difficulty"] == "Medium"


def test_sha_mismatch_writes_nothing(mirror: Path, tmp_path: Path) -> None:
    upstream = UPSTREAM["nl4opt"]
    fake = tmp_path / "mirror"
    target = fake / upstream.relative_url
    target.parent.mkdir(parents=True)
    shutil.copyfile(mirror / upstream.relative_url, target)
    with target.open("a") as handle:
        handle.write('{"en_question": "extra", "en_answer": "1"}\n')
    data = tmp_path / "data"
    with pytest.raises(FetchError, match="does not match the pinned 7cf8e6fb") as info:
        fetch_suite("nl4opt", mirror=fake, data_dir=data)
    assert "nothing was written" in str(info.value)
    assert not (data / "suites" / "nl4opt.jsonl").exists()
    # An existing suite file is left as it was.
    (data / "suites").mkdir(parents=True)
    (data / "suites" / "nl4opt.jsonl").write_text("old\n")
    with pytest.raises(FetchError):
        fetch_suite("nl4opt", mirror=fake, data_dir=data)
    assert (data / "suites" / "nl4opt.jsonl").read_text() == "old\n"
    assert [p.name for p in (data / "suites").iterdir()] == ["nl4opt.jsonl"]


def test_unreachable_or_incomplete_mirrors(served: str, tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="mirror directory .* does not exist"):
        fetch_suite("nl4opt", mirror=tmp_path / "absent", data_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FetchError, match="has no Cardinal-Operations/SIRL/8e85194b8f251ec229cc310c2c6e8794ead85682/"):
        fetch_suite("nl4opt", mirror=tmp_path / "empty", data_dir=tmp_path)
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch_suite("nl4opt", mirror=served + "nothing-here/", data_dir=tmp_path)
    with pytest.raises(FetchError, match="cannot reach http://127.0.0.1:9/"):
        read_upstream(UPSTREAM["nl4opt"], "http://127.0.0.1:9/", timeout=5)
    with pytest.raises(FetchError, match="no upstream source for suite 'nl4opt_original'") as info:
        fetch_suite("nl4opt_original", mirror=tmp_path, data_dir=tmp_path)
    assert isinstance(info.value, SuiteError) and "nl4opt, mamo_easy" in str(info.value)


def _fetch_args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="optagent bench")
    add_fetch_parser(parser.add_subparsers())
    return parser.parse_args(["fetch", *argv])


def test_bench_fetch_command(mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = _fetch_args("nl4opt", "optmath_bench", "--mirror", str(mirror), "--data-dir", str(tmp_path))
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "nl4opt: 245 items, version" in out and "optmath_bench: 166 items" in out
    args = _fetch_args("all", "--mirror", str(mirror), "--data-dir", str(tmp_path / "all"))
    assert args.func(args) == 0
    assert sorted(p.stem for p in (tmp_path / "all" / "suites").iterdir()) == sorted(UPSTREAM)
    capsys.readouterr()
    args = _fetch_args("nope", "--mirror", str(mirror), "--data-dir", str(tmp_path))
    assert args.func(args) == 2
    assert "optagent: error: no upstream source for suite 'nope'" in capsys.readouterr().err
    args = _fetch_args("nl4opt", "--mirror", str(tmp_path / "absent"), "--data-dir", str(tmp_path))
    assert args.func(args) == 3
    assert "does not exist" in capsys.readouterr().err
