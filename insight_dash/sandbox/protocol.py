"""Framing for the zygote socket: a 4-byte length, then JSON; file descriptors ride along
with the request (SCM_RIGHTS), so the sandbox reads exactly the tables it was handed."""
from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_MESSAGE = 64 * 1024 * 1024
MAX_FDS = 32


def send_message(sock: socket.socket, message: dict[str, Any], fds: list[int] = ()) -> None:
    body = json.dumps(message).encode()
    header = struct.pack("!I", len(body))
    if fds:
        socket.send_fds(sock, [header], list(fds))
        sock.sendall(body)
    else:
        sock.sendall(header + body)


def receive_message(sock: socket.socket) -> tuple[dict[str, Any], list[int]]:
    header, fds, _, _ = socket.recv_fds(sock, 4, MAX_FDS)
    if len(header) < 4:
        header += _read_exactly(sock, 4 - len(header))
    (length,) = struct.unpack("!I", header)
    if length > MAX_MESSAGE:
        raise ValueError("message too large")
    return json.loads(_read_exactly(sock, length)), fds


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1024 * 1024))
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
