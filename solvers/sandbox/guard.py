"""The audit hook that classifies what a model program tries to do (runs inside the sandboxed child only).

The operating system is the boundary (see :mod:`solvers.sandbox.isolation`); this hook names the rule a program
broke, blocks the call with a ``PermissionError`` that says so, and reports it so the run ends as
``sandbox_violation`` instead of an opaque runtime error.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["install_guard"]

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC

_NETWORK_EVENTS = frozenset(
    {
        "socket.__new__",
        "socket.bind",
        "socket.connect",
        "socket.sendto",
        "socket.sendmsg",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.getnameinfo",
    }
)
_PROCESS_EVENTS = frozenset({"subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn", "os.system", "pty.spawn"})
_PATH_EVENTS = frozenset(
    {
        "os.remove",
        "os.rename",
        "os.rmdir",
        "os.mkdir",
        "os.symlink",
        "os.link",
        "os.chmod",
        "os.chown",
        "os.truncate",
        "os.utime",
        "shutil.rmtree",
        "shutil.copyfile",
        "shutil.move",
    }
)
_NATIVE_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.call_function", "ctypes.cdata"})
# Entries of /proc/<pid> that reveal another process's secrets: the pool's API keys sit in its environ, and where
# runs share the caller's uid (the unprivileged namespaces fallback) the kernel lets the program read them.
_PROC_PRIVATE = frozenset({"environ", "cmdline", "mem", "maps", "smaps", "auxv", "stack", "syscall", "fd", "fdinfo"})


def install_guard(
    *,
    workdir: str,
    readable: Iterable[str],
    hidden: Iterable[str],
    executables: Iterable[str],
    report: Callable[[str], None],
) -> None:
    """Install the audit hook for the rest of this process's life (hooks cannot be removed).

    Args:
        workdir: The only folder the program may write to.
        readable: Folders the program may read (the runtime, installed packages, system files).
        hidden: Folders inside ``readable`` that stay off limits (this package's own source).
        executables: Programs the solver interfaces may start (cbc, glpsol, the Ipopt-compatible binary).
        report: Called once per blocked action with a one-line description.
    """
    realpath = os.path.realpath
    sep = os.sep
    work = realpath(workdir)
    read_roots = tuple(sorted({realpath(p) for p in readable} | {work, "/dev/null", "/dev/urandom"}))
    hidden_roots = tuple(sorted(realpath(p) for p in hidden))
    allowed_exe = frozenset(realpath(p) for p in executables)
    seen: set[str] = set()
    isinstance_: Any = isinstance
    getcwd = os.getcwd
    join = os.path.join
    which = shutil.which
    lexists = os.path.lexists

    def under(path: str, roots: tuple[str, ...]) -> bool:
        return any(path == r or path.startswith(r + sep) for r in roots)

    def resolve(path: Any) -> str | None:
        if isinstance_(path, int):
            return None
        if isinstance_(path, bytes):
            path = os.fsdecode(path)
        if not isinstance_(path, str):
            path = os.fspath(path)
        if not path.startswith(sep):
            path = join(getcwd(), path)
        resolved: str = realpath(path)
        return resolved

    readlink = os.readlink

    def other_process(path: str) -> bool:
        """True for a private entry of another process under /proc (this process's own stay readable)."""
        parts = path.split(sep, 4)
        if len(parts) < 4 or parts[1] != "proc" or not parts[2].isdigit() or parts[3] not in _PROC_PRIVATE:
            return False
        try:
            return parts[2] != readlink("/proc/self")
        except OSError:
            return True

    def deny(message: str) -> None:
        if message not in seen:
            seen.add(message)
            report(message)
        raise PermissionError(f"optagent sandbox: {message}")

    def hook(event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            path = resolve(args[0])
            if path is None:
                return
            mode, flags = args[1], args[2]
            writing = bool(isinstance_(flags, int) and flags & _WRITE_FLAGS) or (
                isinstance_(mode, str) and any(c in mode for c in "wax+")
            )
            if writing:
                if not under(path, (work, "/dev/null")):
                    deny(f"writing outside the working directory: {path}")
            elif (under(path, hidden_roots) or not under(path, read_roots)) and lexists(path):
                # A missing path is left to fail on its own: libraries probe for optional config files, and
                # existence is no secret the hook could keep anyway (os.stat raises no audit event).
                deny(f"reading a file outside the sandbox's runtime: {path}")
            elif other_process(path):
                deny(f"reading another process's {path}")
        elif event in _NETWORK_EVENTS:
            if event == "socket.__new__" and len(args) > 1 and args[1] == 1:  # AF_UNIX socketpair-style use
                return
            deny("network access is not allowed")
        elif event in _PROCESS_EVENTS:
            exe: Any = args[0] if args else None
            name = None
            if isinstance_(exe, str | bytes | os.PathLike):
                exe_text = os.fsdecode(exe)
                if sep not in exe_text:
                    exe_text = which(exe_text) or exe_text
                name = resolve(exe_text)
            if name is not None and name in allowed_exe:
                return
            deny(f"starting another program is not allowed: {exe!r}")
        elif event in _PATH_EVENTS:
            for arg in args[:2]:
                if isinstance_(arg, str | bytes | os.PathLike):
                    path = resolve(arg)
                    if path is not None and not under(path, (work,)):
                        deny(f"changing files outside the working directory: {path}")
        elif event in _NATIVE_EVENTS:
            deny("loading or calling native code through ctypes is not allowed")
        elif event in ("os.listdir", "os.scandir", "glob.glob"):
            path = resolve(args[0]) if args and args[0] is not None else work
            if path is not None and (under(path, hidden_roots) or not under(path, read_roots)) and lexists(path):
                deny(f"listing a folder outside the sandbox's runtime: {path}")
        elif event == "sys.settrace" or event == "sys.setprofile":
            return

    sys.addaudithook(hook)
