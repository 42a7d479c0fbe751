"""Framing for the zygote socket: two 4-byte lengths, a JSON message, then an optional payload
of JSON bytes already encoded (the runner's result, passed on as the runner wrote it). File
descriptors ride along with the request (SCM_RIGHTS), so the sandbox reads exactly the tables
it was handed."""
from __future__ import annotations

import json
import socket
import struct
from typing import Any

MAX_MESSAGE = 64 * 1024 * 1024
MAX_FDS = 32
_HEADER = struct.Struct("!II")  # the message's length, the payload's length


def send_message(sock: socket.socket, message: dict[str, Any], fds: list[int] = (),
                 payload: bytes | bytearray = b"") -> None:
    body = json.dumps(message).encode()
    header = _HEADER.pack(len(body), len(payload))
    if fds:
        socket.send_fds(sock, [header], list(fds))
        sock.sendall(body)
    else:
        sock.sendall(header + body)
    if payload:
        sock.sendall(payload)  # on its own: joining it to the message would copy it


def receive_message(sock: socket.socket) -> tuple[dict[str, Any], list[int], bytearray]:
    """The message, the descriptors that came with it, and the payload (b"" when none)."""
    header, fds, _, _ = socket.recv_fds(sock, _HEADER.size, MAX_FDS)
    if len(header) < _HEADER.size:
        header += _read_exactly(sock, _HEADER.size - len(header))
    length, payload_length = _HEADER.unpack(header)
    if length + payload_length > MAX_MESSAGE:
        raise ValueError("message too large")
    return json.loads(_read_exactly(sock, length)), fds, _read_exactly(sock, payload_length)


def _read_exactly(sock: socket.socket, size: int) -> bytearray:
    """`size` bytes, received straight into one buffer (no list of chunks to join)."""
    buffer = bytearray(size)
    view, received = memoryview(buffer), 0
    while received < size:
        count = sock.recv_into(view[received:], size - received)
        if not count:
            raise ConnectionError("the other side closed the connection")
        received += count
    return buffer
