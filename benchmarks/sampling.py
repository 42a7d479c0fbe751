"""Where a benchmark's server spends memory and CPU: every Gunicorn worker, every background job
forked from them, the sandbox zygote and its runners, sampled every 0.5 s from outside."""
from __future__ import annotations

import sys
import threading
import time

import psutil

from tests.harness.servers import GunicornServer, rss_of

MIB = 1024 * 1024
SAMPLE_EVERY_S = 0.5


class MemorySampler(threading.Thread):
    """Every 0.5 s: RSS of each worker, of each background job, of the sandbox tree; CPU use.

    Every 4th sample also reads the jobs' USS (pages only that job holds: what a fork really
    costs; RSS counts the pages it still shares with its worker). CPU seconds are each
    process's own user+system, last seen (a lower bound: the last < 0.5 s of a process, and
    processes that live less than 0.5 s, e.g. most sandbox runs, are missed)."""

    def __init__(self, server: GunicornServer):
        super().__init__(daemon=True, name="memory-sampler")
        self.server = server
        self.stopping = threading.Event()
        self.worker_peak: dict[int, int] = {}
        self.job_peak = 0  # the largest single job process
        self.jobs_total_peak = 0  # all job processes together
        self.jobs_count_peak = 0
        self.job_uss_peak = 0
        self.jobs_uss_total_peak = 0
        self.zygote_peak = 0
        self.sandbox_total_peak = 0  # zygote + supervisors + runners
        self.sandbox_count_peak = 0
        self.task_rss_peak = 0  # every process of the server summed (shared pages counted in each)
        self.task_pss_peak = 0  # the same with shared pages split among their sharers (read every 2 s)
        self.cpu: list[float] = []
        self.samples = 0
        self.cpu_start: dict[int, float] = {}
        self.cpu_last: dict[int, float] = {}
        self.job_cpu: dict[int, float] = {}
        self.machine_start = psutil.cpu_times()
        self.machine_end = self.machine_start
        self.started = self.ended = time.perf_counter()

    def tree(self) -> tuple[list[int], list[int], list[int]]:
        """(master and workers, background jobs, sandbox zygote and its children)."""
        jobs = [pid for pids in self.server.job_pids().values() for pid in pids]
        return [self.server.master_pid, *self.server.worker_pids()], jobs, self.server.sandbox_pids()

    def run(self) -> None:
        self.started = time.perf_counter()
        psutil.cpu_percent(None)
        self.machine_start = psutil.cpu_times()
        gunicorn, jobs, sandbox = self.tree()
        self.cpu_start = own_cpu_seconds(gunicorn + jobs + sandbox)
        self.cpu_last = dict(self.cpu_start)
        while not self.stopping.wait(SAMPLE_EVERY_S):
            try:
                self.sample()
            except Exception as exc:  # a process vanished mid-read: keep sampling
                print(f"(memory sample skipped: {type(exc).__name__}: {exc})", file=sys.stderr)

    def sample(self) -> None:
        self.samples += 1
        self.cpu.append(psutil.cpu_percent(None))
        gunicorn, job_list, sandbox_list = self.tree()
        seen = own_cpu_seconds(gunicorn + job_list + sandbox_list)
        self.cpu_last.update(seen)
        self.job_cpu.update({pid: seen[pid] for pid in job_list if pid in seen})
        for pid, rss in rss_of(gunicorn[1:]).items():
            self.worker_peak[pid] = max(self.worker_peak.get(pid, 0), rss)
        jobs = rss_of(job_list)
        if jobs:
            self.job_peak = max(self.job_peak, max(jobs.values()))
            self.jobs_total_peak = max(self.jobs_total_peak, sum(jobs.values()))
            self.jobs_count_peak = max(self.jobs_count_peak, len(jobs))
            if self.samples % 4 == 0:
                uss = uss_of(jobs)
                if uss:
                    self.job_uss_peak = max(self.job_uss_peak, max(uss.values()))
                    self.jobs_uss_total_peak = max(self.jobs_uss_total_peak, sum(uss.values()))
        sandbox = rss_of(sandbox_list)
        self.task_rss_peak = max(self.task_rss_peak, sum(rss_of(gunicorn).values()) + sum(jobs.values())
                                 + sum(sandbox.values()))
        if self.samples % 4 == 0:
            self.task_pss_peak = max(self.task_pss_peak, sum(pss_of(gunicorn + job_list + sandbox_list).values()))
        if sandbox:
            self.zygote_peak = max(self.zygote_peak, sandbox.get(sandbox_list[0], 0))
            self.sandbox_total_peak = max(self.sandbox_total_peak, sum(sandbox.values()))
            self.sandbox_count_peak = max(self.sandbox_count_peak, len(sandbox) - 1)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.ended = time.perf_counter()
        self.machine_end = psutil.cpu_times()
        self.cpu_last.update(own_cpu_seconds(self.cpu_last))

    @property
    def seconds(self) -> float:
        """How long it sampled."""
        return self.ended - self.started

    def server_cpu_s(self) -> float:
        """CPU seconds of Gunicorn (master, workers, background jobs) and the sandbox tree."""
        return sum(last - self.cpu_start.get(pid, 0.0) for pid, last in self.cpu_last.items())

    def machine_busy_s(self) -> float:
        """CPU seconds the whole machine spent busy (all processes, every core)."""
        def busy(times) -> float:
            return sum(times) - times.idle - getattr(times, "iowait", 0.0)
        return busy(self.machine_end) - busy(self.machine_start)


def uss_of(pids) -> dict[int, int]:
    return _full_memory_of(pids, "uss")


def pss_of(pids) -> dict[int, int]:
    return _full_memory_of(pids, "pss")


def _full_memory_of(pids, field_name: str) -> dict[int, int]:
    sizes = {}
    for pid in pids:
        try:
            sizes[pid] = getattr(psutil.Process(pid).memory_full_info(), field_name)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return sizes


def own_cpu_seconds(pids) -> dict[int, float]:
    seconds = {}
    for pid in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        seconds[pid] = times.user + times.system
    return seconds


def mib(value: float) -> str:
    return f"{value / MIB:7.0f} MiB"
