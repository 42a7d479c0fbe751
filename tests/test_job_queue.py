"""This host's line of background jobs (jobs/queue.py) and the manager that runs them as threads
(jobs.managers.JobsOnHost): order, the bound across processes, cancelling in line and after
the start. Over HTTP, with a question whose browser went away: tests/pages/test_waiting_in_line.py."""
import subprocess
import sys
import threading
import time

import diskcache
import pytest

from insight_dash.components.ids import WAITING_ID
from insight_dash.jobs.managers import JobsOnHost
from insight_dash.jobs.queue import ABANDONED, HostQueue, Turn


@pytest.fixture
def line(tmp_path):
    return HostQueue(tmp_path / "turns.sqlite", limit=2)


def test_jobs_start_in_the_order_they_came_and_never_more_than_the_limit(line):
    for job in "abcd":
        line.enqueue(job)
    assert line.take_turn("d") == Turn(started=False, ahead=3)
    assert line.take_turn("b") == Turn(started=False, ahead=1)  # "a" came first
    assert line.take_turn("a") == Turn(started=True, ahead=0)
    assert line.take_turn("b") == Turn(started=True, ahead=0)
    assert line.take_turn("c") == Turn(started=False, ahead=0)  # first in line, both places taken
    assert line.counts() == {"running": 2, "queued": 2}
    line.finish("a")
    assert line.take_turn("d") == Turn(started=False, ahead=1)  # a free place goes to "c" first
    assert line.take_turn("c") == Turn(started=True, ahead=0)
    assert line.take_turn("d") == Turn(started=False, ahead=0)
    assert line.state("a") is None and line.state("d") == "queued"


def test_a_job_cancelled_in_line_leaves_it_and_one_cancelled_after_its_start_keeps_its_place(line):
    for job in "abc":
        line.enqueue(job)
    assert line.take_turn("a").started
    line.cancel("b")
    assert line.take_turn("b") is None and line.state("b") is None
    assert line.take_turn("c") == Turn(started=True, ahead=0)
    line.cancel("a")  # a thread cannot be stopped: it still takes a place until it ends
    assert line.state("a") == ABANDONED
    line.enqueue("d")
    assert line.take_turn("d") == Turn(started=False, ahead=0)
    line.finish("a")
    assert line.take_turn("d").started


HOLD_A_PLACE = """
import sys, time
from pathlib import Path
from insight_dash.jobs.queue import HostQueue
line = HostQueue(Path(sys.argv[1]), limit=1)
line.enqueue("other-worker")
assert line.take_turn("other-worker").started
print("started", flush=True)
time.sleep(600)
"""


def test_the_limit_holds_across_the_workers_of_a_host_and_a_dead_workers_place_is_freed(tmp_path):
    path = tmp_path / "turns.sqlite"
    other = subprocess.Popen([sys.executable, "-c", HOLD_A_PLACE, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "started"
        line = HostQueue(path, limit=1)
        line.enqueue("mine")
        assert line.take_turn("mine") == Turn(started=False, ahead=0)
    finally:
        other.kill()
        other.wait()
    assert line.take_turn("mine").started  # the killed worker's ticket went with it
    assert line.state("other-worker") is None


class Gate:
    """A job that runs until the test opens it, and remembers that it ran."""

    def __init__(self):
        self.opened, self.ran = threading.Event(), threading.Event()

    def __call__(self, name):
        self.ran.set()
        self.opened.wait(30)
        return f"answer to {name}"


@pytest.fixture
def one_at_a_time(managers, tmp_path):
    manager = JobsOnHost(diskcache.Cache(str(tmp_path / "jobs")), HostQueue(tmp_path / "turns.sqlite", limit=1))
    managers(manager)
    yield manager
    manager.wait_idle(30)


def start(manager, key, job):
    return manager.call_job_fn(key, manager.make_job_fn(job, progress=False), [key], {})


def waiting_shown(manager, key, text):
    """Wait until the job's place in line has been sent to the page as `text` (earlier places
    may come first: the jobs ahead start one by one)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if manager.get_updated_props(key) == {WAITING_ID: {"children": text}}:
            return True
        time.sleep(0.05)
    return False


def test_a_job_waits_its_turn_with_its_place_shown_then_runs(one_at_a_time):
    first, second, third = Gate(), Gate(), Gate()
    jobs = [start(one_at_a_time, key, gate) for key, gate in (("k1", first), ("k2", second), ("k3", third))]
    assert first.ran.wait(10)
    assert waiting_shown(one_at_a_time, "k2", "Waiting: next in line.")
    assert waiting_shown(one_at_a_time, "k3", "Waiting, 1 ahead of you.")
    assert not second.ran.is_set() and all(one_at_a_time.job_running(job) for job in jobs)
    first.opened.set()
    assert second.ran.wait(10)
    assert one_at_a_time.get_result("k1", jobs[0]) == "answer to k1"
    assert waiting_shown(one_at_a_time, "k2", "")  # the card no longer says it waits
    second.opened.set()
    third.opened.set()
    assert one_at_a_time.wait_idle(30)
    assert one_at_a_time.get_result("k3", jobs[2]) == "answer to k3"
    assert not any(one_at_a_time.job_running(job) for job in jobs)


def test_a_job_cancelled_while_in_line_never_runs(one_at_a_time):
    first, second = Gate(), Gate()
    running, waiting = start(one_at_a_time, "k1", first), start(one_at_a_time, "k2", second)
    assert first.ran.wait(10)
    one_at_a_time.terminate_job(waiting)
    assert not one_at_a_time.job_running(waiting)
    first.opened.set()
    assert one_at_a_time.wait_idle(30)
    assert not second.ran.is_set()
    assert one_at_a_time.get_result("k2", waiting) is one_at_a_time.UNDEFINED
    assert one_at_a_time.get_result("k1", running) == "answer to k1"


def test_a_job_cancelled_after_its_start_ends_and_its_result_is_not_kept(one_at_a_time):
    gate = Gate()
    job = start(one_at_a_time, "k1", gate)
    assert gate.ran.wait(10)
    one_at_a_time.terminate_job(job)
    assert one_at_a_time.job_running(job)  # still holding its place
    gate.opened.set()
    assert one_at_a_time.wait_idle(30)
    assert "k1" not in one_at_a_time.handle and not one_at_a_time.job_running(job)
