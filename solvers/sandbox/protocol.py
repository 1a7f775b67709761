"""Length-prefixed JSON messages between the pool (host) and its workers, over a pair of pipes."""

from __future__ import annotations

import json
import os
import struct
from typing import Any

__all__ = ["MAX_MESSAGE_BYTES", "read_message", "write_all", "write_message"]

MAX_MESSAGE_BYTES = 512 * 1024 * 1024
_HEADER = struct.Struct(">I")


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of ``data`` to ``fd`` (pipes may accept a large write in pieces)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def write_message(fd: int, message: dict[str, Any]) -> None:
    """Send one message."""
    body = json.dumps(message, allow_nan=True).encode()
    write_all(fd, _HEADER.pack(len(body)) + body)


def _read_exact(fd: int, size: int) -> bytes | None:
    chunks: list[bytes] = []
    remaining = size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> dict[str, Any] | None:
    """Receive one message; None when the other side closed the pipe."""
    header = _read_exact(fd, _HEADER.size)
    if header is None:
        return None
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ValueError(f"message of {size} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")
    body = _read_exact(fd, size)
    if body is None:
        return None
    message = json.loads(body)
    if not isinstance(message, dict):
        raise ValueError("malformed message: not a JSON object")
    return message
