"""WSGI entry point: `gunicorn -c gunicorn.conf.py wsgi:server`, `flask --app wsgi ...`."""
from insight_dash.app import create_app

server = create_app()
