"""What the load and memory benchmarks time: one person's steps in a dataset's workspace, over
HTTP (`tests.harness.clients`), each recorded as a `Sample`.

No scheduling here: `benchmarks/load_users.py` runs these steps as Locust users, and
`benchmarks/memory.py` runs them in threads, one after another."""
from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


from tests.harness.clients import (DashError, SignedInClient, answer, show_answers, submit, wait_until_ready,
                                  workspace_ids)
from tests.harness.dash_protocol import find_prop
from tests.harness.servers import GunicornServer

PASSWORD = "load-test-password-1"
GRID_BLOCK = 200  # the grid's cacheBlockSize (components/dataset_view.py)


@dataclass
class Sample:
    kind: str  # document, page, grid, question
    started: float
    ended: float
    ok: bool

    @property
    def ms(self) -> float:
        return (self.ended - self.started) * 1000


@dataclass
class Recorder:
    """Everything one benchmark run saw, from every user; safe to share between threads."""

    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    samples: list[Sample] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)
    error_examples: dict[str, str] = field(default_factory=dict)
    submitted: list[int] = field(default_factory=list)  # QueryLog ids returned by the ask callback
    submit_attempts: int = 0
    question_intervals: list[tuple[float, float]] = field(default_factory=list)  # questions that got an id
    answer_bytes: list[int] = field(default_factory=list)  # received to draw a question and its answer

    def observe(self, method: str, path: str, status: int | None, seconds: float) -> None:
        with self.lock:
            self.statuses[status if status is not None else "no response"] += 1

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def error(self, kind: str, detail: str) -> None:
        with self.lock:
            self.errors[kind] += 1
            self.error_examples.setdefault(kind, detail[:300])

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {"samples": [asdict(s) for s in self.samples],
                    "statuses": [[status, n] for status, n in self.statuses.items()],
                    "errors": dict(self.errors), "error_examples": self.error_examples,
                    "submitted": self.submitted, "submit_attempts": self.submit_attempts,
                    "question_intervals": self.question_intervals, "answer_bytes": self.answer_bytes}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Recorder:
        return cls(samples=[Sample(**s) for s in data["samples"]],
                   statuses=Counter({status: n for status, n in data["statuses"]}),
                   errors=Counter(data["errors"]), error_examples=data["error_examples"],
                   submitted=data["submitted"], submit_attempts=data["submit_attempts"],
                   question_intervals=[tuple(pair) for pair in data["question_intervals"]],
                   answer_bytes=data["answer_bytes"])


def prepare(client: SignedInClient, username: str, csv_path: Path, ready_timeout: float) -> str:
    """Untimed setup of one user: sign in, upload `csv_path`, wait until it is ready; its id."""
    client.login(username, PASSWORD)
    dataset_id = client.upload(csv_path)
    wait_until_ready(client, dataset_id, timeout=ready_timeout)
    return dataset_id


def prepare_all(server: GunicornServer, names: list[str], files: list[Path],
                ready_timeout: float) -> list[tuple[SignedInClient, str]]:
    """Every user signs in and uploads their file at once; (client, ready dataset id) per user.
    Stops the benchmark, with the server's log, when any of them fails."""
    def prepare_one(n: int) -> tuple[SignedInClient, str]:
        client = SignedInClient(server.url)
        return client, prepare(client, names[n], files[n], ready_timeout)

    prepared, failures = in_parallel(prepare_one, names)
    if failures:
        troubles = [line for line in server.log_text().splitlines()
                    if any(mark in line for mark in ("ERROR", "Traceback", "Error", " 500 "))]
        raise SystemExit("setup failed:\n  " + "\n  ".join(failures) + "\nthe server's log, its errors:\n"
                         + "\n".join(troubles[-60:]) + "\n...and its end:\n" + server.log_tail())
    return prepared


class PageProbe(threading.Thread):
    """One more person, in the benchmark's own process, opening their workspace every second
    while the load runs: page latency as a person sees it. Locust's samples include its own
    delays (all its users share one gevent loop, so one user's JSON work holds up another's
    clock); the server's are measured apart from any of them here."""

    def __init__(self, client: SignedInClient, dataset_id: str, rows: int, every_s: float = 1.0):
        super().__init__(name="page-probe", daemon=True)
        self.recorder = Recorder()
        self.visitor = Visitor(0, client, dataset_id, rows, self.recorder, (), ())
        self.every_s, self.stopping = every_s, threading.Event()

    def run(self) -> None:
        while not self.stopping.wait(self.every_s):
            try:
                self.visitor.open_workspace()
            except DashError as exc:
                self.recorder.error("probe", str(exc))

    def stop(self) -> None:
        self.stopping.set()
        self.join()


def in_parallel(work: Callable[[int], Any], names: list[str]) -> tuple[list, list[str]]:
    """Run `work(n)` for every user number at once, a thread each; what each returned (None where
    it raised), and the failures as text."""
    failures: list[str] = []
    returned: list = [None] * len(names)

    def run(n: int) -> None:
        try:
            returned[n] = work(n)
        except Exception as exc:
            failures.append(f"{names[n]}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(names))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return returned, failures


class Visitor:
    """One signed-in person working in one dataset's workspace, every step timed."""

    def __init__(self, number: int, client: SignedInClient, dataset_id: str, rows: int, recorder: Recorder,
                 questions: tuple[str, ...], grid_requests: tuple[dict, ...]):
        self.number, self.client, self.dataset_id, self.rows = number, client, dataset_id, rows
        self.recorder, self.questions, self.grid_requests = recorder, questions, grid_requests
        self.table: str | None = None
        self.session_id: str | None = None
        self.shown: dict | None = None  # what the page's answers show (ids.ANSWERS_SHOWN)
        self.asked = 0

    @contextmanager
    def timed(self, kind: str) -> Iterator[None]:
        """One sample of `kind`, ok when the block ends without raising."""
        started = time.perf_counter()
        ok = False
        try:
            yield
            ok = True
        finally:
            self.recorder.add(Sample(kind, started, time.perf_counter(), ok))

    def open_workspace(self) -> None:
        """The HTML document (its own sample), then the routing callback that renders the page."""
        with self.timed("document"):
            self.client.load_document(f"/datasets/{self.dataset_id}")
        with self.timed("page"):
            content = self.client.render_page(f"/datasets/{self.dataset_id}").output("_pages_content", "children")
        # Read outside the sample: walking the layout is this process's work, not the server's.
        self.table, self.session_id = workspace_ids(content, self.dataset_id)
        self.shown = find_prop(content, "answers-shown", "data")  # None on an app without it

    def draw_answers(self, pending: dict) -> int:
        """What the page does after the conversation changed: show_answers patches the cards it
        shows (an app before it sent the cards with the change itself). Bytes received."""
        if self.shown is None:
            return 0
        drawn = show_answers(self.client, self.dataset_id, self.session_id, self.shown, pending)
        self.shown = drawn.output("answers-shown", "data")
        return drawn.size

    def page_grid(self) -> None:
        """The preview grid's infinite-model requests, each checked for the rows it must hold."""
        for request in self.grid_requests:
            with self.timed("grid"):
                result = self.client.callback(
                    inputs=[("preview-grid", "getRowsRequest", request)],
                    state=[("dataset-id", "data", self.dataset_id), ("table-select", "value", self.table),
                           ("preview-version", "value", None)])
                block = result.output("preview-grid", "getRowsResponse") or {}
                wanted = min(GRID_BLOCK, self.rows - request["startRow"])
                if len(block.get("rowData", [])) != wanted or block.get("rowCount") != self.rows:
                    raise DashError(f"grid {request['startRow']}-{request['endRow']}: "
                                    f"{len(block.get('rowData', []))} rows of {block.get('rowCount')}", 200)

    def ask(self) -> None:
        """Click Ask, then drive the answer's background callback until its answers come back."""
        question = self.questions[(self.number + self.asked) % len(self.questions)]
        self.asked += 1
        with self.recorder.lock:
            self.recorder.submit_attempts += 1
        started = time.perf_counter()
        query_id = None
        try:
            with self.timed("question"):
                pending, submitted = submit(self.client, self.dataset_id, self.session_id, question, self.asked)
                query_id = pending["query_id"]
                with self.recorder.lock:
                    self.recorder.submitted.append(query_id)
                drawn = submitted.size + self.draw_answers(pending)
                answered = answer(self.client, pending)
                outputs = answered.body.get("response") or {}
                if answered.status == 204 or not outputs:
                    raise DashError(f"question {query_id}: the background callback ended without an update "
                                    f"(HTTP {answered.status} after {answered.polls} polls, "
                                    f"{answered.seconds:.1f} s)", 200)
                drawn += self.draw_answers(pending) + answered.size
                with self.recorder.lock:
                    self.recorder.answer_bytes.append(drawn)
        finally:
            if query_id is not None:
                with self.recorder.lock:
                    self.recorder.question_intervals.append((started, time.perf_counter()))


