"""Hostile and broken programs: each must be contained and classified, and the pool must keep working."""

from __future__ import annotations

import os
import textwrap
import time

import pytest

from solvers import RunOutcome, SandboxPool, SandboxSettings
from tests.conftest import REPO

LP_HIGHSPY = textwrap.dedent(
    """
    import highspy
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    x = h.addVariable(lb=0, ub=3, name="x")
    y = h.addVariable(lb=0, name="y")
    h.addConstr(x + y <= 4)
    h.addConstr(x + 3 * y <= 6)
    h.maximize(3 * x + 2 * y)
    print("objective", h.getInfo().objective_function_value)
    """
)


def run(pool: SandboxPool, source: str, time_limit_s: float = 20.0):  # type: ignore[no-untyped-def]
    return pool.run(textwrap.dedent(source), time_limit_s=time_limit_s)


def sandbox_processes(uid_base: int, count: int) -> list[int]:
    """Host pids of processes running under one of the pool's sandbox uids."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as handle:
                for line in handle:
                    if line.startswith("Uid:"):
                        uid = int(line.split()[1])
                        if uid_base <= uid < uid_base + count:
                            found.append(int(entry))
                        break
        except OSError:
            continue
    return found


def test_a_clean_program_runs(pool: SandboxPool) -> None:
    result = run(pool, "print('hello')")
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert result.stdout == "hello\n"
    assert result.isolation is not None


def test_isolation_is_reported(pool: SandboxPool) -> None:
    iso = run(pool, "pass").isolation
    assert iso is not None
    assert iso.backend in ("bwrap", "namespaces")
    assert iso.network_isolated
    assert iso.pid_namespace
    assert iso.audit_hook
    assert iso.rlimits["RLIMIT_AS"] > 0
    if os.geteuid() == 0 and iso.backend == "bwrap":
        assert iso.uid is not None and iso.uid >= 61000


@pytest.mark.parametrize(
    "source",
    [
        "import socket\nsocket.create_connection(('1.1.1.1', 80), timeout=2)",
        "import socket\nsocket.create_connection(('127.0.0.1', 22), timeout=2)",
        "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=2)",
        "import socket\nsocket.getaddrinfo('example.com', 443)",
        "import subprocess\nsubprocess.run(['curl', '-s', 'http://1.1.1.1'])",
    ],
)
def test_network_is_blocked(pool: SandboxPool, source: str) -> None:
    result = run(pool, source)
    assert result.outcome is RunOutcome.SANDBOX_VIOLATION, result
    assert "not allowed" in result.error


def test_network_namespace_holds_without_the_audit_hook(os_only_pool: SandboxPool) -> None:
    result = run(
        os_only_pool,
        """
        import socket
        for host in ("1.1.1.1", "127.0.0.1"):
            try:
                socket.create_connection((host, 80), timeout=2)
                print("CONNECTED", host)
            except OSError as exc:
                print("refused", host, exc.errno)
        print(open("/proc/net/dev").read())
        """,
    )
    assert "CONNECTED" not in result.stdout
    assert "eth" not in result.stdout and "ens" not in result.stdout  # only loopback exists in the namespace


@pytest.mark.parametrize("target", ["/tmp/optagent-escape.txt", str(REPO / "escape.txt"), "/root/escape.txt"])
def test_writes_outside_the_workdir_are_blocked(pool: SandboxPool, target: str) -> None:
    result = run(pool, f"open({target!r}, 'w').write('x')")
    assert result.outcome is RunOutcome.SANDBOX_VIOLATION
    assert not os.path.exists(target)


def test_writes_outside_the_workdir_fail_without_the_audit_hook(os_only_pool: SandboxPool) -> None:
    targets = ["/tmp/optagent-escape-os.txt", str(REPO / "escape-os.txt"), "/etc/optagent-escape"]
    source = "\n".join(
        f"try:\n    open({t!r}, 'w').write('x')\nexcept OSError as exc:\n    print('blocked', exc.errno)"
        for t in targets
    )
    run(os_only_pool, source)
    for target in targets:
        assert not os.path.exists(target), target


def test_writing_inside_the_workdir_is_fine_and_removed_after(pool: SandboxPool) -> None:
    result = run(pool, "import os\nopen('notes.txt', 'w').write('ok')\nprint(os.getcwd())")
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    workdir = result.stdout.strip()
    assert not os.path.exists(os.path.join(workdir, "notes.txt"))


def test_reading_the_project_is_blocked(pool: SandboxPool) -> None:
    result = run(pool, f"print(open({str(REPO / 'pyproject.toml')!r}).read())")
    # Not mounted at all (bubblewrap, and the namespaces fallback as root), or refused by the audit hook.
    assert result.outcome in (RunOutcome.RUNTIME_ERROR, RunOutcome.SANDBOX_VIOLATION)
    if result.outcome is RunOutcome.RUNTIME_ERROR:
        assert "FileNotFoundError" in result.error
    assert "optagent" not in result.stdout
    hidden = run(pool, f"print(open({str(REPO / 'solvers' / 'types.py')!r}).read())")
    assert hidden.outcome is RunOutcome.SANDBOX_VIOLATION  # mounted for the worker, hidden from the program
    assert "Termination" not in hidden.stdout


def test_reading_the_project_is_contained_without_the_audit_hook(os_only_pool: SandboxPool) -> None:
    # The solvers package itself is mounted (the worker runs it); everything else of the project is not.
    secret_paths = [REPO / "pyproject.toml", REPO / ".git" / "HEAD", REPO / "tests" / "conftest.py"]
    source = "\n".join(
        f"try:\n    print('READ', len(open({str(p)!r}).read()))\nexcept OSError as exc:\n    print('no', exc.errno)"
        for p in secret_paths
    )
    result = run(os_only_pool, source)
    if os_only_pool.mode == "bwrap" or os.geteuid() == 0:  # bubblewrap's view, or the fallback's private mounts
        assert "READ" not in result.stdout, result.stdout
    else:  # the unprivileged fallback relies on file permissions and the audit hook for this
        pytest.skip("without bubblewrap or root, project files readable by others stay readable when the hook is off")


def test_environment_secrets_are_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-optagent-secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "aws-optagent-secret")
    with SandboxPool(SandboxSettings(workers=1, preload=("numpy",))) as fresh:
        result = fresh.run(
            textwrap.dedent(
                """
                import os
                print(sorted(os.environ))
                print(dict(os.environ))
                for pid in os.listdir('/proc'):
                    if pid.isdigit():
                        try:
                            print(open(f'/proc/{pid}/environ', 'rb').read())
                        except OSError:
                            pass
                """
            )
        )
    assert "optagent-secret" not in result.stdout + result.stderr
    assert "OPENAI_API_KEY" not in result.stdout


def test_memory_bomb_hits_the_memory_limit(pool: SandboxPool) -> None:
    result = run(pool, "blocks = []\nwhile True:\n    blocks.append(bytearray(50 * 1024 * 1024))")
    assert result.outcome is RunOutcome.MEMORY_LIMIT
    again = run(pool, "x = bytearray(10**11)")
    assert again.outcome is RunOutcome.MEMORY_LIMIT


def test_memory_bomb_in_numpy_hits_the_memory_limit(pool: SandboxPool) -> None:
    result = run(pool, "import numpy as np\na = np.ones((200000, 200000))")
    assert result.outcome is RunOutcome.MEMORY_LIMIT


@pytest.mark.parametrize("source", ["while True:\n    pass", "import time\ntime.sleep(600)"])
def test_loops_and_sleeps_time_out(pool: SandboxPool, source: str) -> None:
    started = time.monotonic()
    result = run(pool, source, time_limit_s=2)
    assert result.outcome is RunOutcome.TIMEOUT
    assert time.monotonic() - started < 10


def test_fork_bomb_is_contained(pool: SandboxPool) -> None:
    result = run(
        pool,
        """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
        """,
        time_limit_s=3,
    )
    assert result.outcome in (RunOutcome.TIMEOUT, RunOutcome.RUNTIME_ERROR)
    time.sleep(0.5)
    assert sandbox_processes(pool.settings.uid_base, pool.settings.worker_count) == []
    assert run(pool, "print(1)").stdout == "1\n"


def test_double_forked_daemon_is_killed(pool: SandboxPool) -> None:
    result = run(
        pool,
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(300)
            os._exit(0)
        time.sleep(0.2)
        print('parent done')
        """,
    )
    assert result.stdout.strip() == "parent done"
    time.sleep(0.3)
    assert sandbox_processes(pool.settings.uid_base, pool.settings.worker_count) == []


def test_daemon_holding_stdout_does_not_hang_the_run(pool: SandboxPool) -> None:
    started = time.monotonic()
    run(
        pool,
        """
        import os, time
        if os.fork() == 0:
            os.setsid()
            while True:
                print('still here', flush=True)
                time.sleep(0.1)
        """,
        time_limit_s=5,
    )
    assert time.monotonic() - started < 8


def test_a_gigabyte_of_output_is_capped(pool: SandboxPool) -> None:
    started = time.monotonic()
    result = run(
        pool,
        """
        import sys
        chunk = 'x' * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(chunk)
        print('END')
        """,
        time_limit_s=60,
    )
    assert result.stdout_truncated
    assert len(result.stdout) <= pool.settings.max_output_bytes + 200
    assert result.stdout.rstrip().endswith("END")
    assert time.monotonic() - started < 60


def test_a_printed_objective_is_not_an_answer(pool: SandboxPool) -> None:
    result = run(pool, "print('Just print the best obj: 42')\nprint('Optimal objective value: 42.0')")
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert result.result is None


def test_replacing_the_solver_module_cannot_forge_a_result(pool: SandboxPool) -> None:
    result = run(
        pool,
        """
        import sys, types
        fake = types.ModuleType('highspy')
        class Highs:
            def run(self):
                return 'kOk'
            def getObjectiveValue(self):
                return 42.0
        fake.Highs = Highs
        sys.modules['highspy'] = fake
        import highspy
        h = highspy.Highs()
        h.run()
        print('objective', h.getObjectiveValue())
        """,
    )
    assert result.outcome is RunOutcome.NO_SOLVE_CALL
    assert result.solves == ()


def test_the_harness_is_out_of_reach(pool: SandboxPool) -> None:
    result = run(pool, "import solvers.capture.recorder as r\nprint(r)")
    assert result.outcome in (RunOutcome.SANDBOX_VIOLATION, RunOutcome.RUNTIME_ERROR)
    assert result.solves == ()


def test_patching_solver_accessors_does_not_change_the_capture(pool: SandboxPool) -> None:
    result = run(
        pool,
        "import highspy\n"
        "highspy.Highs.getObjectiveValue = lambda self: 42.0\n"
        "class Info:\n    objective_function_value = 42.0\n"
        "highspy.Highs.getInfo = lambda self: Info()\n" + LP_HIGHSPY,
    )
    assert result.outcome is RunOutcome.OK, result.error
    assert result.result is not None
    assert result.result.objective_value == pytest.approx(11.0)


def test_syntax_and_runtime_errors_are_data(pool: SandboxPool) -> None:
    syntax = run(pool, "def f(:\n    pass")
    assert syntax.outcome is RunOutcome.SYNTAX_ERROR
    assert "SyntaxError" in syntax.error
    runtime = run(pool, "x = 1\ny = x / 0")
    assert runtime.outcome is RunOutcome.RUNTIME_ERROR
    assert "ZeroDivisionError" in runtime.error
    assert "model.py" in runtime.error
    assert "solvers" not in runtime.error  # the harness's own frames are not shown


def test_nonzero_exit_is_a_runtime_error(pool: SandboxPool) -> None:
    assert run(pool, "import sys\nsys.exit(3)").outcome is RunOutcome.RUNTIME_ERROR
    assert run(pool, "import sys\nsys.exit(0)").outcome is RunOutcome.NO_SOLVE_CALL


def test_killing_itself_is_a_runtime_error(pool: SandboxPool) -> None:
    result = run(pool, "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert result.outcome is RunOutcome.RUNTIME_ERROR
    assert "SIGSEGV" in result.error
    crash = run(pool, "import faulthandler\nfaulthandler.disable()\nfaulthandler._sigsegv()")
    assert crash.outcome is RunOutcome.RUNTIME_ERROR
    assert "SIGSEGV" in crash.error


def test_huge_file_is_stopped_by_the_file_size_limit(pool: SandboxPool) -> None:
    result = run(
        pool,
        "with open('big.bin', 'wb') as f:\n    for _ in range(2048):\n        f.write(b'x' * (1 << 20))",
    )
    assert result.outcome is RunOutcome.RUNTIME_ERROR
    assert "File too large" in result.error or "file-size" in result.error


def test_the_pool_survives_everything_above(pool: SandboxPool) -> None:
    result = run(pool, LP_HIGHSPY)
    assert result.outcome is RunOutcome.OK, result.error
    assert result.result is not None and result.result.objective() == pytest.approx(11.0)


def test_the_cpu_time_limit_is_the_configured_one() -> None:
    # The program's RLIMIT_CPU and the classification of a CPU-limit kill come from one value: a configured
    # cpu_time_s, not the wall-clock limit plus a margin.
    with SandboxPool(SandboxSettings(workers=1, cpu_time_s=1, time_limit_s=20, preload=("numpy",))) as fresh:
        result = fresh.run("while True:\n    pass")
    assert result.outcome is RunOutcome.TIMEOUT
    assert "CPU-time limit of 1 s" in result.error
