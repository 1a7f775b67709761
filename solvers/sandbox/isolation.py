"""Operating-system confinement: bubblewrap, Linux namespaces, rlimits, the unprivileged uid and a clean environment.

The layers, outermost first:

1. Each worker process runs in its own network, IPC and UTS namespace. With bubblewrap it also gets a private
   filesystem view holding only the Python runtime, the installed packages and this package, all read-only, with
   a private ``/tmp``. Without bubblewrap the worker unshares the namespaces itself (the pure-Python fallback).
2. Each run is forked by the worker's zygote, PID 1 of a PID namespace of its own: when the run ends, or is
   killed at the deadline, the zygote's ``kill(-1)`` takes down every process it left behind, daemonized or not.
3. The run drops to an unprivileged uid of its own (when started as root), with rlimits on address space, CPU,
   file size and process count, an environment holding no secret of the caller, and its own working directory.
4. An audit hook (``sys.addaudithook``) classifies what the program tries: network access, writes outside its
   directory, reads of the host's files, starting processes other than the solver binaries. It blocks the call
   and the run is reported as ``sandbox_violation``. The hook is a classifier, not the boundary: layers 1–3 hold
   even for code that gets past it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence

__all__ = [
    "CLONE_NEWIPC",
    "CLONE_NEWNET",
    "CLONE_NEWNS",
    "CLONE_NEWPID",
    "CLONE_NEWUSER",
    "CLONE_NEWUTS",
    "bwrap_command",
    "bwrap_usable",
    "mount_tmpfs",
    "private_mounts",
    "safe_environment",
    "set_no_new_privs",
    "set_parent_death_signal",
    "set_run_limits",
    "unshare",
]

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18

SHM_BYTES = 64 * 1024 * 1024
"""Size of the private /dev/shm of a worker, emptied after each run."""

_libc: ctypes.CDLL | None = None


def _get_libc() -> ctypes.CDLL:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
    return _libc


def unshare(flags: int) -> bool:
    """Enter new namespaces (the unshare system call); False when the kernel or the container refuses."""
    if not sys.platform.startswith("linux"):
        return False
    return bool(_get_libc().unshare(ctypes.c_int(flags)) == 0)


def set_no_new_privs() -> None:
    """Forbid this process and its children from gaining privileges through exec (setuid binaries, file caps)."""
    _get_libc().prctl(_PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0))


def set_parent_death_signal(signum: int) -> None:
    """Have the kernel send ``signum`` to this process when its parent dies (cleared by setuid: call after it)."""
    _get_libc().prctl(_PR_SET_PDEATHSIG, ctypes.c_ulong(signum), 0, 0, 0)


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    """The mount system call; raises OSError."""

    def arg(value: str | None) -> bytes | None:
        return None if value is None else os.fsencode(value)

    libc = _get_libc()
    if libc.mount(arg(source), arg(target), arg(fstype), ctypes.c_ulong(flags), arg(data)) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err), target)


def _blocking_ancestor(path: str) -> str | None:
    """The folder closest to / on the way to ``path`` that other users cannot pass (no o+x), or None."""
    current = "/"
    for part in path.strip("/").split("/")[:-1]:
        current = os.path.join(current, part)
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return None
    return None


def private_mounts(*, expose: Sequence[str], hide: Sequence[str] = ()) -> list[str]:
    """Give a worker of the namespaces fallback (root, just after ``unshare(CLONE_NEWNS)``) a safer mount table.

    Without this, a Python runtime under a folder other users cannot pass (pyenv under ``/root``) made runs keep
    uid 0, and a root program gets past the audit hook in a few lines (``_posixsubprocess.fork_exec`` is not
    audited) to read ``/etc/shadow`` and the pool's ``/proc/<pid>/environ`` (API keys), or to write anywhere.
    Inside the worker's own mount namespace, invisible to the host, this:

    * puts a root-owned ``mode=0755`` tmpfs over ``/tmp``, ``/var/tmp``, ``/home``, ``/root``, the ``hide``
      folders (the project) and each folder other users cannot pass on the way to an ``expose`` path, then binds
      the ``expose`` folders (the runtime, this package, the artifacts folder) back: the run uid can import the
      runtime, while home folders, the project's other files (a world-readable ``.env``) and the world-writable
      host folders (where a run's files outlived the run and the pool) are out of reach, as in bubblewrap's view.
      The rest of the host's world-readable files stay visible (``/etc``, ``/opt``, ``/var``...);
    * remounts ``/proc`` with ``hidepid=2``: a run sees only its own processes, not the host's command lines.

    Returns notes on the steps that failed (each is best effort once ``/`` is private).
    """
    notes: list[str] = []
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)  # nothing below may propagate to the host
    wanted = sorted({os.path.realpath(p) for p in expose if p and os.path.isdir(p)})
    wanted = [p for p in wanted if not any(p != q and p.startswith(q + os.sep) for q in wanted)]
    candidates = {os.path.realpath(c) for c in ("/tmp", "/var/tmp", "/home", "/root", *hide) if os.path.isdir(c)}
    # Never cover "/", a system folder or a folder inside the runtime (a package installed in site-packages).
    candidates = {
        c
        for c in candidates
        if c != "/" and not c.startswith(_SYSTEM_RO) and not any(c == w or c.startswith(w + os.sep) for w in wanted)
    }
    candidates |= {b for w in wanted if (b := _blocking_ancestor(w)) is not None}
    covers: dict[str, list[str]] = {
        c: [] for c in candidates if not any(c != d and c.startswith(d + os.sep) for d in candidates)
    }
    for path in wanted:
        cover = next((c for c in covers if path.startswith(c + os.sep)), None)
        if cover is not None:
            covers[cover].append(path)
    for cover, paths in sorted(covers.items()):
        # O_PATH handles keep the folders reachable once the tmpfs hides them: /proc/self/fd/N is a valid source
        # for a bind mount.
        handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in paths}
        try:
            _mount("tmpfs", cover, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
            for path, fd in handles.items():
                current = cover
                for part in os.path.relpath(path, cover).split(os.sep):
                    current = os.path.join(current, part)
                    if not os.path.isdir(current):
                        os.mkdir(current)
                        os.chmod(current, 0o755)  # not the umask's mode: the run uid must pass
                _mount(f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
        except OSError as exc:
            notes.append(f"could not hide {cover} from the runs: {exc}")
        finally:
            for fd in handles.values():
                os.close(fd)
    try:
        _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC, "hidepid=2")
    except OSError as exc:
        notes.append(f"could not remount /proc with hidepid: {exc}")
    return notes


def mount_tmpfs(target: str, *, size_bytes: int, mode: int) -> None:
    """Mount a size-limited tmpfs on ``target`` (a folder); raises OSError."""
    _mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={mode:o},size={size_bytes}")


def safe_environment(workdir: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The whole environment a program gets: nothing inherited from the caller, so no API key can leak."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "TMPDIR": workdir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    }
    bin_dir = os.path.dirname(sys.executable)
    env["PATH"] = f"{bin_dir}:{env['PATH']}"
    if extra:
        env.update(extra)
    return env


def set_run_limits(*, address_space: int, cpu_s: int, file_bytes: int, processes: int) -> dict[str, int]:
    """Apply the run's rlimits to this process (soft = hard, so the program cannot raise them back).

    Returns the limits set, for the isolation report.
    """
    limits = {
        "RLIMIT_AS": (resource.RLIMIT_AS, address_space),
        "RLIMIT_CPU": (resource.RLIMIT_CPU, cpu_s),
        "RLIMIT_FSIZE": (resource.RLIMIT_FSIZE, file_bytes),
        "RLIMIT_NPROC": (resource.RLIMIT_NPROC, processes),
        "RLIMIT_CORE": (resource.RLIMIT_CORE, 0),
    }
    applied: dict[str, int] = {}
    for name, (which, value) in limits.items():
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        try:
            resource.setrlimit(which, (value, value))
        except (ValueError, OSError):
            continue
        applied[name] = value
    return applied


def bwrap_usable(executable: str | None = None) -> str | None:
    """The bubblewrap binary when it is installed and can create the namespaces we need here, else None."""
    path = executable or shutil.which("bwrap")
    if not path:
        return None
    try:
        probe = subprocess.run(
            [path, "--unshare-net", "--unshare-pid", "--die-with-parent", "--ro-bind", "/", "/", "true"],
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return path if probe.returncode == 0 else None


def _runtime_paths(package_dir: str) -> list[str]:
    """Read-only paths a worker needs: the interpreter, installed packages, this package, system libraries."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, package_dir}
    for entry in sys.path:
        if entry and os.path.isdir(entry) and ("site-packages" in entry or "dist-packages" in entry):
            paths.add(entry)
    paths.add(os.path.realpath(os.path.dirname(sys.executable)))
    resolved = {os.path.realpath(p) for p in paths if p}
    # Drop paths nested in another one; bwrap binds the outer one.
    return sorted(p for p in resolved if not any(p != q and p.startswith(q + os.sep) for q in resolved))


_SYSTEM_RO = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
_ETC_RO = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/localtime")


def bwrap_command(
    bwrap: str,
    *,
    package_dir: str,
    argv: Sequence[str],
    allow_network: bool,
    extra_rw: Sequence[str] = (),
    privileged: bool = False,
    tmp_bytes: int | None = None,
) -> list[str]:
    """The bubblewrap command line that starts a worker in a private, read-only view of the runtime.

    Only system libraries, the Python runtime, installed packages and this package are visible; the caller's
    home, project files and secrets are not mounted. ``extra_rw`` are host folders the worker itself writes
    (the artifacts folder), made readable only by root. ``privileged`` (the pool runs as root) keeps the
    capabilities the worker needs to drop each run to its own uid and give it a PID namespace. ``tmp_bytes`` caps
    the private ``/tmp`` (a tmpfs, so memory), where the runs' working directories live.

    There is no ``--die-with-parent``: its parent-death signal fires when the *thread* that started bubblewrap
    exits, which would kill workers started from a short-lived thread. A worker exits on its own when the pool's
    end of its pipe closes, which also happens when the pool's process dies.
    """
    cmd = [bwrap, "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    if not allow_network:
        cmd.append("--unshare-net")
    for path in _SYSTEM_RO:
        if os.path.lexists(path):
            if os.path.islink(path):
                cmd += ["--symlink", os.readlink(path), path]
            else:
                cmd += ["--ro-bind", path, path]
    # Without an explicit mode bubblewrap creates /etc as 0700, and the run uid could not read what is bound there
    # (the dynamic loader's cache, the time zone).
    cmd += ["--perms", "0755", "--dir", "/etc"]
    for path in _ETC_RO:
        cmd += ["--ro-bind-try", path, path]
    # The private /tmp comes before the binds: bubblewrap applies its operations in order, and a tmpfs mounted
    # last hid the artifacts folder (under the host's /tmp) behind it, so exported instances were written to the
    # worker's memory and never reached the host. The size cap keeps a run from filling memory through files.
    if tmp_bytes is not None:
        cmd += ["--size", str(tmp_bytes)]
    cmd += ["--tmpfs", "/tmp"]
    runtime = _runtime_paths(package_dir)
    # bubblewrap creates missing parents of a mount point as 0700; the unprivileged run uid must traverse them
    # (a runtime under /root would otherwise be invisible to it).
    parents: set[str] = set()
    for path in (*runtime, *extra_rw):
        parent = os.path.dirname(path)
        while parent not in ("/", "") and parent not in parents and not parent.startswith(_SYSTEM_RO):
            parents.add(parent)
            parent = os.path.dirname(parent)
    for parent in sorted(parents):
        cmd += ["--perms", "0755", "--dir", parent]
    for path in runtime:
        cmd += ["--ro-bind", path, path]
    for path in extra_rw:
        cmd += ["--bind", path, path]
    cmd += ["--proc", "/proc", "--dev", "/dev"]
    # A writable /dev/shm (POSIX semaphores: multiprocessing.Lock, which pyomo creates on import), small and
    # private to the worker; the worker empties it after every run, so nothing in it outlives the run.
    cmd += ["--perms", "1777", "--size", str(SHM_BYTES), "--tmpfs", "/dev/shm", "--chdir", "/tmp"]
    if privileged:
        cmd += ["--cap-add", "CAP_SETUID,CAP_SETGID,CAP_SYS_ADMIN,CAP_KILL,CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FOWNER"]
    cmd += ["--"]
    cmd += list(argv)
    return cmd
