"""A local Bedrock Runtime endpoint: the Converse API subset litellm calls for Claude.

litellm reaches it through its real code path (SigV4-signed with the dummy credentials from
the environment; the server checks that a signature is there). Replies are scripted: each
request takes the next item of the script, which is either a model answer or a fault.
"""
from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# The model string a GovCloud deployment configures (INSIGHT_LLM_MODEL).
GOVCLOUD_MODEL = "bedrock/us-gov.anthropic.claude-3-7-sonnet-20250219-v1:0"


@dataclass
class Reply:
    """What the next request gets: text from the model, or a fault."""

    text: str = ""
    status: int = 200
    error_type: str = ""
    error_message: str = ""
    delay_s: float = 0.0
    raw_body: bytes | None = None
    input_tokens: int = 120
    output_tokens: int = 40
    respond: Callable[[str], str] | None = None  # writes the answer from the prompt it was sent


def prompt_text(body: dict[str, Any]) -> str:
    """The text of every message of one Converse request, as one string."""
    return "\n".join(part.get("text", "") for message in body.get("messages", [])
                     for part in message.get("content", []))


def code_reply(code: str) -> Reply:
    return Reply(text=f"Here is the analysis.\n```python\n{code.strip()}\n```")


def throttled() -> Reply:
    return Reply(status=429, error_type="ThrottlingException", error_message="Rate exceeded")


def too_long() -> Reply:
    return Reply(status=400, error_type="ValidationException", error_message="Input is too long for requested model.")


def access_denied() -> Reply:
    return Reply(status=403, error_type="AccessDeniedException",
                 error_message="You don't have access to the model with the specified model ID.")


def slow(seconds: float) -> Reply:
    return Reply(text="too late", delay_s=seconds)


def malformed() -> Reply:
    return Reply(raw_body=b'{"output": {"message": ')


@dataclass
class FakeBedrock:
    script: deque = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    fallback: Callable[[], Reply] | None = None  # makes the reply once the script has run out (load)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def queue(self, *replies: Reply) -> None:
        self.script.extend(replies)

    def next_reply(self) -> Reply:
        if self.script:
            return self.script.popleft()
        return self.fallback() if self.fallback else Reply(text="no reply was scripted")

    def prompts(self) -> list[str]:
        """The text of every message sent, one string per request."""
        return [prompt_text(request["body"]) for request in self.requests]

    def start(self) -> "FakeBedrock":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                request = {"path": self.path, "body": json.loads(body or b"{}"),
                           "signed": self.headers.get("Authorization", "").startswith("AWS4-HMAC-SHA256")}
                fake.requests.append(request)
                if not request["signed"] or not self.path.endswith("/converse"):
                    return self._send(403, {"message": "Missing SigV4 signature"}, "AccessDeniedException")
                reply = fake.next_reply()
                time.sleep(reply.delay_s)
                if reply.raw_body is not None:
                    return self._send_raw(200, reply.raw_body)
                if reply.status != 200:
                    return self._send(reply.status, {"message": reply.error_message}, reply.error_type)
                # This request's own prompt: others may have come in meanwhile (the load benchmark).
                text = reply.respond(prompt_text(request["body"])) if reply.respond else reply.text
                self._send(200, {
                    "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                    "stopReason": "end_turn",
                    "usage": {"inputTokens": reply.input_tokens, "outputTokens": reply.output_tokens,
                              "totalTokens": reply.input_tokens + reply.output_tokens},
                    "metrics": {"latencyMs": int(reply.delay_s * 1000)},
                })

            def _send(self, status: int, payload: dict, error_type: str = "") -> None:
                headers = {"x-amzn-ErrorType": f"{error_type}:http://internal.amazon.com/coral/"} if error_type else {}
                self._send_raw(status, json.dumps(payload).encode(), headers)

            def _send_raw(self, status: int, body: bytes, headers: dict | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
