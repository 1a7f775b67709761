"""The host side of the sandbox: a pool of warm workers that runs model programs and returns ``CodeRun`` results."""

from __future__ import annotations

import importlib.util
import itertools
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from solvers.program import ModelProgram
from solvers.sandbox import isolation
from solvers.sandbox.protocol import read_message, write_message
from solvers.sandbox.settings import SandboxSettings
from solvers.types import CodeRun, Isolation, RunOutcome, SolveResult, from_dict

__all__ = ["SandboxError", "SandboxPool", "run_program"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_PACKAGE_ROOT = os.path.dirname(_PACKAGE_DIR)
_SOLVER_BINARIES = ("cbc", "glpsol", "ipopt", "ripopt", "scip", "highs")
_WHEEL_BINARIES = (("pyomo_ripopt", "bin/ripopt"),)
_SYSTEM_READABLE = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc", "/proc", "/sys", "/dev", "/opt")


class SandboxError(RuntimeError):
    """The sandbox itself is broken (a worker could not start or died); a failing program never raises this."""


class _WorkerHandle:
    """One worker process and its protocol pipes."""

    def __init__(self, slot: int, argv: list[str], config: dict[str, Any], env: dict[str, str]) -> None:
        self.slot = slot
        self.process = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, close_fds=True
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self._in = self.process.stdin.fileno()
        self._out = self.process.stdout.fileno()
        write_message(self._in, config)
        ready = self._receive()
        if ready.get("type") != "ready":
            self.close()
            raise SandboxError(f"sandbox worker {slot} failed to start:\n{ready.get('error', ready)}")
        self.ready = ready

    def _receive(self) -> dict[str, Any]:
        try:
            message = read_message(self._out)
        except (OSError, ValueError) as exc:
            raise SandboxError(f"sandbox worker {self.slot} sent a broken message: {exc}") from exc
        if message is None:
            code = self.process.poll()
            raise SandboxError(f"sandbox worker {self.slot} exited unexpectedly (status {code})")
        return message

    def request(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            write_message(self._in, message)
        except OSError as exc:
            raise SandboxError(f"sandbox worker {self.slot} is gone: {exc}") from exc
        return self._receive()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class SandboxPool:
    """Runs untrusted model programs in warm, isolated worker processes.

    Thread-safe: up to ``settings.worker_count`` runs proceed at once; more callers wait for a free worker.
    Workers start on first use (or :meth:`start`) and stop on :meth:`close` or at exit of a ``with`` block.

    Example:
        >>> with SandboxPool() as pool:  # doctest: +SKIP
        ...     run = pool.run(ModelProgram.from_source(source))
        ...     run.result.objective()
    """

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings.from_env()
        self._lock = threading.Lock()
        self._idle: queue.Queue[_WorkerHandle] = queue.Queue()
        self._workers: list[_WorkerHandle] = []
        self._started = False
        self._closed = False
        self._mode = ""
        self._bwrap: str | None = None
        self._artifacts = tempfile.mkdtemp(prefix="optagent-artifacts-")
        os.chmod(self._artifacts, 0o700)
        self._ids = itertools.count()

    # -- lifecycle -----------------------------------------------------------------------------------------------

    @property
    def mode(self) -> str:
        """The isolation backend in use (``bwrap``, ``namespaces`` or ``none``); known once started."""
        return self._mode

    @property
    def artifacts_dir(self) -> str:
        """Where exported instances of this pool's runs are kept until :meth:`close`."""
        return self._artifacts

    def start(self) -> SandboxPool:
        """Start the workers now (otherwise the first run does)."""
        with self._lock:
            if self._closed:
                raise SandboxError("this sandbox pool is closed")
            if self._started:
                return self
            self._mode = self._choose_mode()
            handles: list[_WorkerHandle] = []
            try:
                with ThreadPoolExecutor(max_workers=self.settings.worker_count) as starter:
                    handles = list(starter.map(self._spawn, range(self.settings.worker_count)))
            except BaseException:
                for handle in handles:
                    handle.close()
                raise
            for handle in handles:
                self._workers.append(handle)
                self._idle.put(handle)
            self._started = True
        return self

    def _choose_mode(self) -> str:
        wanted = self.settings.isolation
        if wanted in ("auto", "bwrap"):
            self._bwrap = isolation.bwrap_usable()
            if self._bwrap:
                return "bwrap"
            if wanted == "bwrap":
                raise SandboxError("isolation 'bwrap' was requested but bubblewrap is missing or cannot run here")
        return "namespaces" if wanted in ("auto", "namespaces") else "none"

    def _spawn(self, slot: int) -> _WorkerHandle:
        bootstrap = "import sys; sys.path.insert(0, sys.argv[1]); from solvers.sandbox.worker import main; main()"
        argv = [sys.executable, "-I", "-c", bootstrap, _PACKAGE_ROOT]
        if self._mode == "bwrap" and self._bwrap:
            argv = isolation.bwrap_command(
                self._bwrap,
                package_dir=_PACKAGE_DIR,
                argv=argv,
                allow_network=self.settings.allow_network,
                extra_rw=[self._artifacts],
                privileged=os.geteuid() == 0,
                tmp_bytes=self.settings.memory_mb * 1024 * 1024,
            )
        env = isolation.safe_environment("/tmp")
        return _WorkerHandle(slot, argv, self._worker_config(slot), env)

    def _worker_config(self, slot: int) -> dict[str, Any]:
        s = self.settings
        readable = [p for p in (*_SYSTEM_READABLE, sys.prefix, sys.base_prefix, sys.exec_prefix) if p]
        readable += [p for p in sys.path if p and os.path.isdir(p) and "-packages" in p]
        executables = _solver_executables()
        return {
            "slot": slot,
            "mode": self._mode,
            "uid_base": s.uid_base,
            "time_limit_s": s.time_limit_s,
            "memory_mb": s.memory_mb,
            "max_file_mb": s.max_file_mb,
            "max_processes": s.max_processes,
            "max_output_bytes": s.max_output_bytes,
            "allow_network": s.allow_network,
            "certify": s.certify,
            "certify_time_limit_s": s.certify_time_limit_s,
            "export_instances": s.export_instances,
            "preload": list(s.preload),
            "commercial": s.commercial,
            "extra_env": dict(s.extra_env),
            "artifacts_dir": self._artifacts,
            "package_root": _PACKAGE_ROOT,
            "readable": readable,
            "hidden": [_PACKAGE_DIR],
            "executables": executables,
            "guard": s.audit_guard,
            "host_net_ns": _net_namespace(),
        }

    def close(self) -> None:
        """Stop every worker and delete the exported instances of this pool's runs."""
        with self._lock:
            self._closed = True
            workers, self._workers = self._workers, []
        for handle in workers:
            handle.close()
        shutil.rmtree(self._artifacts, ignore_errors=True)

    def __enter__(self) -> SandboxPool:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "_closed", True):
            try:
                self.close()
            except Exception:
                pass

    # -- running -------------------------------------------------------------------------------------------------

    def run(self, program: ModelProgram | str, *, time_limit_s: float | None = None) -> CodeRun:
        """Run one program and return how it went. Never raises for anything the program does."""
        if isinstance(program, str):
            program = ModelProgram.from_source(program)
        if not self._started:
            self.start()
        if self._closed:
            raise SandboxError("this sandbox pool is closed")
        time_limit = float(time_limit_s if time_limit_s is not None else self.settings.time_limit_s)
        if time_limit <= 0:
            raise ValueError(f"time_limit_s must be positive, got {time_limit}")
        request = {
            "type": "run",
            "run_id": f"run-{next(self._ids)}-{uuid.uuid4().hex[:8]}",
            "source": program.source,
            "name": program.name,
            "dialect": program.dialect.value if program.dialect else "",
            "time_limit_s": time_limit,
            "cpu_limit_s": self.settings.cpu_limit(time_limit),
        }
        handle = self._idle.get()
        try:
            response = handle.request(request)
        except SandboxError:
            self._replace(handle)
            raise
        else:
            self._idle.put(handle)
        if response.get("type") != "result":
            raise SandboxError(f"sandbox worker {handle.slot} failed: {response.get('error', response)}")
        return _to_code_run(response)

    def run_many(self, programs: Iterable[ModelProgram | str], *, time_limit_s: float | None = None) -> list[CodeRun]:
        """Run programs concurrently on every worker; results come back in input order."""
        items = list(programs)
        if not self._started:
            self.start()
        with ThreadPoolExecutor(max_workers=self.settings.worker_count) as runner:
            return list(runner.map(lambda p: self.run(p, time_limit_s=time_limit_s), items))

    def _replace(self, handle: _WorkerHandle) -> None:
        """Put a fresh worker in place of one that broke, so the pool keeps its size."""
        handle.close()
        try:
            fresh = self._spawn(handle.slot)
        except SandboxError:
            return
        with self._lock:
            self._workers = [w for w in self._workers if w is not handle] + [fresh]
        self._idle.put(fresh)

    def worker_pids(self) -> list[int]:
        """Host process ids of the live workers (the bubblewrap process when bwrap is used), for measurements."""
        return [w.process.pid for w in self._workers if w.alive]


def _which(name: str) -> str | None:
    found = shutil.which(name, path=os.pathsep.join([os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin"]))
    return os.path.realpath(found) if found else None


def _solver_executables() -> list[str]:
    """Solver binaries a model program's library may start: system ones and those shipped inside wheels."""
    found = [path for name in _SOLVER_BINARIES if (path := _which(name))]
    for module, relative in _WHEEL_BINARIES:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                candidate = os.path.join(location, relative)
                if os.access(candidate, os.X_OK):
                    found.append(os.path.realpath(candidate))
    return found


def _net_namespace() -> str | None:
    try:
        return os.readlink("/proc/self/ns/net")
    except OSError:
        return None


def _to_code_run(response: dict[str, Any]) -> CodeRun:
    solves: list[SolveResult] = []
    notes: list[str] = []
    for raw in response.get("solves", []):
        try:
            solves.append(from_dict(SolveResult, raw))
        except ValueError as exc:
            notes.append(f"a solve record did not fit the contract and was dropped: {str(exc)[:300]}")
    isolation_data = dict(response.get("isolation") or {})
    isolation_data["notes"] = list(isolation_data.get("notes", [])) + notes
    try:
        isolation_report = from_dict(Isolation, isolation_data)
    except ValueError as exc:  # never raise for what a program did; the worker already validates this
        isolation_report = Isolation(backend=str(isolation_data.get("backend", "")), notes=(str(exc)[:300],))
    outcome = RunOutcome(response["outcome"])
    error = response.get("error", "")
    if outcome is RunOutcome.OK and not solves:
        outcome = RunOutcome.NO_SOLVE_CALL
        error = "no solve record fit the contract"
    return CodeRun(
        outcome=outcome,
        stdout=response.get("stdout", ""),
        stderr=response.get("stderr", ""),
        wall_time_s=float(response.get("wall_time_s", 0.0)),
        solves=tuple(solves),
        dialect=response.get("dialect", ""),
        error=error,
        stdout_truncated=bool(response.get("stdout_truncated")),
        stderr_truncated=bool(response.get("stderr_truncated")),
        exit_code=response.get("exit_code"),
        signal=response.get("signal"),
        max_rss_mb=response.get("max_rss_mb"),
        isolation=isolation_report,
    )


def run_program(
    program: ModelProgram | str, *, time_limit_s: float | None = None, settings: SandboxSettings | None = None
) -> CodeRun:
    """Run one program in a one-worker pool (convenient for scripts; use a shared pool for many runs)."""
    base = settings or SandboxSettings.from_env()
    with SandboxPool(base.replace(workers=1)) as pool:
        return pool.run(program, time_limit_s=time_limit_s)
