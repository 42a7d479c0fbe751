"""One settings object, read from environment variables and validated at start.

Every variable is documented in the README's configuration table. A bad value stops
the app with a message naming the variable, what it accepts and what it got.
"""
from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path


ENVIRONMENTS = ("development", "production")
STORAGE_BACKENDS = ("local", "s3")
LOG_FORMATS = ("json", "text")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
JOB_MANAGERS = ("diskcache", "celery")
# What analysis code may import (INSIGHT_SANDBOX_IMPORTS): the sandbox's static check, its import
# hook and the model's prompt all read Settings.sandbox_allowed_imports.
DEFAULT_SANDBOX_IMPORTS = frozenset({
    "pandas", "numpy", "plotly", "math", "statistics", "datetime", "re", "json", "collections",
    "itertools", "functools", "decimal",
})
# Analysis jobs at once per host (INSIGHT_MAX_JOBS): a job mostly waits on the model, as a thread
# holding a few MiB, and its CPU burst is the sandbox run, one process each; four per core keeps
# the cores busy while the rest wait (benchmarks/load.py --model fake-bedrock).
JOBS_PER_CPU = 4
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def default_max_jobs() -> int:
    return JOBS_PER_CPU * (os.cpu_count() or 1)


class SettingsError(ValueError):
    """Raised with every invalid variable listed, one per line."""


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    data_dir: Path = field(default_factory=lambda: Path("instance").resolve())
    database_url: str | None = None
    secret_key: str = ""
    storage: str = "local"
    s3_bucket: str | None = None
    s3_prefix: str = ""
    s3_region: str | None = None
    s3_endpoint_url: str | None = None
    llm_model: str | None = None
    llm_region: str | None = None
    llm_endpoint_url: str | None = None
    llm_timeout_s: int = 90
    llm_max_retries: int = 3
    max_upload_mb: int = 150
    frame_cache_mb: int = 1024
    parquet_cache_mb: int = 20480
    sandbox_memory_mb: int = 2048
    sandbox_timeout_s: int = 60
    sandbox_require_seccomp: bool = True
    sandbox_user: str | None = None
    sandbox_allowed_imports: frozenset[str] = DEFAULT_SANDBOX_IMPORTS
    sandbox_autostart: bool = True
    secure_cookies: bool = False
    hsts_seconds: int = 0
    ssl_redirect: bool = False
    trust_proxy: bool = False
    session_hours: int = 12
    log_format: str = "text"
    log_level: str = "INFO"
    jobs: str = "diskcache"
    max_jobs: int = field(default_factory=default_max_jobs)
    redis_url: str | None = None
    sweep_every_s: int = 60

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def max_upload_bytes(self) -> int:
        return self.max_upload_mb * 1024 * 1024

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Build settings from `environ` (default: the process environment)."""
        reader = _Reader(os.environ if environ is None else environ)
        environment = reader.choice("INSIGHT_ENV", ENVIRONMENTS, "development")
        production = environment == "production"
        data_dir = Path(reader.text("INSIGHT_DATA_DIR", "instance")).resolve()
        storage = reader.choice("INSIGHT_STORAGE", STORAGE_BACKENDS, "local")
        settings = cls(
            environment=environment,
            data_dir=data_dir,
            database_url=reader.database_url("DATABASE_URL"),
            secret_key=reader.text("SECRET_KEY", ""),
            storage=storage,
            s3_bucket=reader.optional("INSIGHT_S3_BUCKET"),
            s3_prefix=reader.text("INSIGHT_S3_PREFIX", "").strip("/"),
            s3_region=reader.optional("INSIGHT_S3_REGION") or reader.optional("AWS_REGION"),
            s3_endpoint_url=reader.url("INSIGHT_S3_ENDPOINT_URL"),
            llm_model=reader.optional("INSIGHT_LLM_MODEL"),
            llm_region=reader.optional("INSIGHT_LLM_REGION"),
            llm_endpoint_url=reader.url("INSIGHT_LLM_ENDPOINT_URL"),
            llm_timeout_s=reader.integer("INSIGHT_LLM_TIMEOUT_S", 90, low=1, high=600),
            llm_max_retries=reader.integer("INSIGHT_LLM_MAX_RETRIES", 3, low=0, high=10),
            max_upload_mb=reader.integer("INSIGHT_MAX_UPLOAD_MB", 150, low=1, high=2048),
            frame_cache_mb=reader.integer("INSIGHT_FRAME_CACHE_MB", 1024, low=0, high=65536),
            parquet_cache_mb=reader.integer("INSIGHT_PARQUET_CACHE_MB", 20480, low=0, high=1048576),
            sandbox_memory_mb=reader.integer("INSIGHT_SANDBOX_MEMORY_MB", 2048, low=256, high=65536),
            sandbox_timeout_s=reader.integer("INSIGHT_SANDBOX_TIMEOUT_S", 60, low=1, high=110),
            sandbox_require_seccomp=reader.choice("INSIGHT_SANDBOX_SECCOMP", ("required", "optional"),
                                                  "required" if production else "optional") == "required",
            sandbox_user=reader.optional("INSIGHT_SANDBOX_USER") or (None if os.geteuid() else "nobody"),
            sandbox_allowed_imports=frozenset(
                reader.text("INSIGHT_SANDBOX_IMPORTS", ",".join(sorted(DEFAULT_SANDBOX_IMPORTS))).split(",")),
            sandbox_autostart=reader.boolean("INSIGHT_SANDBOX_AUTOSTART", True),
            secure_cookies=reader.boolean("INSIGHT_SECURE_COOKIES", production),
            hsts_seconds=reader.integer(
                "INSIGHT_HSTS_SECONDS", 31536000 if production else 0, low=0, high=63072000
            ),
            ssl_redirect=reader.boolean("INSIGHT_SSL_REDIRECT", production),
            trust_proxy=reader.boolean("INSIGHT_TRUST_PROXY", production),
            session_hours=reader.integer("INSIGHT_SESSION_HOURS", 12, low=1, high=720),
            log_format=reader.choice("INSIGHT_LOG_FORMAT", LOG_FORMATS, "json" if production else "text"),
            log_level=reader.choice("INSIGHT_LOG_LEVEL", LOG_LEVELS, "INFO", upper=True),
            jobs=reader.choice("INSIGHT_JOBS", JOB_MANAGERS, "diskcache"),
            max_jobs=reader.integer("INSIGHT_MAX_JOBS", default_max_jobs(), low=1, high=1024),
            redis_url=reader.redis_url("INSIGHT_REDIS_URL"),
            sweep_every_s=reader.integer("INSIGHT_SWEEP_SECONDS", 60, low=0, high=3600),
        )
        if storage == "s3" and not settings.s3_bucket:
            reader.errors.append("INSIGHT_S3_BUCKET is required when INSIGHT_STORAGE=s3")
        if settings.jobs == "celery" and reader.optional("INSIGHT_REDIS_URL") is None:
            reader.errors.append(
                "INSIGHT_REDIS_URL is required when INSIGHT_JOBS=celery "
                "(the Celery broker and result store, e.g. redis://redis.internal:6379/0)"
            )
        if production and len(settings.secret_key) < 32:
            reader.errors.append(
                "SECRET_KEY must be set to at least 32 characters in production "
                "(the same value on every host: it signs sessions and Dash job handles)"
            )
        if production and settings.database_url is None:
            reader.errors.append("DATABASE_URL is required in production (the embedded database is for development)")
        if reader.errors:
            raise SettingsError("Invalid configuration:\n  " + "\n  ".join(reader.errors))
        return settings

    def with_dev_secret(self) -> "Settings":
        """Return settings whose secret key persists in the data dir, for development only.

        A per-process random key would log everyone out on restart and break job handles
        signed by a sibling worker, so the generated key is written once and reused.
        """
        if self.secret_key:
            return self
        key_file = self.data_dir / "secret_key"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        return replace(self, secret_key=key_file.read_text().strip())


class _Reader:
    """Parses variables and collects every error instead of stopping at the first."""

    def __init__(self, environ: Mapping[str, str]):
        self.environ = environ
        self.errors: list[str] = []

    def optional(self, name: str) -> str | None:
        value = self.environ.get(name, "").strip()
        return value or None

    def text(self, name: str, default: str) -> str:
        return self.optional(name) or default

    def choice(self, name: str, allowed: tuple[str, ...], default: str, upper: bool = False) -> str:
        raw = self.optional(name)
        if raw is None:
            return default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            self.errors.append(f"{name} must be one of {', '.join(allowed)} (got {raw!r})")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.optional(name)
        if raw is None:
            return default
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        self.errors.append(f"{name} must be true or false (got {raw!r})")
        return default

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.optional(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.errors.append(f"{name} must be a whole number (got {raw!r})")
            return default
        if not low <= value <= high:
            self.errors.append(f"{name} must be between {low} and {high} (got {value})")
            return default
        return value

    def url(self, name: str) -> str | None:
        raw = self.optional(name)
        if raw is not None and not raw.startswith(("http://", "https://")):
            self.errors.append(f"{name} must be an http:// or https:// URL (got {raw!r})")
            return None
        return raw

    def redis_url(self, name: str) -> str | None:
        raw = self.optional(name)
        if raw is None:
            return None
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme == "redis" or (scheme == "rediss" and "ssl_cert_reqs=" in raw):
            return raw
        if scheme == "rediss":
            self.errors.append(f"{name}: a rediss:// URL needs ?ssl_cert_reqs=required (Celery refuses TLS without it)")
            return None
        # Only the scheme is echoed: the rest may hold a password.
        self.errors.append(
            f"{name} must be a Redis URL such as redis://redis.internal:6379/0 (rediss:// for TLS) "
            f"(got scheme {scheme or 'none'!r})"
        )
        return None

    def database_url(self, name: str) -> str | None:
        raw = self.optional(name)
        if raw is None:
            return None
        scheme = raw.split("://", 1)[0] if "://" in raw else ""
        if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
            return "postgresql+psycopg://" + raw.split("://", 1)[1]
        self.errors.append(
            f"{name} must be a PostgreSQL URL such as postgresql://user:pass@host:5432/insight "
            f"(got scheme {scheme or 'none'!r})"
        )
        return None
