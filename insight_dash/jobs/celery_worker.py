"""The Celery worker for background callbacks, when INSIGHT_JOBS=celery:

    celery -A insight_dash.jobs.celery_worker worker --concurrency 2 --loglevel INFO

It builds the same app as the web processes, from the same environment (DATABASE_URL,
storage, INSIGHT_REDIS_URL, SECRET_KEY): creating the Dash app is what registers each
background callback as a Celery task, and the jobs need the app's database, storage and
sandbox. The truth stays in PostgreSQL; Redis only carries jobs and their short-lived results.
"""
from insight_dash.app import create_app
from insight_dash.settings import Settings, SettingsError

try:
    settings = Settings.from_env()
except SettingsError as exc:
    raise SystemExit(str(exc)) from None
if settings.jobs != "celery":
    raise SystemExit("The Celery worker needs INSIGHT_JOBS=celery and INSIGHT_REDIS_URL, "
                     "set the same way as for the web processes.")

server = create_app(settings)
celery_app = server.extensions["insight_celery"]
