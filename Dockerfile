# syntax=docker/dockerfile:1
# Build: docker build -t insight .   Run: see README ("Production") and deploy/README.md.
#
# The base is pinned by tag (Python patch release and Debian release). To pin it completely,
# add the digest the tag points to today in place of the default below, for example
#   docker buildx imagetools inspect python:3.11.17-slim-bookworm   (the "Digest:" line)
#   ARG PYTHON_IMAGE=python:3.11.17-slim-bookworm@sha256:<that digest>
# and move it on deliberately (Dependabot and Renovate both update such pins).
ARG PYTHON_IMAGE=python:3.11.17-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
# Wheels only: neither stage has a compiler, and a package that would need one should fail
# here with pip's own message rather than half-way through a source build. pip also writes
# the .pyc files, which the read-only runtime could not write for itself.
RUN /opt/venv/bin/pip install --only-binary=:all: -r /tmp/requirements.txt \
    && /opt/venv/bin/pip check

FROM ${PYTHON_IMAGE} AS runtime
# libmagic1: content sniffing of uploads (python-magic); libseccomp2: the sandbox's syscall
# filter. No compilers in this stage. Debian versions are not pinned on purpose: the
# archive drops superseded versions, so a pin would break the build at the next security
# update; the pinned base tag fixes the Debian release.
# Two accounts with fixed ids: `insight` runs the web workers and owns the data dir;
# `insight-sandbox` runs analysis code and can read neither the data dir nor the app's
# private files (it can read the code in /app, which the zygote imports).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1 libseccomp2 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 insight \
    && useradd --system --uid 10001 --gid insight --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin insight \
    && groupadd --system --gid 10002 insight-sandbox \
    && useradd --system --uid 10002 --gid insight-sandbox --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin insight-sandbox \
    && mkdir /data \
    && chown insight:insight /data \
    && chmod 0700 /data \
    && chmod 1777 /tmp
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY insight_dash ./insight_dash
COPY assets ./assets
COPY migrations ./migrations
COPY wsgi.py gunicorn.conf.py ./
# Bytecode is compiled now because nothing may write it at run time.
RUN /opt/venv/bin/python -m compileall -q /app/insight_dash /app/migrations /app/wsgi.py

# Read-only root filesystem: every write goes to INSIGHT_DATA_DIR (/data, private to
# `insight`) or TMPDIR (/tmp, which must stay outside the data dir: the sandbox's socket
# folder lives there and the sandbox account has to reach it). HOME and the caches of
# matplotlib and other libraries point into the data dir so no process writes elsewhere.
# The Gunicorn master starts as root only to launch the sandbox zygote as insight-sandbox
# (when_ready in gunicorn.conf.py); every worker drops to `insight` (GUNICORN_USER). See the
# README, "Sandbox".
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TMPDIR=/tmp \
    HOME=/data \
    XDG_CACHE_HOME=/data/.cache \
    MPLCONFIGDIR=/data/.matplotlib \
    INSIGHT_ENV=production \
    INSIGHT_DATA_DIR=/data \
    INSIGHT_SANDBOX_USER=insight-sandbox \
    GUNICORN_USER=insight \
    GUNICORN_GROUP=insight
# Declared volumes get the image's owner and mode when mounted: Fargate copies them into a
# task volume whose containerPath matches (otherwise it would be root-owned 0755), and
# `docker run --read-only` gets writable anonymous volumes. Keep this after every change
# to these folders: later build steps would not reach the volume.
VOLUME ["/data", "/tmp"]
EXPOSE 8000
# Liveness only (/healthz touches no dependency). ECS ignores this and uses the task
# definition's healthCheck, which runs the same command (deploy/ecs-task-definition.json).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:server"]
