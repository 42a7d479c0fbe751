"""Gunicorn settings (`gunicorn -c gunicorn.conf.py wsgi:server`), overridable by environment.

Timeout chain (outer layers give up last): ALB idle 120 s >= Gunicorn 120 s > Bedrock read 90 s.
"""
import os
import threading

from insight_dash.settings import Settings

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "30"))
# Longer than the ALB's idle timeout, so the ALB closes idle connections first (no 502s).
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "125"))
# No preload: the app is created in each worker after the fork, so every worker opens its own
# database pool and sandbox connections instead of inheriting sockets shared with its siblings
# (a shared PostgreSQL connection breaks both). The master only starts the sandbox zygote.
preload_app = False
# The access log is the app's own (logger "insight.access"): one JSON line per request with its
# request id, user id, callback name, status and latency, which Gunicorn's log cannot know.
# Gunicorn's access log stays off so requests are not logged twice; its error log (worker
# boots, timeouts, signals) is written as JSON too when INSIGHT_LOG_FORMAT=json.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if Settings.from_env().log_format == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "insight_dash.logging_setup.JsonFormatter"}},
        "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
        # Gunicorn's default root logger names a handler this dict replaces: name ours instead.
        "root": {"level": loglevel.upper(), "handlers": ["stdout"]},
        "loggers": {"gunicorn.error": {"handlers": ["stdout"], "level": loglevel.upper(), "propagate": False}},
    }
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR", "/dev/shm" if os.path.isdir("/dev/shm") else None)

# Workers drop to this account when the master starts as root (the container does, so that
# the sandbox zygote can run under an account of its own; see the README, "Sandbox").
user = os.environ.get("GUNICORN_USER") or None
group = os.environ.get("GUNICORN_GROUP") or None
_stop_watching = threading.Event()


def when_ready(server):
    """Start the host's sandbox zygote from the master, before any worker needs it, and keep
    it running: workers have dropped root and cannot start it under its own account."""
    from insight_dash.sandbox.client import ensure_zygote, watch_zygote

    settings = Settings.from_env()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    ensure_zygote(settings)
    watch_zygote(settings, stop=_stop_watching)


def worker_exit(server, worker):
    """A worker stopping (a deploy, a scale-in) lets the answers its threads are writing end,
    within the graceful timeout; one still in line when it stops ends as interrupted (jobs/sweeps.py)."""
    jobs = getattr(worker.wsgi, "extensions", {}).get("insight_jobs")
    if jobs is not None:
        jobs.wait_idle(timeout=graceful_timeout)


def on_exit(server):
    from insight_dash.sandbox.client import stop_zygote

    _stop_watching.set()  # or the watch would start the zygote again as the master exits
    stop_zygote(Settings.from_env())
