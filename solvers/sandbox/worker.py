"""A warm sandbox worker: imports the solver libraries once, then runs each program in a fresh forked child.

Started by :class:`solvers.sandbox.pool.SandboxPool` (inside bubblewrap when available). The worker speaks the
length-prefixed JSON protocol of :mod:`solvers.sandbox.protocol` on the pipes it was started with.

The process tree::

    worker (trusted; never runs a model program or a solver itself)
      ├─ zygote (trusted; PID 1 of a PID namespace of its own; forks one program per run, then kills and reaps
      │   │      everything the run left behind)
      │   └─ program (unprivileged uid, rlimits, audit hook, the model program)
      │        └─ anything the program starts, daemons included
      └─ certifier (per run with exported instances: re-solves them with HiGHS under the run's uid)
"""

from __future__ import annotations

import builtins
import errno
import fcntl
import functools
import gc
import importlib
import importlib.util
import io
import json
import os
import selectors
import shutil
import signal
import socket
import stat
import sys
import tempfile
import time
import traceback
import types
from typing import Any

from solvers.sandbox import isolation
from solvers.sandbox.guard import install_guard
from solvers.sandbox.protocol import read_message, write_all, write_message

_MEMORY_MARKERS = ("MemoryError", "bad_alloc", "Cannot allocate memory", "out of memory", "OutOfMemory")
_READ_CHUNK = 1 << 16
_RECORDS_LIMIT = 64 * 1024 * 1024
_MAX_CERTIFIED = 8
"""Exported instances re-solved per run (the last ones: the last solve is the answer). Each re-solve may take
``certify_time_limit_s``; without a cap, a program that made (or forged records of) a thousand solves of a hard
instance held its worker for a thousand times that, long after its own time limit."""


class _Capped:
    """Keeps the head and the tail of a stream, counts the rest."""

    def __init__(self, limit: int) -> None:
        self.head_limit = limit * 3 // 4
        self.tail_limit = limit - self.head_limit
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_limit - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data:
            self.tail += data
            if len(self.tail) > self.tail_limit:
                del self.tail[: len(self.tail) - self.tail_limit]

    @property
    def truncated(self) -> bool:
        return self.total > len(self.head) + len(self.tail)

    def text(self) -> str:
        if not self.truncated:
            return (bytes(self.head) + bytes(self.tail)).decode("utf-8", "replace")
        dropped = self.total - len(self.head) - len(self.tail)
        marker = f"\n[... {dropped} bytes dropped by the sandbox ...]\n".encode()
        return (bytes(self.head) + marker + bytes(self.tail)).decode("utf-8", "replace")


class Worker:
    """State of one worker process."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.slot: int = config["slot"]
        self.is_root = os.geteuid() == 0
        self.uid: int | None = config["uid_base"] + self.slot if self.is_root else None
        self.notes: list[str] = []
        self.network_isolated = False
        self.run_counter = 0
        self.tmp_root = "/tmp" if config["mode"] == "bwrap" else ""  # made in setup, after any private mounts
        self.private_shm = config["mode"] == "bwrap"  # /dev/shm is the worker's own: emptied after each run
        self.artifacts_dir: str = config["artifacts_dir"]
        self.recorder: Any = None
        self.pid_namespaces = False
        self.zygote: socket.socket | None = None
        self.certify: Any = None
        self.commercial: dict[str, str] = {}
        """How ``import gurobipy`` / ``import coptpy`` resolve in this worker's runs: ``real`` or ``compat``."""
        self.fallback_notes: dict[str, str] = {}
        """Dialects the caller wanted on the real package but that run on compat, with the note each solve gets."""

    # -- start-up ------------------------------------------------------------------------------------------------

    def setup(self) -> dict[str, Any]:
        """Isolate the worker, import the solver libraries, install the capture; returns the ready message."""
        mode = self.config["mode"]
        if mode == "namespaces" and not self.config["allow_network"]:
            flags = isolation.CLONE_NEWNET | isolation.CLONE_NEWIPC | isolation.CLONE_NEWUTS
            if not self.is_root and not isolation.unshare(isolation.CLONE_NEWUSER | flags):
                self.notes.append("unprivileged user namespaces unavailable: the network stays shared")
            elif self.is_root and not isolation.unshare(flags):
                self.notes.append("unshare(CLONE_NEWNET) refused: the network stays shared")
        if mode == "namespaces" and self.is_root:
            self._private_mounts()
        elif not self.tmp_root:
            self.tmp_root = tempfile.mkdtemp(prefix="optagent-worker-")
            os.chmod(self.tmp_root, 0o711)  # a run's uid passes through to its own directory (0700)
        if self.uid is not None and mode != "bwrap":
            hidden_runtime = [p for p in (sys.prefix, sys.base_prefix) if not _world_traversable(p)]
            if hidden_runtime:
                # Even after _private_mounts the unprivileged uid could not import from this runtime.
                self.uid = None
                self.notes.append(
                    f"runs keep uid 0: the Python runtime ({hidden_runtime[0]}) is not readable by other users; "
                    "install bubblewrap for the unprivileged uid"
                )
        self.network_isolated = self._network_namespace() != self.config.get("host_net_ns")
        if self.config["allow_network"]:
            self.network_isolated = False
        for module in self.config["preload"]:
            try:
                importlib.import_module(module)
            except Exception as exc:  # a missing optional library must not stop the worker
                self.notes.append(f"preload of {module} failed: {type(exc).__name__}: {exc}")
        self.commercial = self._route_commercial()
        try:
            # HiGHS prints a banner when the first solver of a process is created; take it here, once, so no run's
            # output starts with it (each run is a fork of this process, and the capture's exports create solvers).
            from solvers.compat.backend import swallow_highs_banner

            swallow_highs_banner()
        except Exception as exc:  # noqa: BLE001 - cosmetic; never stops the worker
            self.notes.append(f"HiGHS banner not suppressed: {type(exc).__name__}: {exc}")
        from solvers.capture.recorder import Recorder

        self.recorder = Recorder(write=lambda _line: None, workdir=self.tmp_root)
        installed: list[str] = []
        try:
            from solvers.capture import install_all

            installed = install_all(self.recorder, commercial=self.commercial)
            from solvers.capture import INSTALL_ERRORS

            # A commercial dialect that runs but whose solves would go unrecorded must say why on every run.
            expected = {"compat" if route == "compat" else name for name, route in self.commercial.items()}
            for name in sorted(expected - set(installed)):
                reason = INSTALL_ERRORS.get(name, "its capture did not install")
                self.notes.append(f"solves through the {name} capture are not recorded: {reason}")
        except Exception as exc:
            self.notes.append(f"solve capture unavailable: {type(exc).__name__}: {exc}")
        try:
            from solvers.certify import certify_instance

            self.certify = certify_instance
        except Exception as exc:
            self.config["certify"] = False
            self.notes.append(f"certification unavailable: {type(exc).__name__}: {exc}")
        if self.uid is not None:
            self._chown_tree(self.tmp_root, 0, 0)
        # Everything imported so far is shared with every forked run. Moving it out of the collector's reach means
        # a run's garbage collections neither walk the million preloaded objects nor copy their pages.
        gc.collect()
        gc.freeze()
        self._start_zygote()
        return {
            "type": "ready",
            "pid": os.getpid(),
            "captures": installed,
            "commercial": self.commercial,
            "network_isolated": self.network_isolated,
            "uid": self.uid,
            "notes": self.notes,
        }

    def _route_commercial(self) -> dict[str, str]:
        """Decide, once and before any program runs, what ``import gurobipy`` / ``import coptpy`` give a program.

        With ``commercial="compat"`` (the default) the names are bound in ``sys.modules`` to optagent's look-alikes
        (:mod:`solvers.compat`), so ``import gurobipy as gp``, ``from gurobipy import GRB`` and ``from coptpy import
        *`` all reach them without the real package being installed or licensed. With ``real`` the installed package
        is imported (it then loads in the zygote, like the other preloaded libraries) and keeps its own name; a
        package that is not installed falls back to compat, and every solve of that dialect says so in its notes.

        Done here, in the worker, because the zygote and every run are forked from it and inherit the binding: a
        run never imports anything of the harness itself (``solvers`` is unreadable to it and removed from the
        module table before the program starts), so every module of the compat layer is imported now as well.

        Returns:
            ``{"gurobipy": "real" | "compat", "coptpy": ...}``; a dialect available neither way is left out, and
            programs importing it fail as they would without the package.
        """
        from solvers.capture import COMMERCIAL_MODULES

        wanted = self.config.get("commercial", "compat")
        # Only for tests: names to treat as not installed, to exercise the fallback on a machine that has them.
        hidden = set(self.config.get("commercial_unavailable") or ())
        routes: dict[str, str] = {}
        for name in COMMERCIAL_MODULES:
            if wanted == "real" and name not in hidden and _spec_exists(name):
                try:
                    importlib.import_module(name)
                except Exception as exc:  # a broken install: say so and fall back
                    self.notes.append(f"the real {name} failed to import ({type(exc).__name__}: {exc})")
                else:
                    routes[name] = "real"
                    continue
            try:
                module = _import_compat(name)
            except Exception as exc:
                # Never let the real package stand in unrequested (uncaptured, licence-dependent): the name fails.
                reason = f"{name} is unavailable: the compat layer failed to import ({type(exc).__name__}: {exc})"
                self.notes.append(reason)
                sys.modules[name] = _unavailable_module(name, f"optagent sandbox: {reason}")
                continue
            sys.modules[name] = module
            routes[name] = "compat"
            if wanted == "real":
                note = (
                    f"the real {name} was requested but is not installed here (or failed to import): this solve ran "
                    f"on optagent's {name} compatibility layer (open-source solvers), not on {name}"
                )
                self.fallback_notes[name] = note
                self.notes.append(note)
        return routes

    def _private_mounts(self) -> None:
        """Namespaces fallback as root: a mount namespace of the worker's own (see isolation.private_mounts)."""
        package_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        try:
            if not isolation.unshare(isolation.CLONE_NEWNS):
                raise OSError("unshare(CLONE_NEWNS) refused")
            self.notes += isolation.private_mounts(
                expose=[*isolation._runtime_paths(package_dir), self.artifacts_dir],
                hide=[os.path.dirname(package_dir)],  # the project: only this package and the runtime stay visible
            )
        except OSError as exc:
            # Mount nothing more: unless / was made private, a new mount could propagate to the host.
            self.notes.append(f"private mounts unavailable ({exc}): runs see the host's /tmp, /dev/shm and /proc")
            self.tmp_root = tempfile.mkdtemp(prefix="optagent-worker-")
            os.chmod(self.tmp_root, 0o711)
            return
        # POSIX shared memory (shm_open, which the audit hook cannot see) in the host's /dev/shm outlived the run and
        # the pool; a private one, emptied after each run, keeps multiprocessing's semaphores working.
        try:
            isolation.mount_tmpfs("/dev/shm", size_bytes=isolation.SHM_BYTES, mode=0o1777)
            self.private_shm = True
        except OSError as exc:
            self.notes.append(f"could not mount a private /dev/shm: {exc}")
        # Made after the mounts, so it lives in the private /tmp and never shows on the host; a size-limited tmpfs
        # keeps a run from filling the disk (or memory) with files.
        self.tmp_root = tempfile.mkdtemp(prefix="optagent-worker-")
        try:
            isolation.mount_tmpfs(self.tmp_root, size_bytes=self.config["memory_mb"] * 1024 * 1024, mode=0o711)
        except OSError as exc:
            self.notes.append(f"no size-limited tmpfs for the runs' folders: {exc}")
        # Each run's uid must pass through the runs' root to reach its own directory (0700, its own).
        os.chmod(self.tmp_root, 0o711)

    @staticmethod
    def _network_namespace() -> str | None:
        try:
            return os.readlink("/proc/self/ns/net")
        except OSError:
            return None

    @staticmethod
    def _chown_tree(path: str, uid: int, gid: int) -> None:
        os.chown(path, uid, gid)

    # -- one run -------------------------------------------------------------------------------------------------

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one program in a fresh working directory (always removed) and return the result message."""
        self.run_counter += 1
        run_id = str(request.get("run_id") or f"{os.getpid()}-{self.run_counter}")
        time_limit = float(request.get("time_limit_s") or self.config["time_limit_s"])
        workdir = tempfile.mkdtemp(prefix="run-", dir=self.tmp_root)
        try:
            return self._run(request, run_id, workdir, time_limit)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def _run(self, request: dict[str, Any], run_id: str, workdir: str, time_limit: float) -> dict[str, Any]:
        program_path = os.path.join(workdir, _program_name(request.get("name")))
        # A lone surrogate (an LLM's JSON can carry "\ud800") cannot be encoded: the file only serves tracebacks,
        # and compiling the source itself reports the error as the program's.
        with open(program_path, "w", encoding="utf-8", errors="replace") as handle:
            handle.write(request["source"])
        if self.uid is not None:
            os.chown(workdir, self.uid, self.uid)
            os.chown(program_path, self.uid, self.uid)
        os.chmod(workdir, 0o700)

        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        res_r, res_w = os.pipe()
        message = {**request, "workdir": workdir, "program_path": program_path, "time_limit_s": time_limit}
        started = time.monotonic()
        try:
            # The exit record (status, signal, peak memory) comes back on the zygote's own socket, which the
            # program never holds: on the result channel (fd 3) a forged exit record could make the report anything.
            for attempt in (1, 2):  # a zygote that died since the last run is replaced once
                if self.zygote is None:
                    self._start_zygote()
                assert self.zygote is not None
                try:
                    socket.send_fds(self.zygote, [b"R"], [out_w, err_w, res_w])
                    write_message(self.zygote.fileno(), message)
                    break
                except OSError:
                    self._zygote_lost()
                    if attempt == 2:
                        for fd in (out_r, err_r, res_r):
                            os.close(fd)
                        raise
        finally:
            for fd in (out_w, err_w, res_w):
                os.close(fd)

        stdout = _Capped(self.config["max_output_bytes"])
        stderr = _Capped(self.config["max_output_bytes"])
        records = bytearray()
        timed_out, exit_record = self._collect(started + time_limit, {out_r: stdout, err_r: stderr}, res_r, records)
        wall = time.monotonic() - started
        self._sweep()
        self._empty_shm()
        return self._report(
            request, run_id, workdir, time_limit, timed_out, wall, stdout, stderr, records, exit_record or {}
        )

    def _collect(
        self, deadline: float, streams: dict[int, _Capped], res_r: int, records: bytearray
    ) -> tuple[bool, dict[str, Any] | None]:
        """Drain the run's pipes until the zygote reports its end; ask the zygote to kill it at the deadline.

        Returns (killed at the deadline, the zygote's exit record or None when the zygote died).
        """
        assert self.zygote is not None
        zygote_fd = self.zygote.fileno()
        selector = selectors.DefaultSelector()
        for fd in streams:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(res_r, selectors.EVENT_READ)
        selector.register(zygote_fd, selectors.EVENT_READ)
        open_fds = {*streams, res_r}
        timed_out = False
        exit_record: dict[str, Any] | None = None
        ended = False
        drain_until: float | None = None
        try:
            while open_fds or not ended:
                now = time.monotonic()
                if not ended and not timed_out and now >= deadline:
                    timed_out = True
                    try:
                        write_message(zygote_fd, {"type": "kill"})
                    except OSError:
                        pass
                    drain_until = now + 5.0
                if ended and drain_until is None:
                    # Everything the run started is dead by now; its pipes close as soon as the kernel says so.
                    drain_until = now + 2.0
                if drain_until is not None and now >= drain_until:
                    break
                limit = deadline if not timed_out and not ended else (drain_until or now)
                for key, _ in selector.select(timeout=max(0.0, limit - now)):
                    fd = key.fd
                    if fd == zygote_fd:
                        selector.unregister(zygote_fd)
                        ended = True
                        try:
                            exit_record = read_message(zygote_fd)
                        except (OSError, ValueError):
                            exit_record = None
                        if exit_record is None:
                            self._zygote_lost()
                        continue
                    try:
                        chunk = os.read(fd, _READ_CHUNK)
                    except OSError:
                        chunk = b""
                    if not chunk:
                        selector.unregister(fd)
                        open_fds.discard(fd)
                        os.close(fd)
                    elif fd == res_r:
                        if len(records) < _RECORDS_LIMIT:
                            records += chunk
                    else:
                        streams[fd].feed(chunk)
        finally:
            selector.close()
            for fd in open_fds:
                os.close(fd)
        if not ended:  # the zygote neither reported nor died in time: it cannot be trusted with the next run
            self._zygote_lost()
        return timed_out, exit_record

    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _sweep(self) -> None:
        """Kill anything still running under the run's uid (only needed when PID namespaces are unavailable)."""
        if self.uid is None or self.pid_namespaces:
            return
        pid = os.fork()
        if pid == 0:
            try:
                os.setgid(self.uid)
                os.setuid(self.uid)
                for _ in range(1000):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except OSError as exc:
                        if exc.errno == errno.ESRCH:
                            break
            finally:
                os._exit(0)
        os.waitpid(pid, 0)

    def _empty_shm(self) -> None:
        """Remove what the run left in the worker's private /dev/shm, so it reaches neither memory nor the next run."""
        if not self.private_shm:
            return
        try:
            entries = os.listdir("/dev/shm")
        except OSError:
            return
        for entry in entries:
            path = os.path.join("/dev/shm", entry)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                try:
                    os.unlink(path)
                except OSError:
                    pass

    # -- inside the zygote and the program --------------------------------------------------------------------------

    def _start_zygote(self) -> None:
        """Fork the zygote: PID 1 of a PID namespace of its own, holding the preloaded libraries, forking each run.

        One fork per run instead of a fresh namespace per run (which took three forks of a 200 MB process and a
        namespace set-up and teardown, about half of a small program's time in the sandbox). Between runs the
        zygote kills whatever a run left behind: as PID 1 it reaches every process in its namespace.
        """
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        helper = os.fork()
        if helper == 0:
            try:
                ours.close()
                for fd in (self.config["proto_in"], self.config["proto_out"]):
                    os.close(fd)
                isolation.unshare(isolation.CLONE_NEWPID)  # refused without privileges: no PID 1 then
                if os.fork() == 0:
                    self._zygote_main(theirs)
            finally:
                os._exit(0)
        theirs.close()
        os.waitpid(helper, 0)
        hello = read_message(ours.fileno())
        if hello is None or hello.get("type") != "zygote":
            ours.close()
            raise RuntimeError("the sandbox zygote did not start")
        self.zygote = ours
        self.pid_namespaces = bool(hello.get("pid_one"))

    def _zygote_lost(self) -> None:
        """Forget a zygote that died or stopped answering; the next run starts a new one."""
        if self.zygote is not None:
            self.zygote.close()
            self.zygote = None
        self._note_once("the sandbox zygote was restarted")

    def _note_once(self, note: str) -> None:
        """Add a note to every later run's isolation report, once."""
        if note not in self.notes:
            self.notes.append(note)

    def _zygote_main(self, sock: socket.socket) -> None:
        """The zygote's loop: one message per run, the pipes of the run passed along with it."""
        fd = sock.fileno()
        pid_one = os.getpid() == 1
        try:
            write_message(fd, {"type": "zygote", "pid_one": pid_one})
            while True:
                marker, fds, _, _ = socket.recv_fds(sock, 1, 3)
                if not marker:
                    return
                request = read_message(fd)
                if request is None or len(fds) != 3:
                    return
                write_message(fd, self._zygote_run(request, fds, fd, pid_one))
        except (OSError, ValueError):
            return
        finally:
            os._exit(0)

    def _zygote_run(self, request: dict[str, Any], fds: list[int], sock_fd: int, pid_one: bool) -> dict[str, Any]:
        """Fork the program, wait for it (or for a kill order), then clear out everything it left running."""
        out_w, err_w, res_w = fds
        life_r, life_w = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(life_w)
            try:
                self._program(
                    request,
                    request["workdir"],
                    request["program_path"],
                    float(request["time_limit_s"]),
                    out_w,
                    err_w,
                    res_w,
                    life_r,
                )
            except BaseException as exc:
                # A harness failure, not the program's: say so on stderr, which the run report keeps. No source
                # lines: looking them up reads the harness's files, which the audit hook reports as a violation.
                summary = traceback.StackSummary.extract(traceback.walk_tb(exc.__traceback__), lookup_lines=False)
                frames = "".join(f"  {f.filename}:{f.lineno} in {f.name}\n" for f in summary)
                error = "".join(traceback.format_exception_only(type(exc), exc))
                os.write(2, f"optagent sandbox: harness failure\n{frames}{error}".encode(errors="replace"))
            finally:
                os._exit(70)
        for fd in (life_r, out_w, err_w, res_w):
            os.close(fd)
        pidfd = os.pidfd_open(child)
        selector = selectors.DefaultSelector()
        selector.register(pidfd, selectors.EVENT_READ)
        selector.register(sock_fd, selectors.EVENT_READ)
        try:
            while True:
                events = {key.fd for key, _ in selector.select()}
                if sock_fd in events:
                    order = read_message(sock_fd)
                    self._kill_run(child, pid_one)
                    if order is None:  # the worker is gone
                        os._exit(0)
                    selector.unregister(sock_fd)
                if pidfd in events:
                    break
        finally:
            selector.close()
            os.close(pidfd)
            os.close(life_w)
        _, status, usage = os.wait4(child, 0)
        self._reap_all(child, pid_one)
        return {
            "type": "exit",
            "exit_code": os.WEXITSTATUS(status) if os.WIFEXITED(status) else None,
            "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
            "max_rss_kb": usage.ru_maxrss,
            "cpu_s": usage.ru_utime + usage.ru_stime,
        }

    @staticmethod
    def _kill_run(child: int, pid_one: bool) -> None:
        """Kill the program and everything it started, daemons included."""
        try:
            if pid_one:  # from PID 1, kill(-1) reaches every other process of the namespace: all the run left
                os.kill(-1, signal.SIGKILL)
            else:  # the worker's uid sweep takes what escaped the process group (see _sweep)
                os.killpg(child, signal.SIGKILL)
        except OSError:
            pass

    @classmethod
    def _reap_all(cls, child: int, pid_one: bool) -> None:
        """After the program was waited for: kill what it left and reap every zombie that lands on the zygote."""
        deadline = time.monotonic() + 5.0
        while True:
            cls._kill_run(child, pid_one)
            try:
                reaped, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if reaped == 0:
                if not pid_one or time.monotonic() > deadline:
                    return
                time.sleep(0.001)

    def _program(
        self,
        request: dict[str, Any],
        workdir: str,
        program_path: str,
        time_limit: float,
        out_w: int,
        err_w: int,
        res_w: int,
        life_r: int,
    ) -> None:
        os.setsid()
        # Lift the four descriptors the program keeps out of the way, then lay them on 1-4 and close the rest
        # (the worker's protocol pipes above all).
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 100) for fd in (out_w, err_w, res_w, life_r)]
        devnull = os.open(os.devnull, os.O_RDONLY)
        os.dup2(devnull, 0)
        for target, fd in enumerate(high, start=1):
            os.dup2(fd, target)
        os.closerange(5, 1 << 16)
        os.chdir(workdir)
        vm_bytes = _vm_size()
        limits = isolation.set_run_limits(
            address_space=vm_bytes + self.config["memory_mb"] * 1024 * 1024,
            cpu_s=_cpu_limit(request, time_limit),
            file_bytes=self.config["max_file_mb"] * 1024 * 1024,
            processes=self.config["max_processes"] if self.uid is not None else 1 << 20,
        )
        if self.uid is not None:
            os.setgroups([])
            os.setgid(self.uid)
            os.setuid(self.uid)
        # bubblewrap sets it for its whole tree; the namespaces fallback did not, and a program that gets past the
        # audit hook (_posixsubprocess.fork_exec is not audited) could exec setuid binaries of the host.
        isolation.set_no_new_privs()
        isolation.set_parent_death_signal(signal.SIGKILL)
        if _readable_now(4):  # the zygote died before the signal was armed
            os._exit(137)
        os.close(4)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG instead

        os.environ.clear()
        os.environ.update(isolation.safe_environment(workdir, self.config.get("extra_env")))
        # The standard library cached the worker's temporary folder at import time; libraries that write scratch
        # files (Pyomo's .nl files for ripopt, cbc and glpk) must write them into the run's own folder.
        tempfile.tempdir = workdir
        sys.stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False))
        sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), errors="backslashreplace")
        sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), errors="backslashreplace", line_buffering=True)
        sys.argv = [program_path]
        sys.path[:] = [workdir] + [p for p in sys.path if p and p != self.config["package_root"]]

        channel = functools.partial(write_all, 3)

        def send(record: dict[str, Any]) -> None:
            channel((json.dumps(record) + "\n").encode())

        self.recorder.rebind(write=channel, workdir=workdir, export_instances=self.config["export_instances"])
        if self.config["guard"]:
            install_guard(
                workdir=workdir,
                readable=self.config["readable"],
                hidden=self.config["hidden"],
                executables=self.config["executables"],
                report=lambda what: send({"type": "violation", "what": what}),
            )
        # The program must not reach the harness through the module table: our objects stay alive through the
        # closures that hold them, but `import solvers` in the program sees nothing of this run.
        for module in [m for m in sys.modules if m == "solvers" or m.startswith("solvers.")]:
            del sys.modules[module]
        send({"type": "start", "limits": limits, "uid": os.getuid()})
        outcome, error = _execute(request["source"], program_path)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # the program may have closed or replaced its streams
                pass
        send({"type": "end", "outcome": outcome, "error": error})
        os._exit(0)

    # -- after the run ---------------------------------------------------------------------------------------------

    def _report(
        self,
        request: dict[str, Any],
        run_id: str,
        workdir: str,
        time_limit: float,
        timed_out: bool,
        wall: float,
        stdout: _Capped,
        stderr: _Capped,
        records: bytearray,
        exit_record: dict[str, Any],
    ) -> dict[str, Any]:
        # Everything on the result channel was written from inside the program's process, so the program can
        # forge any of it: parse defensively (a malformed record must never break the worker) and trust only the
        # first start record, which the harness writes before the program's first line runs.
        solves: list[dict[str, Any]] = []
        violations: list[str] = []
        end: dict[str, Any] | None = None
        start: dict[str, Any] | None = None
        dropped = 0
        for line in bytes(records).splitlines():
            record = _json_object(line)
            kind = record.get("type") if record is not None else None
            if record is None:
                dropped += 1
            elif kind == "solve" and isinstance(record.get("result"), dict):
                solves.append(record)
            elif kind == "violation":
                violations.append(str(record.get("what", "")))
            elif kind == "end":
                end = record
            elif kind == "start" and start is None:
                start = record
            else:
                dropped += 1
        start = start or {}
        uid = start.get("uid", self.uid)
        limits = start.get("limits")
        if not isinstance(uid, int) or isinstance(uid, bool):
            uid = self.uid
        if not isinstance(limits, dict) or not all(isinstance(v, int) for v in limits.values()):
            limits = {}
        err_text = stderr.text()
        outcome, error = _classify(
            end=end,
            exit_record=exit_record,
            violations=violations,
            timed_out=timed_out,
            time_limit=time_limit,
            stderr=err_text,
            solves=len(solves),
            cpu_limit=_cpu_limit(request, time_limit),
        )
        results = self._finish_solves(run_id, workdir, solves, time_limit)
        notes = list(self.notes)
        if dropped:
            notes.append(f"{dropped} malformed record(s) on the result channel were ignored")
        isolation_report = {
            "backend": self.config["mode"],
            "network_isolated": self.network_isolated,
            "pid_namespace": self.pid_namespaces,
            "filesystem": "private-view" if self.config["mode"] == "bwrap" else "audit-hook",
            "uid": uid,
            "audit_hook": bool(self.config["guard"]),
            "rlimits": limits,
            "notes": notes,
        }
        max_rss = exit_record.get("max_rss_kb")
        return {
            "type": "result",
            "outcome": outcome,
            "error": error,
            "stdout": stdout.text(),
            "stderr": err_text,
            "stdout_truncated": stdout.truncated,
            "stderr_truncated": stderr.truncated,
            "wall_time_s": wall,
            "solves": results,
            "dialect": request.get("dialect") or "",
            "exit_code": exit_record.get("exit_code"),
            "signal": exit_record.get("signal"),
            "max_rss_mb": None if max_rss is None else round(max_rss / 1024.0, 1),
            "isolation": isolation_report,
        }

    def _finish_solves(
        self, run_id: str, workdir: str, solves: list[dict[str, Any]], time_limit: float
    ) -> list[dict[str, Any]]:
        """Certify exported instances (in a separate process) and move them out of the run's folder."""
        pending: list[tuple[int, str, dict[str, Any]]] = []
        results: list[dict[str, Any]] = []
        for index, record in enumerate(solves):
            result = dict(record["result"])
            result.pop("certification", None)
            fallback = self.fallback_notes.get(str(result.get("dialect")))
            if fallback is not None:
                notes = result.get("notes")
                result["notes"] = [*notes, fallback] if isinstance(notes, list) else [fallback]
            path = result.get("instance_path")
            result["instance_path"] = None
            if isinstance(path, str) and _inside(path, workdir):
                result["instance_path"] = path
                pending.append((index, path, record))
            results.append(result)
        if not pending:
            return results
        if self.config["certify"]:
            skipped, certified = pending[:-_MAX_CERTIFIED], pending[-_MAX_CERTIFIED:]
            verdicts = self._certify_all(workdir, certified, time_limit)
            for (index, _, _), verdict in zip(certified, verdicts, strict=True):
                if verdict is not None:
                    results[index]["certification"] = verdict
            for index, _, _ in skipped:
                results[index]["certification"] = {
                    "certified": False,
                    "status_agrees": False,
                    "detail": f"not certified: only the last {_MAX_CERTIFIED} exported instances of a run are checked",
                }
        target_dir = os.path.join(self.artifacts_dir, run_id)
        for index, path, _ in pending:
            copied = _copy_regular_file(path, target_dir, self.config["max_file_mb"] * 1024 * 1024)
            results[index]["instance_path"] = copied
            if copied is None:
                results[index]["instance_format"] = None
        return results

    def _certify_all(
        self, workdir: str, pending: list[tuple[int, str, dict[str, Any]]], time_limit: float
    ) -> list[Any]:
        """Re-solve the exported instances in one unprivileged child, the answer (the last solve) first.

        All re-solves share one budget: ``certify_time_limit_s``, and never more than the run's own time limit
        plus 5 s (a re-solve of a model the program solved in time needs about as long as the program had). Each
        verdict is streamed as soon as it exists, so the ones reached before the budget ran out are kept.
        """
        jobs = []
        for _, path, record in pending:
            result = record["result"]
            jobs.append(
                {
                    "path": path,
                    "termination": result.get("termination", "unknown"),
                    "objective": result.get("objective_value"),
                    "sense": result.get("sense", "minimize"),
                    "instance_values": record.get("instance_values"),
                }
            )
        budget = min(float(self.config["certify_time_limit_s"]), time_limit + 5.0)
        read_fd, write_fd = os.pipe()
        deadline = time.monotonic() + budget + 2.0
        pid = os.fork()
        if pid == 0:
            try:
                # The re-solve parses files the program wrote: keep the pool's protocol pipes out of its reach.
                for fd in (read_fd, self.config["proto_in"], self.config["proto_out"]):
                    os.close(fd)
                if self.zygote is not None:
                    self.zygote.close()
                os.setsid()
                os.chdir(workdir)
                isolation.set_run_limits(
                    address_space=_vm_size() + self.config["memory_mb"] * 1024 * 1024,
                    cpu_s=int(budget) + 2,
                    file_bytes=1 << 20,
                    processes=self.config["max_processes"] if self.uid is not None else 1 << 20,
                )
                if self.uid is not None:
                    os.setgroups([])
                    os.setgid(self.uid)
                    os.setuid(self.uid)
                ends = time.monotonic() + budget
                for index in reversed(range(len(jobs))):
                    job = jobs[index]
                    remaining = ends - time.monotonic()
                    if remaining <= 0.05:
                        break
                    try:
                        verdict = self.certify(
                            job["path"],
                            termination=job["termination"],
                            objective=job["objective"],
                            sense=job["sense"],
                            instance_values=job["instance_values"],
                            time_limit_s=remaining,
                        )
                    except Exception as exc:
                        verdict = {"certified": False, "status_agrees": False, "detail": f"certification failed: {exc}"}
                    write_all(write_fd, (json.dumps([index, verdict], allow_nan=True) + "\n").encode())
            finally:
                os._exit(0)
        os.close(write_fd)
        chunks = bytearray()
        selector = selectors.DefaultSelector()
        selector.register(read_fd, selectors.EVENT_READ)
        try:
            while time.monotonic() < deadline:
                if not selector.select(timeout=max(0.0, deadline - time.monotonic())):
                    continue
                chunk = os.read(read_fd, _READ_CHUNK)
                if not chunk:
                    break
                chunks += chunk
        finally:
            selector.close()
            os.close(read_fd)
            self._kill(pid)
            os.waitpid(pid, 0)
        late = {
            "certified": False,
            "status_agrees": False,
            "detail": f"not certified: the certification budget of {budget:g} s ran out before this instance",
        }
        verdicts: list[Any] = [late] * len(jobs)
        for line in bytes(chunks).splitlines():
            entry = _json_list(line)
            if entry is not None and len(entry) == 2 and isinstance(entry[0], int) and 0 <= entry[0] < len(jobs):
                verdicts[entry[0]] = entry[1] if isinstance(entry[1], dict) else None
        return verdicts


# -- helpers that run in the program process ---------------------------------------------------------------------


def _execute(source: str, path: str) -> tuple[str, str]:
    """Compile and run the program as ``__main__``; return (outcome, error text)."""
    try:
        code = compile(source, path, "exec")
    except SyntaxError as exc:
        return "syntax_error", "".join(traceback.format_exception_only(type(exc), exc)).strip()
    except (ValueError, MemoryError, RecursionError) as exc:
        # RecursionError: an expression nested too deeply to compile ("1+1+...+1" three million times).
        return ("memory_limit" if isinstance(exc, MemoryError) else "syntax_error"), f"{type(exc).__name__}: {exc}"
    namespace: dict[str, Any] = {"__name__": "__main__", "__file__": path, "__builtins__": builtins}
    try:
        exec(code, namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            return "runtime_error", f"the program exited with status {exc.code!r}"
    except MemoryError:
        return "memory_limit", "MemoryError: the program ran out of its memory limit"
    except BaseException as exc:
        text = _format_exception(exc)
        if any(marker in text for marker in _MEMORY_MARKERS[:2]):
            return "memory_limit", text[-4000:]
        return "runtime_error", text[-8000:]
    return "ok", ""


def _cpu_limit(request: dict[str, Any], time_limit: float) -> int:
    """The run's RLIMIT_CPU: what the pool sent (``SandboxSettings.cpu_limit``), else the wall limit plus 2 s.

    One function, because the program's rlimit and the classification of a CPU-limit kill must agree.
    """
    value = request.get("cpu_limit_s")
    return int(value) if isinstance(value, int | float) and value > 0 else int(time_limit) + 2


def _format_exception(exc: BaseException) -> str:
    """The traceback a person needs: the program's frames and the libraries', never the harness's own.

    Frames of this package are dropped before any source line is looked up, so formatting the traceback does not
    itself read files the sandbox hides.
    """
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    frames = [
        (frame, line)
        for frame, line in traceback.walk_tb(exc.__traceback__)
        if not os.path.abspath(frame.f_code.co_filename).startswith(here + os.sep)
    ]
    summary = traceback.StackSummary.extract(iter(frames), lookup_lines=False)
    lines = ["Traceback (most recent call last):\n", *summary.format()]
    lines += traceback.format_exception_only(type(exc), exc)
    return "".join(lines)


def _classify(
    *,
    end: dict[str, Any] | None,
    exit_record: dict[str, Any],
    violations: list[str],
    timed_out: bool,
    time_limit: float,
    stderr: str,
    solves: int,
    cpu_limit: int,
) -> tuple[str, str]:
    if violations:
        return "sandbox_violation", "; ".join(violations)
    if timed_out:
        return "timeout", f"the program was stopped at the wall-clock limit of {time_limit:g} s"
    if end is not None:
        outcome = str(end.get("outcome"))
        error = str(end.get("error") or "")
        if outcome == "ok":
            if solves:
                return "ok", ""
            return "no_solve_call", "the program finished without calling a solver; printed numbers are not answers"
        if outcome in ("syntax_error", "runtime_error", "memory_limit"):
            return outcome, error
        return "runtime_error", error or "the program ended abnormally"
    sig = exit_record.get("signal")
    code = exit_record.get("exit_code")
    if sig == signal.SIGXCPU or (sig == signal.SIGKILL and float(exit_record.get("cpu_s") or 0) >= cpu_limit - 1):
        return "timeout", f"the program used up its CPU-time limit of {cpu_limit} s"
    if any(marker in stderr for marker in _MEMORY_MARKERS):
        return "memory_limit", "the program ran out of its memory limit"
    if sig == signal.SIGXFSZ:
        return "runtime_error", "the program wrote a file larger than the sandbox's file-size limit"
    if sig is not None:
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        return "runtime_error", f"the program was killed by signal {name}"
    if code == 0:
        if solves:
            return "ok", ""
        return "no_solve_call", "the program finished without calling a solver; printed numbers are not answers"
    return "runtime_error", f"the program exited with status {code} before finishing"


def _spec_exists(name: str) -> bool:
    """True when the top-level module ``name`` is installed (found on the path, not merely bound in sys.modules)."""
    if name in sys.modules:
        return getattr(sys.modules[name], "__name__", "") == name
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _unavailable_module(name: str, reason: str) -> types.ModuleType:
    """A stand-in for a dialect that cannot run here: importing it works, using any of it raises ImportError."""
    module = types.ModuleType(name, reason)

    def __getattr__(attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        raise ImportError(reason)

    module.__dict__["__getattr__"] = __getattr__
    return module


def _import_compat(name: str) -> Any:
    """Import ``solvers.compat.<name>`` and every other module of the compat package; return the former.

    The whole package is loaded now because a program cannot load any of it later: the harness's modules are
    removed from ``sys.modules`` before the program starts and the audit hook blocks reading the harness's files.
    For the same reason the compat layer binds what it uses at module level: an ``import solvers...`` inside one of
    its functions would re-import from disk at solve time and end the run as a sandbox violation (a test in
    ``tests/solvers/test_commercial_routing.py`` checks for such imports).
    """
    import pkgutil

    module = importlib.import_module(f"solvers.compat.{name}")
    package = importlib.import_module("solvers.compat")
    for info in pkgutil.walk_packages(package.__path__, prefix="solvers.compat."):
        try:
            importlib.import_module(info.name)
        except Exception:  # an optional helper that cannot load here is the compat layer's business
            continue
    return module


def _world_traversable(path: str) -> bool:
    """True when every folder from / down to ``path`` lets other users through (o+x)."""
    current = os.path.realpath(path)
    while True:
        try:
            if not os.stat(current).st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
        parent = os.path.dirname(current)
        if parent == current:
            return True
        current = parent


def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _readable_now(fd: int) -> bool:
    selector = selectors.DefaultSelector()
    try:
        selector.register(fd, selectors.EVENT_READ)
        return bool(selector.select(timeout=0))
    finally:
        selector.close()


def _inside(path: str, folder: str) -> bool:
    try:
        real = os.path.realpath(path)
    except ValueError:  # an embedded NUL byte, from a forged record
        return False
    return real.startswith(os.path.realpath(folder) + os.sep)


def _json_object(line: bytes) -> dict[str, Any] | None:
    """One JSON record as a dict, or None (malformed, too deeply nested, or not an object)."""
    try:
        record = json.loads(line)
    except (ValueError, RecursionError):  # "[[[[..." nests past the recursion limit: RecursionError
        return None
    return record if isinstance(record, dict) else None


def _json_list(line: bytes) -> list[Any] | None:
    """One JSON line as a list, or None."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, list) else None


def _program_name(raw: Any) -> str:
    """The file name the program is saved under: the caller's, unless it is not a plain, writable file name."""
    name = os.path.basename(str(raw or ""))
    try:
        if name in ("", ".", "..") or "\x00" in name or len(name.encode("utf-8")) > 255:
            return "model.py"
    except UnicodeEncodeError:
        return "model.py"
    return name


def _copy_regular_file(path: str, target_dir: str, max_bytes: int) -> str | None:
    """Copy a file the program's solve exported, refusing links and special files; returns the new path."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        os.makedirs(target_dir, mode=0o700, exist_ok=True)
        target = os.path.join(target_dir, os.path.basename(path))
        with os.fdopen(os.dup(fd), "rb") as source, open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
        return target
    finally:
        os.close(fd)


def main() -> None:
    """Entry point: read the configuration message, set up, then serve runs until the pool closes the pipe."""
    proto_in = os.dup(0)
    proto_out = os.dup(1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 1)
    config = read_message(proto_in)
    if config is None:
        return
    config["proto_in"], config["proto_out"] = proto_in, proto_out
    worker = Worker(config)
    try:
        write_message(proto_out, worker.setup())
    except Exception:
        write_message(proto_out, {"type": "fatal", "error": traceback.format_exc()})
        return
    while True:
        request = read_message(proto_in)
        if request is None:
            return
        try:
            response = worker.handle(request)
        except Exception:
            response = {"type": "fatal", "error": traceback.format_exc()}
        write_message(proto_out, response)
