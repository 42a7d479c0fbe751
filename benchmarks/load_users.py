"""The timed phase of `benchmarks/load.py`: its users as Locust users, Locust run as a library.

    .venv/bin/python benchmarks/load_users.py PLAN.json RESULTS.json

`load.py` starts this in its own process (Locust monkey-patches the standard library for
gevent; the server, the memory sampler and PostgreSQL stay in the parent, with real threads)
after the untimed setup, with a plan: the server's URL, the timed seconds, the drain, the think
time, each user's name and ready dataset. Every user signs in (untimed), waits a random one to
three think times so that users do not move in step, then runs the workspace's steps in turn
(`benchmarks.steps.Visitor`: open the workspace, page the grid, ask), one step per Locust task
with a think time (uniform 0.5x..1.5x) between them. At the deadline Locust stops every user
between steps; a user inside a step gets `drain` seconds to finish it (Locust's stop_timeout),
then is killed and counted "stuck". Every HTTP exchange is a Locust request (its statistics give
the request rate); the steps' samples, errors and submitted QueryLog ids go to RESULTS.json.
"""
from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import gevent
from gevent import GreenletExit
from locust import User, task
from locust.env import Environment
from locust.log import setup_logging

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script from anywhere

from benchmarks.steps import PASSWORD, Recorder, Visitor  # noqa: E402
from tests.harness.clients import DashError, SignedInClient  # noqa: E402

RECORDER = Recorder()
DATASET_PATH = re.compile(r"^/datasets/[^/]+")


class WorkspaceUser(User):
    """One person in their dataset's workspace: open it, page the grid, ask; again and again."""

    plan: dict[str, Any] = {}
    accounts: list[dict[str, Any]] = []  # one per user, handed out as Locust spawns them

    def __init__(self, environment: Environment):
        super().__init__(environment)
        self.account = self.accounts.pop(0)
        self.random = random.Random(self.account["number"])
        self.counting = False  # the sign-in is setup, not load
        self.client = SignedInClient(self.plan["url"], observer=self.observe)
        visitor = Visitor(self.account["number"], self.client, self.account["dataset_id"], self.plan["rows"],
                          RECORDER, tuple(self.plan["questions"]), tuple(self.plan["grid_requests"]))
        self.steps = (visitor.open_workspace, visitor.page_grid, visitor.ask)
        self.step = 0

    def wait_time(self) -> float:
        return self.plan["think"] * self.random.uniform(0.5, 1.5)

    def on_start(self) -> None:
        self.client.login(self.account["name"], PASSWORD)
        gevent.sleep(self.random.uniform(0.0, 3.0 * max(self.plan["think"], 0.5)))
        self.counting = True

    def observe(self, method: str, path: str, status: int | None, seconds: float) -> None:
        """Every HTTP exchange: the recorder's status counts, and a Locust request."""
        if not self.counting:
            return
        RECORDER.observe(method, path, status, seconds)
        failed = None if status is not None and status < 400 else DashError(f"HTTP {status or 'no response'}", status)
        self.environment.events.request.fire(request_type=method, name=DATASET_PATH.sub("/datasets/[id]", path),
                                             response_time=seconds * 1000, response_length=0, exception=failed,
                                             context={})

    @task
    def next_step(self) -> None:
        try:
            self.steps[self.step % len(self.steps)]()
            self.step += 1
        except DashError as exc:
            RECORDER.error("http" if exc.status not in (200, 204, None) else "dash", str(exc))
            self.step = 0  # start over from a fresh page load, as a person would reload
        except GreenletExit:
            RECORDER.error("stuck", f"{self.account['name']}: still inside a step {self.plan['drain']:.0f} s "
                                    "after the deadline")
            raise
        except Exception as exc:  # connection reset, timeout, malformed answer
            name = type(exc).__name__
            RECORDER.error("no response" if "Connection" in name or "Timeout" in name else "client", f"{name}: {exc}")
            self.step = 0


def run(plan: dict[str, Any]) -> dict[str, Any]:
    """The timed phase; what it saw, as JSON for load.py."""
    setup_logging("WARNING")
    WorkspaceUser.plan, WorkspaceUser.accounts = plan, list(plan["users"])
    environment = Environment(user_classes=[WorkspaceUser], host=plan["url"], stop_timeout=plan["drain"])
    runner = environment.create_local_runner()
    users = len(plan["users"])
    started = time.perf_counter()
    runner.start(users, spawn_rate=users)
    gevent.spawn_later(plan["seconds"], runner.quit)
    runner.greenlet.join()
    timed_s = time.perf_counter() - started
    total = environment.stats.total
    return {"recorder": RECORDER.to_json(), "timed_s": timed_s, "requests": total.num_requests,
            "failed_requests": total.num_failures,
            "by_request": sorted([entry.method, entry.name, entry.num_requests, entry.num_failures,
                                  entry.get_response_time_percentile(0.5), entry.get_response_time_percentile(0.95)]
                                 for entry in environment.stats.entries.values())}


def main(argv: list[str]) -> int:
    plan_path, results_path = argv
    Path(results_path).write_text(json.dumps(run(json.loads(Path(plan_path).read_text()))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
