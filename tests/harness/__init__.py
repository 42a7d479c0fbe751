"""Insight driven from outside, for the tests and the benchmarks alike (benchmarks import from
here; nothing here imports from benchmarks/ or from a test module):

- `dash_protocol`: the JSON bodies Dash's renderer posts, and reading the layouts it gets back;
- `clients`: callbacks over Flask's test client or over real HTTP (`SignedInClient`: sign-in
  form, CSRF, the renderer's endId, background callbacks), and the workspace's own steps;
- `servers`: processes to talk to: embedded PostgreSQL, Gunicorn as production runs it, app
  processes and Celery workers and Redis side by side, a moto S3 server;
- `files`: the sensor CSV and messy budget workbook most tests and benchmarks upload;
- `chromium`: the steps browser tests share;
- `deployment`: the Dockerfile read as instructions.
"""
