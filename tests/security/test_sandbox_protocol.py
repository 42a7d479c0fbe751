"""The zygote socket's framing and the web side's reading of the runner's result, which the
supervisor passes on undecoded: a result that is not a JSON object is a crash, never trusted."""
import os
import socket
import threading

from insight_dash.sandbox import client
from insight_dash.sandbox.protocol import receive_message, send_message


def test_a_message_its_descriptors_and_its_payload_arrive_whole():
    left, right = socket.socketpair()
    read_end, write_end = os.pipe()
    fds = []
    payload = b'{"ok": true, "result": {"type": "string", "value": "' + b"x" * 3_000_000 + b'"}}'
    try:
        # Bigger than the socket's buffer: the sender blocks until the other side reads.
        sender = threading.Thread(target=send_message, args=(left, {"code": "result = 1"}, [read_end]),
                                  kwargs={"payload": payload})
        sender.start()
        message, fds, received = receive_message(right)
        sender.join()
        assert message == {"code": "result = 1"} and len(fds) == 1 and received == payload
        send_message(left, {"ping": True})
        assert receive_message(right)[1:] == ([], b"")
    finally:
        for fd in (read_end, write_end, *fds):
            os.close(fd)
        left.close()
        right.close()


def test_the_supervisors_output_and_timing_win_over_the_runners():
    response = {"output": "printed", "timing": {"total_ms": 5.0}}
    runner_json = b'{"ok": true, "result": {"type": "number", "value": 1}, "output": "forged", "timing": {"exec_ms": 1.0, "total_ms": 0}}'
    merged = client._with_result(response, bytearray(runner_json))
    assert merged == {"ok": True, "result": {"type": "number", "value": 1}, "output": "printed",
                      "timing": {"exec_ms": 1.0, "total_ms": 5.0}}


def test_a_result_that_is_not_a_json_object_is_a_crash():
    response = {"output": "", "timing": {"total_ms": 5.0}}
    for broken in (b'{"ok": true, "res', b"[1, 2]", b"\xff\xfe"):
        merged = client._with_result(response, bytearray(broken))
        assert not merged["ok"] and merged["kind"] == "crashed"
