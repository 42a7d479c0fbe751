"""Talking to Insight as the browser does: over Flask's test client (in-process tests) or over
real HTTP (`SignedInClient`: processes and benchmarks), with the bodies of `dash_protocol`;
and the workspace's own steps (open it, ask, wait for an upload) over HTTP."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask.testing import FlaskClient

from tests.harness.dash_protocol import (CSRF_COOKIE, CSRF_INPUT, PAGES_INPUTS, UPDATE_PATH, Firing,
                                         callback_body, dependency_for, end_id_of, find_component,
                                         pattern_click_body, polling_body)

TEST_PASSWORD = "correct-horse-battery"


# --------------------------------------------------------------------------------------
# In-process: Flask's test client (any signed-in user can send any ids)


def render_page(client: FlaskClient, pathname: str, csrf: bool = True):
    """POST the Dash Pages routing callback the way the browser renderer does."""
    dependency = {"output": ".._pages_content.children..._pages_store.data..",
                  "inputs": [{"id": cid, "property": prop} for cid, prop in PAGES_INPUTS]}
    body = callback_body(dependency, [(*PAGES_INPUTS[0], pathname), (*PAGES_INPUTS[1], "")])
    return client.post(UPDATE_PATH, json=body, headers=_csrf_header(client) if csrf else {})


def call_callback(client: FlaskClient, inputs: Firing, state: Firing = ()):
    """POST one Dash callback as the renderer does: the registered one whose inputs are `inputs`."""
    dependency = dependency_for(client.get("/_dash-dependencies").get_json(), inputs)
    return client.post(UPDATE_PATH, json=callback_body(dependency, inputs, state), headers=_csrf_header(client))


def click_pattern(client: FlaskClient, kind: str, index: object, state: Firing = ()):
    """POST the callback of a pattern-matched button, {"type": kind, "index": index}, clicked once."""
    body = pattern_click_body(client.get("/_dash-dependencies").get_json(), kind, index, state)
    return client.post(UPDATE_PATH, json=body, headers=_csrf_header(client))


def _csrf_header(client: FlaskClient) -> dict[str, str]:
    return {"X-CSRFToken": client.get_cookie(CSRF_COOKIE).value}


# --------------------------------------------------------------------------------------
# Over HTTP: a signed-in browser, as far as the server can tell


class DashError(RuntimeError):
    """A callback answered with an error: a non-200/204 status, or the app's error toast."""

    def __init__(self, message: str, status: int | None = None, body: Any = None):
        super().__init__(message)
        self.status, self.body = status, body


@dataclass
class CallbackResult:
    status: int  # 200, or 204 (PreventUpdate: nothing to update)
    body: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    polls: int = 0  # background callbacks: how many polls after the start
    job: str | None = None  # background callbacks: the signed job handle ("<job id>~<signature>")
    size: int = 0  # bytes of the response body (background callbacks: of the start and every poll)

    def output(self, component_id: str, prop: str) -> Any:
        """The value sent for one output (allow_duplicate's '@hash' suffix is not part of `prop`)."""
        return self.body.get("response", {}).get(component_id, {}).get(prop)

    @property
    def toast(self) -> str | None:
        """The message of the app's error toast (on_error -> set_props), if the callback raised."""
        side = self.body.get("sideUpdate") or {}
        toast = side.get("app-toast") or {}
        return toast.get("children") if toast.get("is_open") else None


class SignedInClient(requests.Session):
    """A browser, as far as the server can tell: cookies, the sign-in form, CSRF, Dash callbacks."""

    def __init__(self, base_url: str, username: str | None = None, password: str | None = None,
                 timeout: float = 130.0, observer: Callable[[str, str, int | None, float], None] | None = None):
        """`observer(method, path, status, seconds)` is called after every HTTP exchange (status
        None when no response came: connection refused or reset, timeout); `timeout` per request
        (default just above Gunicorn's 120 s worker timeout)."""
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.observer = observer
        self.end_id: str | None = None  # the renderer's per-page-load token (dash config "end_id")
        self._dependencies: list[dict[str, Any]] | None = None
        if username is not None:
            self.login(username, password)

    # ---- plain HTTP

    def request(self, method, url, *args, **kwargs):  # noqa: D401 (requests' signature)
        if url.startswith("/"):
            url = self.base_url + url
        kwargs.setdefault("timeout", self.timeout)
        started = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.RequestException:
            if self.observer is not None:
                self.observer(method, urlpath(url), None, time.perf_counter() - started)
            raise
        if self.observer is not None:
            self.observer(method, urlpath(url), response.status_code, time.perf_counter() - started)
        return response

    @property
    def csrf_token(self) -> str:
        token = self.cookies.get(CSRF_COOKIE)
        if not token:
            raise DashError("no _csrf_token cookie yet: open an HTML page first")
        return token

    def login(self, username: str, password: str) -> requests.Response:
        """GET /login, then POST the form with its hidden csrf_token; lands on the home page."""
        form = self.get("/login")
        match = CSRF_INPUT.search(form.text)
        if form.status_code != 200 or match is None:
            raise DashError(f"the sign-in form did not load (HTTP {form.status_code})", form.status_code)
        landed = self.post("/login", data={"csrf_token": match.group(1), "username": username,
                                           "password": password})
        if landed.status_code != 200 or urlpath(landed.url).startswith("/login"):
            raise DashError(f"sign-in as {username!r} failed (HTTP {landed.status_code} at {landed.url})",
                            landed.status_code)
        self._remember_page(landed)
        return landed

    def load_document(self, path: str) -> requests.Response:
        """GET an HTML page as the browser's navigation does: refreshes the CSRF cookie and endId."""
        response = self.get(path)
        if response.status_code != 200:
            raise DashError(f"GET {path}: HTTP {response.status_code}", response.status_code)
        self._remember_page(response)
        return response

    def _remember_page(self, response: requests.Response) -> None:
        self.end_id = end_id_of(response.text) or self.end_id

    def upload(self, path: str | Path, name: str | None = None) -> str:
        """POST /upload as assets/upload.js does (multipart field "file", X-CSRFToken header);
        returns the new dataset's id."""
        path = Path(path)
        with open(path, "rb") as handle:
            response = self.post("/upload", files={"file": (name or path.name, handle, "text/csv")},
                                 headers={"X-CSRFToken": self.csrf_token})
        if response.status_code != 201:
            raise DashError(f"upload of {path.name}: HTTP {response.status_code} {response.text[:200]}",
                            response.status_code)
        return response.json()["dataset_id"]

    # ---- Dash

    def dependencies(self) -> list[dict[str, Any]]:
        """/_dash-dependencies (fetched once per client, as the renderer does per page load)."""
        if self._dependencies is None:
            response = self.get("/_dash-dependencies")
            if response.status_code != 200:
                raise DashError(f"/_dash-dependencies: HTTP {response.status_code}", response.status_code)
            self._dependencies = response.json()
        return self._dependencies

    def post_callback(self, body: dict[str, Any], args: list[tuple[str, str]] = ()) -> requests.Response:
        """One POST to /_dash-update-component with the renderer's query string and CSRF header."""
        query = ([("endId", self.end_id)] if self.end_id else []) + list(args)
        url = UPDATE_PATH + ("?" + "&".join(f"{k}={v}" for k, v in query) if query else "")
        return self.post(url, json=body, headers={"X-CSRFToken": self.csrf_token})

    def callback(self, inputs: list[tuple[str, str, Any]], state: list[tuple[str, str, Any]] = (),
                 expect_update: bool = True) -> CallbackResult:
        """Fire the callback whose inputs are `inputs` (a plain one; see background_callback).

        Raises DashError on any status but 200/204, on the app's error toast, and on 204 when
        `expect_update` (PreventUpdate where the page needs an answer)."""
        dependency = dependency_for(self.dependencies(), inputs)
        if dependency.get("background"):
            return self.background_callback(inputs, state)
        started = time.perf_counter()
        response = self.post_callback(callback_body(dependency, inputs, state))
        return _checked(response, time.perf_counter() - started, expect_update, dependency["output"])

    def background_callback(self, inputs: list[tuple[str, str, Any]], state: list[tuple[str, str, Any]] = (),
                            poll_interval: float | None = None, max_seconds: float = 300.0) -> CallbackResult:
        """A background callback, driven as dash-renderer's handleServerside does:

        1. POST the full payload (with `?endId=`); the server starts a job and answers 200 with
           {"cacheKey", "job", ...} (signed, bound to this page load's endId) and no "response".
        2. Every `background.interval` ms (from /_dash-dependencies; 1000 by default) POST again
           with `?endId=&cacheKey=&job=` and every input and state value set to null; a 200
           without "response" means still running ("sideUpdate"/"progress" may come along).
        3. A 200 with "response" is the result; a 204 means no update (e.g. a cancelled job).
        """
        dependency = dependency_for(self.dependencies(), inputs)
        interval = poll_interval if poll_interval is not None else \
            (dependency.get("background") or {}).get("interval", 500) / 1000
        started = time.perf_counter()
        job = self.start_background(inputs, state)
        if isinstance(job, CallbackResult):
            job.seconds = time.perf_counter() - started
            return job
        polls, size = 0, job.size
        while True:
            if time.perf_counter() - started > max_seconds:
                raise DashError(f"{dependency['output']}: no result after {max_seconds:.0f} s")
            time.sleep(interval)
            polls += 1
            result = self.poll_background(job)
            size += result.size
            if result.status == 204 or "response" in result.body:
                result.seconds, result.polls, result.job = time.perf_counter() - started, polls, job.job
                result.size = size
                return result

    def start_background(self, inputs: list[tuple[str, str, Any]], state: list[tuple[str, str, Any]] = ()
                         ) -> "BackgroundJob | CallbackResult":
        """Step 1 of `background_callback`: the job's handles, or the result when there was no job."""
        dependency = dependency_for(self.dependencies(), inputs)
        body = callback_body(dependency, inputs, state)
        first = self.post_callback(body)
        result = _checked(first, 0.0, False, dependency["output"])
        if result.status == 204 or "response" in result.body:
            return result
        cache_key, job = result.body.get("cacheKey"), result.body.get("job")
        if not cache_key or not job:
            raise DashError(f"{dependency['output']}: the start answered neither a job nor a response",
                            first.status_code, result.body)
        return BackgroundJob(dependency["output"], polling_body(body), cache_key, job, result.size)

    def poll_background(self, job: "BackgroundJob") -> CallbackResult:
        """One poll of step 2: a 200 without "response" while it runs ("sideUpdate" may come along)."""
        response = self.post_callback(job.polled, [("cacheKey", job.cache_key), ("job", job.job)])
        return _checked(response, 0.0, False, job.output)

    def render_page(self, pathname: str, search: str = "") -> CallbackResult:
        """The Dash Pages routing callback for `pathname`, as after navigation."""
        return self.callback(inputs=[(*PAGES_INPUTS[0], pathname), (*PAGES_INPUTS[1], search)])

    def open(self, pathname: str) -> Any:
        """Navigate: the HTML document, then the page's content (the routing callback's output)."""
        self.load_document(pathname)
        return self.render_page(pathname).output("_pages_content", "children")


@dataclass
class BackgroundJob:
    """A started background callback: what its polls send (signed handles bound to the page load)."""

    output: str
    polled: dict[str, Any]
    cache_key: str
    job: str
    size: int  # bytes of the start's response


def _checked(response: requests.Response, seconds: float, expect_update: bool, output: str) -> CallbackResult:
    if response.status_code == 204:
        if expect_update:
            raise DashError(f"{output}: 204 (no update) where an update was expected", 204)
        return CallbackResult(204, {}, seconds, size=len(response.content))
    if response.status_code != 200:
        raise DashError(f"{output}: HTTP {response.status_code} {response.text[:200]}", response.status_code)
    try:
        body = response.json()
    except ValueError:
        raise DashError(f"{output}: the answer is not JSON", 200, response.text[:200]) from None
    result = CallbackResult(200, body, seconds, size=len(response.content))
    if result.toast:
        raise DashError(f"{output}: error toast: {result.toast}", 200, body)
    return result


def urlpath(url: str) -> str:
    return urlsplit(url).path


# --------------------------------------------------------------------------------------
# The workspace's steps, over HTTP


def wait_until_ready(client: SignedInClient, dataset_id: str, timeout: float = 300.0) -> None:
    """Poll the dataset's page, as its status badge does, until the upload is `ready`."""
    deadline = time.monotonic() + timeout
    while True:
        badge = find_component(client.render_page(f"/datasets/{dataset_id}").output("_pages_content", "children"),
                               "dataset-status")
        status = badge["props"].get("children") if badge else None
        if status == "ready":
            return
        if status == "error" or time.monotonic() > deadline:
            raise DashError(f"dataset {dataset_id} is {status!r}, not ready")
        time.sleep(0.5)


def open_workspace(client: SignedInClient, dataset_id: str) -> tuple[str, str]:
    """Open the dataset's workspace; returns the table and the conversation it shows."""
    client.load_document(f"/datasets/{dataset_id}")
    return render_workspace(client, dataset_id)


def render_workspace(client: SignedInClient, dataset_id: str) -> tuple[str, str]:
    """The routing callback of the dataset's workspace (the document already loaded); returns
    the table and the conversation it shows."""
    return workspace_ids(client.render_page(f"/datasets/{dataset_id}").output("_pages_content", "children"),
                         dataset_id)


def workspace_ids(content: Any, dataset_id: str) -> tuple[str, str]:
    """The table and the conversation a rendered workspace shows."""
    table, session = find_component(content, "table-select"), find_component(content, "session-select")
    if table is None or session is None:
        raise DashError(f"/datasets/{dataset_id}: the workspace has no table-select/session-select", 200)
    return table["props"]["value"], session["props"]["value"]


def ask(client: SignedInClient, dataset_id: str, session_id: str, question: str, clicks: int = 1) -> dict:
    """Click Ask: the question is stored as running; returns pending-query.data ({"query_id": ...}),
    the input of the background callback that answers it."""
    return submit(client, dataset_id, session_id, question, clicks)[0]


def submit(client: SignedInClient, dataset_id: str, session_id: str, question: str,
           clicks: int = 1) -> tuple[dict, CallbackResult]:
    """`ask`, with the whole answer of the ask-button callback."""
    submitted = client.callback(
        inputs=[("ask-button", "n_clicks", clicks)],
        state=[("question-input", "value", question), ("dataset-id", "data", dataset_id),
               ("session-select", "value", session_id), ("follow-up-of", "data", None)])
    pending = submitted.output("pending-query", "data")
    if not isinstance(pending, dict) or "query_id" not in pending:
        raise DashError(f"ask: no query id in pending-query.data ({pending!r})", 200)
    return pending, submitted


def answer(client: SignedInClient, pending: dict) -> CallbackResult:
    """Run the answer's background callback as the renderer does, until its outputs come back
    (ids.ANSWERS_CHANGED: the cards come from show_answers, see `show_answers`)."""
    return client.background_callback(inputs=[("pending-query", "data", pending)])


def show_answers(client: SignedInClient, dataset_id: str, session_id: str, shown: dict | None = None,
                 pending: dict | None = None) -> CallbackResult:
    """The answers' one writer, as the page runs it after every change of the conversation:
    a patch against `shown` (ids.ANSWERS_SHOWN, what the page shows), or the whole list when
    `shown` is None. Returns its outputs: answers.children and answers-shown.data."""
    return client.callback(inputs=[("answers-changed", "data", time.time_ns())],
                           state=[("answers-shown", "data", shown), ("dataset-id", "data", dataset_id),
                                  ("session-select", "value", session_id), ("pending-query", "data", pending)])
