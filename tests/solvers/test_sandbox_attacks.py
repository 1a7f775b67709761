"""Red-team attacks on the sandbox beyond tests/solvers/test_sandbox.py: each is contained and classified, and the
pool keeps working. Several are regressions of escapes and crashes found by a review (see the comments)."""

from __future__ import annotations

import os
import textwrap
import uuid
from collections.abc import Iterator

import pytest

from solvers import ModelProgram, RunOutcome, SandboxPool, SandboxSettings
from tests.conftest import REPO

IS_ROOT = os.geteuid() == 0

# A tiny LP in MPS form: what an exported instance looks like to the worker.
MPS = textwrap.dedent(
    """\
    NAME          tiny
    ROWS
     N  obj
     L  c1
    COLUMNS
        x         obj       -1.0           c1        1.0
    RHS
        rhs       c1        4.0
    BOUNDS
     UP bnd       x         10.0
    ENDATA
    """
)


def run(pool: SandboxPool, source: str, time_limit_s: float = 20.0):  # type: ignore[no-untyped-def]
    return pool.run(textwrap.dedent(source), time_limit_s=time_limit_s)


def forged_solve(path_expr: str) -> str:
    """Source lines that write a solve record for ``path_expr`` straight to the result channel (fd 3)."""
    return (
        "os.write(3, (json.dumps({'type': 'solve', 'result': {'termination': 'optimal', 'objective_value': -4.0, "
        f"'sense': 'minimize', 'instance_path': {path_expr}, 'instance_format': 'mps'}}}}) + '\\n').encode())\n"
    )


def assert_pool_works(pool: SandboxPool) -> None:
    after = run(pool, "print('still here')")
    assert after.outcome is RunOutcome.NO_SOLVE_CALL
    assert after.stdout == "still here\n"


@pytest.fixture(scope="module")
def ns_pool() -> Iterator[SandboxPool]:
    """The pure-Python fallback without the audit hook: what its operating-system layer holds on its own."""
    settings = SandboxSettings(workers=1, time_limit_s=20, isolation="namespaces", audit_guard=False, memory_mb=512)
    with SandboxPool(settings) as shared:
        yield shared


@pytest.fixture(scope="module")
def small_pool() -> Iterator[SandboxPool]:
    """The default backend with a small memory budget (which also sizes the runs' private /tmp)."""
    with SandboxPool(SandboxSettings(workers=1, time_limit_s=20, audit_guard=False, memory_mb=256)) as shared:
        yield shared


# -- the result channel is the program's to write: forged records must never break the worker -----------------


def test_a_record_nested_too_deeply_to_parse_is_ignored(pool: SandboxPool) -> None:
    # json.loads raised RecursionError (not ValueError): the worker answered "fatal" and pool.run raised SandboxError.
    result = run(pool, "import os\nos.write(3, b'[' * 200000 + b'\\n')")
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert any("malformed record" in note for note in result.isolation.notes)
    assert_pool_works(pool)


def test_a_forged_exit_record_cannot_fake_how_the_run_ended(pool: SandboxPool) -> None:
    # The exit record shared fd 3 with the program: a forged one plus 64 MB of padding (pushing the real record past
    # the worker's cap) decided the exit status, and an unknown signal number crashed the worker.
    result = run(
        pool,
        """
        import json, os
        forged = {"type": "exit", "exit_code": 0, "signal": 999, "max_rss_kb": "lots"}
        os.write(3, (json.dumps(forged) + "\\n").encode())
        pad = b"#" * ((1 << 20) - 1) + b"\\n"
        for _ in range(70):
            os.write(3, pad)
        os._exit(5)
        """,
    )
    assert result.outcome is RunOutcome.RUNTIME_ERROR
    assert result.exit_code == 5
    assert result.signal is None
    assert isinstance(result.max_rss_mb, float)


def test_a_forged_start_record_cannot_change_the_isolation_report(pool: SandboxPool) -> None:
    # A start record with off-contract types made pool.run raise ValueError; a well-typed one rewrote the report.
    result = run(
        pool,
        """
        import json, os
        forged = {"type": "start", "limits": {"RLIMIT_AS": "unlimited"}, "uid": "root"}
        os.write(3, (json.dumps(forged) + "\\n").encode())
        os.write(3, (json.dumps({"type": "start", "limits": {}, "uid": 0}) + "\\n").encode())
        """,
    )
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert "RLIMIT_AS" in result.isolation.rlimits
    if IS_ROOT:
        assert result.isolation.uid not in (None, 0)


def test_forged_instance_paths_are_refused_without_breaking_the_worker(pool: SandboxPool) -> None:
    # A NUL byte in the path made os.path.realpath raise ValueError inside the worker (SandboxError). A FIFO must not
    # hang the certifier, and paths outside the working directory are never copied.
    source = "import json, os\nos.mkfifo('pipe.mps')\n"
    source += forged_solve("os.getcwd() + '/a\\x00b.mps'")
    source += forged_solve("os.path.abspath('pipe.mps')")
    source += forged_solve("'/etc/passwd'")
    source += forged_solve("12")
    result = run(pool, source)
    assert result.outcome is RunOutcome.OK
    assert [s.instance_path for s in result.solves] == [None] * 4
    assert_pool_works(pool)


def test_a_symlinked_instance_is_not_copied_out(os_only_pool: SandboxPool) -> None:
    source = "import json, os, sys\nos.symlink(sys.executable, 'solve-0.mps')\n"
    source += forged_solve("os.path.abspath('solve-0.mps')")
    result = run(os_only_pool, source)
    assert result.outcome is RunOutcome.OK
    assert result.solves[0].instance_path is None


def test_an_exported_instance_reaches_the_host(pool: SandboxPool) -> None:
    # The private /tmp was mounted after the artifacts folder, hiding it: exported instances went to the worker's
    # memory and instance_path named a file that did not exist on the host.
    source = f"import json, os\nopen('solve-0.mps', 'w').write({MPS!r})\n"
    source += forged_solve("os.path.abspath('solve-0.mps')")
    result = run(pool, source)
    path = result.solves[0].instance_path
    assert path is not None and path.startswith(pool.artifacts_dir + os.sep)
    with open(path) as handle:
        assert handle.read() == MPS


def test_certification_re_solves_only_the_last_instances(pool: SandboxPool) -> None:
    # Each re-solve may take certify_time_limit_s (30 s): a thousand solve records of a hard instance held the
    # worker for hours after the run's own time limit.
    source = f"import json, os\nopen('solve-0.mps', 'w').write({MPS!r})\n"
    source += "for _ in range(12):\n    " + forged_solve("os.path.abspath('solve-0.mps')")
    result = run(pool, source)
    assert len(result.solves) == 12
    skipped = ["only the last 8" in (s.certification.detail if s.certification else "") for s in result.solves]
    assert skipped == [True] * 4 + [False] * 8


HARD_MIP = textwrap.dedent(
    """
    import json, os, random
    import highspy
    random.seed(1)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    xs = [h.addBinary() for _ in range(30)]
    for _ in range(4):
        a = [random.randint(0, 99) for _ in range(30)]
        h.addConstr(sum(a[j] * xs[j] for j in range(30)) == sum(a) // 2)
    for k in range(6):
        path = os.path.abspath(f"hard{k}.mps")
        h.writeModel(path)
    """
)


def test_certification_shares_one_budget_bounded_by_the_run_time_limit(pool: SandboxPool) -> None:
    # Six forged records of a market-split MIP (hard for any solver) held a worker for 180 s after an 8 s run:
    # each re-solve had the full certify_time_limit_s. Now all re-solves share min(certify_time_limit_s,
    # time limit + 5 s), the answer (the last solve) first.
    import time

    source = HARD_MIP + "for k in range(6):\n    " + forged_solve("os.path.abspath(f'hard{k}.mps')")
    started = time.monotonic()
    result = run(pool, source, time_limit_s=2)
    assert time.monotonic() - started < 15
    assert len(result.solves) == 6
    details = [s.certification.detail if s.certification else "" for s in result.solves]
    assert all("budget" in d or "limit" in d or "inconclusive" in d for d in details), details
    assert not any(s.certification and s.certification.certified for s in result.solves)
    assert_pool_works(pool)


# -- sources and names come from outside: the caller's process must not choke on them ----------------------------


def test_sources_nested_too_deeply_are_program_errors(pool: SandboxPool) -> None:
    # ast.parse in the caller's process (dialect detection) raised MemoryError/RecursionError out of pool.run, and a
    # RecursionError from compile() in the sandbox was reported as a harness failure and a sandbox violation.
    ModelProgram.from_source("x = " + "-" * 1_000_000 + "1")  # must not raise
    deep = pool.run("x = " + "+".join(["1"] * 200_000))
    assert deep.outcome is RunOutcome.SYNTAX_ERROR
    assert "RecursionError" in deep.error


def test_odd_sources_and_file_names_do_not_raise(pool: SandboxPool) -> None:
    # A lone surrogate (valid in a JSON string an LLM returns) could not be written to the program file, and names
    # such as ".." pointed at a folder: both made the worker fail and pool.run raise SandboxError.
    surrogate = pool.run(ModelProgram(source='x = "\ud800"\n'))
    assert surrogate.outcome is RunOutcome.SYNTAX_ERROR
    for name in ("..", ".", "x\x00y", "a" * 300, "\udcff.py"):
        result = pool.run(ModelProgram(source="print('named')", name=name))
        assert result.stdout == "named\n", name


# -- the operating-system layer --------------------------------------------------------------------------------


def test_dev_shm_is_private_small_and_emptied_after_each_run(os_only_pool: SandboxPool) -> None:
    # shm_open is not audited; in the fallback, POSIX shared memory in the host's /dev/shm outlived run and pool.
    name = f"optagent-{uuid.uuid4().hex[:8]}"
    filled = run(
        os_only_pool,
        f"""
        import os, _posixshmem
        fd = _posixshmem.shm_open("/{name}", os.O_CREAT | os.O_RDWR, 0o600)
        try:
            for _ in range(100):
                os.write(fd, b"x" * (1 << 20))
        except OSError as exc:
            print("stopped", exc.errno)
        """,
    )
    assert "stopped 28" in filled.stdout  # ENOSPC: capped well below the run's memory budget
    assert not os.path.exists(f"/dev/shm/{name}")
    later = run(os_only_pool, "import os\nprint(os.listdir('/dev/shm'))")
    assert later.stdout == "[]\n"


def test_multiprocessing_locks_work(pool: SandboxPool) -> None:
    # pyomo creates a multiprocessing.Lock when multiprocessing is imported; without a writable /dev/shm that import
    # failed with PermissionError in every program.
    result = run(pool, "import multiprocessing\nmultiprocessing.Lock()\nprint('locked')")
    assert result.outcome is RunOutcome.NO_SOLVE_CALL, result.error
    assert result.stdout == "locked\n"


def test_the_private_tmp_is_size_limited(small_pool: SandboxPool) -> None:
    # The working directory is on a tmpfs (memory): without a size cap, files were a way around the memory limit.
    result = run(
        small_pool,
        """
        try:
            for i in range(12):
                with open(f"fill{i}", "wb") as handle:
                    handle.write(b"\\0" * (32 << 20))
        except OSError as exc:
            print("stopped", exc.errno, "after", i)
        """,
    )
    assert "stopped 28" in result.stdout
    assert_pool_works(small_pool)


def test_signals_cannot_reach_the_harness(os_only_pool: SandboxPool) -> None:
    result = run(
        os_only_pool,
        """
        import os, signal
        for target in [-1, *range(1, 200)]:
            if target != os.getpid():
                try:
                    os.kill(target, signal.SIGKILL)
                except OSError:
                    pass
        print("survived")
        """,
    )
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert result.stdout == "survived\n"
    assert_pool_works(os_only_pool)


def test_privileges_and_limits_cannot_be_raised(os_only_pool: SandboxPool) -> None:
    result = run(
        os_only_pool,
        """
        import ctypes, os, resource
        for name, call in [("setuid", lambda: os.setuid(0)), ("setgroups", lambda: os.setgroups([0])),
                           ("cpu", lambda: resource.setrlimit(resource.RLIMIT_CPU, (-1, -1))),
                           ("as", lambda: resource.setrlimit(resource.RLIMIT_AS, (-1, -1)))]:
            try:
                call()
                print("RAISED", name)
            except (OSError, ValueError):
                pass
        libc = ctypes.CDLL(None, use_errno=True)
        print("ptrace", libc.ptrace(16, 1, 0, 0), libc.ptrace(16, os.getppid(), 0, 0))
        print([line.split()[1] for line in open("/proc/self/status") if line.startswith("NoNewPrivs")])
        """,
    )
    assert "RAISED" not in result.stdout
    assert "ptrace -1 -1" in result.stdout
    assert "['1']" in result.stdout


def test_neutralizing_the_audit_hook_leaves_the_os_layer(pool: SandboxPool) -> None:
    # The hook is a classifier: a program can find it with gc and empty its cells. The filesystem view still holds.
    if pool.mode != "bwrap":
        pytest.skip("only bubblewrap hides the project from the OS layer")
    result = run(
        pool,
        f"""
        import gc
        for hook in [o for o in gc.get_objects() if type(o).__name__ == "function" and o.__name__ == "hook"]:
            for name, cell in zip(hook.__code__.co_freevars, hook.__closure__ or ()):
                if name == "deny":
                    cell.cell_contents = lambda message: None
        print(open({str(REPO / "pyproject.toml")!r}).read())
        """,
    )
    assert result.outcome is RunOutcome.RUNTIME_ERROR
    assert "FileNotFoundError" in result.error
    assert "optagent" not in result.stdout


def test_a_process_started_past_the_audit_hook_is_contained(pool: SandboxPool) -> None:
    # multiprocessing.util.spawnv_passfds calls _posixsubprocess.fork_exec, which raises no audit event.
    marker = f"/tmp/optagent-escape-{uuid.uuid4().hex[:8]}"
    result = run(
        pool,
        f"""
        from multiprocessing import util
        import os
        pid = util.spawnv_passfds(b"/bin/sh", [b"sh", b"-c", b"id -u; echo x > {marker}; cat /etc/shadow"], [1, 2])
        os.waitpid(pid, 0)
        """,
    )
    uid = result.stdout.split()[:1]
    assert uid and uid[0].isdigit() and uid[0] != "0", result.stdout + result.error  # the shell ran, not as root
    assert "root:" not in result.stdout
    assert not os.path.exists(marker)


def test_reading_another_process_environment_is_a_violation(pool: SandboxPool) -> None:
    result = run(pool, "print(open('/proc/1/environ', 'rb').read())")
    assert result.outcome is RunOutcome.SANDBOX_VIOLATION
    assert "another process" in result.error


# -- the namespaces fallback (no bubblewrap) ---------------------------------------------------------------------


@pytest.mark.skipif(not IS_ROOT, reason="the unprivileged uid needs root")
def test_the_namespaces_fallback_drops_root_even_for_a_hidden_runtime(ns_pool: SandboxPool) -> None:
    # A runtime under /root (pyenv) made runs keep uid 0 with every capability: a program read /etc/shadow, the
    # pool's /proc/<pid>/environ (API keys) and wrote anywhere, past the audit hook through fork_exec.
    marker = f"/tmp/optagent-escape-{uuid.uuid4().hex[:8]}"
    result = run(
        ns_pool,
        f"""
        import os
        from multiprocessing import util
        print("uid", os.getuid())
        project = {str(REPO / "pyproject.toml")!r}
        for path in ["/etc/shadow", "/proc/{os.getpid()}/environ", "/proc/{os.getpid()}/cmdline", project]:
            try:
                open(path, "rb").read()
                print("READ", path)
            except OSError:
                pass
        print("pids", [e for e in os.listdir("/proc") if e.isdigit()] == [os.readlink("/proc/self")])
        print([line.split()[1] for line in open("/proc/self/status") if line.startswith("NoNewPrivs")])
        pid = util.spawnv_passfds(b"/bin/sh", [b"sh", b"-c", b"echo x > {marker}"], [1, 2])
        os.waitpid(pid, 0)
        """,
    )
    assert result.isolation.backend == "namespaces"
    assert result.isolation.uid not in (None, 0)
    assert "uid 0" not in result.stdout
    assert "READ" not in result.stdout
    assert "pids True" in result.stdout  # hidepid: only its own processes
    assert "['1']" in result.stdout  # no_new_privs: no setuid binary of the host raises it back
    assert not os.path.exists(marker)


def test_the_namespaces_fallback_keeps_files_off_the_host(ns_pool: SandboxPool) -> None:
    name = f"optagent-{uuid.uuid4().hex[:8]}"
    source = f"""
        import json, os, _posixshmem
        for path in ["/tmp/{name}", "/var/tmp/{name}"]:
            try:
                open(path, "w").write("x")
            except OSError:
                pass
        _posixshmem.shm_open("/{name}", os.O_CREAT | os.O_RDWR, 0o600)
        open("solve-0.mps", "w").write({MPS!r})
        """
    result = run(ns_pool, textwrap.dedent(source) + forged_solve("os.path.abspath('solve-0.mps')"))
    for path in (f"/tmp/{name}", f"/var/tmp/{name}", f"/dev/shm/{name}"):
        assert not os.path.exists(path), path
    exported = result.solves[0].instance_path
    assert exported is not None and os.path.isfile(exported)  # the artifacts folder is still the host's
