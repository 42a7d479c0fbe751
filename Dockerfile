# syntax=docker/dockerfile:1
# Build: docker build -t insight .   Run: see README ("Production").

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install -r /tmp/requirements.txt

FROM python:3.11-slim
# libmagic1: content sniffing of uploads (python-magic); libseccomp2: the sandbox's syscall
# filter. Two accounts: `insight` runs the web workers, `insight-sandbox` runs analysis code
# and cannot read the app's files. No compilers in this stage.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 libseccomp2 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin insight \
    && useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin insight-sandbox \
    && mkdir /data && chown insight:insight /data && chmod 700 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY insight_dash ./insight_dash
COPY assets ./assets
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./
# All writes go under /data and /tmp (mount tmpfs there); the rest can be read-only.
# The Gunicorn master starts as root only to launch the sandbox zygote as insight-sandbox
# (when_ready in gunicorn.conf.py); every worker drops to `insight` (GUNICORN_USER).
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    INSIGHT_ENV=production \
    INSIGHT_DATA_DIR=/data \
    INSIGHT_SANDBOX_USER=insight-sandbox \
    GUNICORN_USER=insight \
    GUNICORN_GROUP=insight
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"]
