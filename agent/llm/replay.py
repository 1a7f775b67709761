"""``ReplayLLM``: completions recorded earlier, looked up by prompt, so a run can be re-scored without a model.

Published systems ship their generations (ORLM's ``executed.jsonl``, OpenAI Batch API outputs, our own batch
exports); replaying them through the same agent and scorers is how a paper's number is reproduced, and how a
benchmark run is repeated for free. Three line formats are read, and may be mixed in one file:

* ``{"messages": [{"role": ..., "content": ...}, ...], "completion": "..."}`` — matched on the whole conversation;
* ``{"prompt": "...", "completion": "..."}`` — matched on the request's last user message (whitespace-trimmed);
* the OpenAI Batch API output, ``{"custom_id": ..., "response": {"status_code": 200, "body": {"choices": [...]}}}``,
  whose prompts live in the matching Batch *input* file (``custom_id`` + ``body.messages``): pass it as
  ``requests=`` or keep it beside the output under one of the names :func:`batch_requests_candidates` lists.

``"completions": [...]`` may stand for ``"completion"``, and several lines with the same key add up: a request
with ``n=k`` takes the first ``k`` recorded completions. Matching is exact on purpose: a completion recorded for
another prompt is never returned silently.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from agent.llm.base import BaseLLM
from agent.llm.types import LLMRequest, LLMResponse, LLMResponseError, Message, Usage, last_user_message

__all__ = ["ReplayLLM", "batch_requests_candidates", "create"]


def _messages_key(messages: Sequence[Message]) -> str:
    return json.dumps([[m.role, m.content] for m in messages], ensure_ascii=False)


def _prompt_key(prompt: str) -> str:
    return prompt.strip()


def batch_requests_candidates(output: Path) -> list[Path]:
    """Where the Batch input file of ``output`` is looked for, in order, when ``requests=`` is not given.

    OpenAI's own downloads are named ``<batch>_output.jsonl``; people keep the input as ``<batch>_input.jsonl``,
    ``<batch>.jsonl`` or ``<batch>_requests.jsonl``.
    """
    stem = output.name.removesuffix(".jsonl")
    names = [f"{stem}.requests.jsonl", f"{stem}_requests.jsonl"]
    for suffix in ("_output", "-output", ".output", "_results", "-results", ".results"):
        if stem.endswith(suffix):
            base = stem.removesuffix(suffix)
            sep = suffix[0]
            names += [f"{base}{sep}input.jsonl", f"{base}{sep}requests.jsonl", f"{base}.jsonl"]
    names.append("requests.jsonl")
    seen: list[Path] = []
    for name in names:
        path = output.with_name(name)
        if path not in seen and path != output:
            seen.append(path)
    return seen


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        raise FileNotFoundError(f"replay file {path} does not exist; check the path in replay/<file>") from None
    records: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"{path}:{number}: not valid JSON ({exc.msg}); each line must be one JSON object"
            ) from None
        if not isinstance(record, dict):
            raise ValueError(f"{path}:{number}: each line must be a JSON object, got {type(record).__name__}")
        records.append((number, record))
    return records


def _completions(record: dict[str, Any], where: str) -> list[str]:
    if "completions" in record:
        value = record["completions"]
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ValueError(f"{where}: 'completions' must be a list of strings")
        return list(value)
    value = record.get("completion")
    if not isinstance(value, str):
        raise ValueError(f"{where}: needs a string 'completion' (or a list 'completions')")
    return [value]


def _messages(raw: Any, where: str) -> tuple[Message, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{where}: 'messages' must be a non-empty list of {{role, content}} objects")
    try:
        return tuple(Message.from_dict(m) for m in raw)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


class ReplayLLM(BaseLLM):
    """Serves completions from a JSONL file (formats in the module docstring); a missing prompt is an error.

    ``model`` defaults to the model recorded in a Batch file, else ``"replay"``.
    """

    name = "replay"

    def __init__(self, path: str | Path, *, requests: str | Path | None = None, model: str | None = None) -> None:
        self.path = Path(path)
        self._by_messages: dict[str, list[str]] = {}
        self._by_prompt: dict[str, list[str]] = {}
        self._usage: dict[str, Usage] = {}
        self._errors: dict[str, str] = {}
        recorded_model: str | None = None
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, record in _read_jsonl(self.path):
            where = f"{self.path}:{number}"
            if "custom_id" in record and ("response" in record or "error" in record):
                batch.append((number, record))
            elif "messages" in record:
                key = _messages_key(_messages(record["messages"], where))
                self._by_messages.setdefault(key, []).extend(_completions(record, where))
            elif "prompt" in record:
                if not isinstance(record["prompt"], str):
                    raise ValueError(f"{where}: 'prompt' must be a string")
                self._by_prompt.setdefault(_prompt_key(record["prompt"]), []).extend(_completions(record, where))
            else:
                raise ValueError(
                    f"{where}: unrecognised record (keys {sorted(record)}); expected 'messages' or 'prompt' with "
                    "'completion', or an OpenAI Batch output line with 'custom_id' and 'response'"
                )
        if batch:
            recorded_model = self._load_batch(batch, requests)
        self.model = model or recorded_model or "replay"
        if not (self._by_messages or self._by_prompt or self._errors):
            raise ValueError(f"replay file {self.path} holds no completions")

    def _load_batch(self, batch: list[tuple[int, dict[str, Any]]], requests: str | Path | None) -> str | None:
        if requests is not None:
            requests_path = Path(requests)
        else:
            candidates = batch_requests_candidates(self.path)
            found = next((c for c in candidates if c.is_file()), None)
            if found is None:
                names = ", ".join(c.name for c in candidates)
                raise ValueError(
                    f"{self.path} is an OpenAI Batch output, whose prompts are in the Batch input file; none found "
                    f"beside it (tried {names}). Pass it as requests=PATH."
                )
            requests_path = found
        prompts: dict[str, tuple[Message, ...]] = {}
        for number, record in _read_jsonl(requests_path):
            where = f"{requests_path}:{number}"
            body = record.get("body")
            if "custom_id" not in record or not isinstance(body, dict):
                raise ValueError(f"{where}: a Batch input line needs 'custom_id' and a 'body' with 'messages'")
            prompts[str(record["custom_id"])] = _messages(body.get("messages"), where)
        model: str | None = None
        for number, record in batch:
            where = f"{self.path}:{number}"
            custom_id = str(record["custom_id"])
            if custom_id not in prompts:
                raise ValueError(f"{where}: custom_id {custom_id!r} is not in the Batch input file {requests_path}")
            key = _messages_key(prompts[custom_id])
            response = record.get("response") or {}
            body = response.get("body") if isinstance(response, dict) else None
            status = response.get("status_code", 200) if isinstance(response, dict) else None
            if record.get("error") or status != 200 or not isinstance(body, dict):
                error = record.get("error") or (body or {}).get("error") or f"status {status}"
                self._errors[key] = f"the Batch API failed this request ({custom_id}): {error}"
                continue
            choices = body.get("choices")
            if not isinstance(choices, list) or not choices:
                raise ValueError(f"{where}: response.body has no 'choices'")
            texts = []
            for choice in sorted(choices, key=lambda c: c.get("index", 0) if isinstance(c, dict) else 0):
                content = choice.get("message", {}).get("content") if isinstance(choice, dict) else None
                texts.append(content if isinstance(content, str) else "")
            self._by_messages.setdefault(key, []).extend(texts)
            usage = body.get("usage")
            if isinstance(usage, dict):
                self._usage[key] = Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))
            model = model or (body.get("model") if isinstance(body.get("model"), str) else None)
        return model

    def __len__(self) -> int:
        """Number of distinct recorded prompts."""
        return len(self._by_messages) + len(self._by_prompt)

    async def generate(self, request: LLMRequest) -> LLMResponse:
        """Look the request up by its whole conversation, then by its last user message."""
        key = _messages_key(request.messages)
        prompt = last_user_message(request.messages)
        texts = self._by_messages.get(key)
        usage = self._usage.get(key)
        if texts is None and key in self._errors:
            raise LLMResponseError(self._errors[key])
        if texts is None:
            texts = self._by_prompt.get(_prompt_key(prompt))
        if texts is None:
            raise LLMResponseError(
                f"no recorded completion in {self.path} for the prompt {prompt[:80]!r}"
                f"{'...' if len(prompt) > 80 else ''}; the replay file must hold this exact prompt "
                "(record the run again, or use a live backend such as openai/<model>)"
            )
        if len(texts) < request.n:
            raise LLMResponseError(
                f"{self.path} holds {len(texts)} completion(s) for the prompt {prompt[:80]!r} but the request asks "
                f"for n={request.n}; ask for fewer samples or record more"
            )
        return LLMResponse(list(texts[: request.n]), self.model, usage, 0.0, False)


def create(model: str | None = None, **kwargs: Any) -> ReplayLLM:
    """Registry factory: ``replay/<file>`` (the file may be a path with slashes)."""
    if not model:
        raise ValueError("the replay provider needs a file: replay/<path-to.jsonl>")
    return ReplayLLM(model, **kwargs)
