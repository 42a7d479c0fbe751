"""Background work, in one place:

- `managers`: where Dash background callbacks (answers) run, by INSIGHT_JOBS: forked from the
  web worker with results in a diskcache folder, or on a Celery worker through Redis;
- `context`: what every such job does first (an app context, its own database pool, a lower
  CPU priority);
- `celery_worker`: the Celery worker's entry point (`celery -A insight_dash.jobs.celery_worker worker`);
- `threads`: the per-process thread pool for work that outlives a request (parsing an upload);
- `sweeps`: ending the datasets and questions whose process died, at start and periodically.

Importing this package loads none of them.
"""
