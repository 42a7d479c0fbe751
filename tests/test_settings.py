from pathlib import Path

import pytest

from insight_dash.settings import Settings, SettingsError

PRODUCTION = {
    "INSIGHT_ENV": "production",
    "SECRET_KEY": "x" * 40,
    "DATABASE_URL": "postgresql://insight:pw@db.internal:5432/insight",
}


def test_defaults_need_no_configuration():
    settings = Settings.from_env({})
    assert settings.uses_embedded_database
    assert settings.storage == "local"
    assert settings.llm_model is None
    assert settings.data_dir == Path("instance").resolve()
    assert not settings.secure_cookies and not settings.ssl_redirect
    assert settings.log_format == "text"


def test_production_turns_on_the_security_switches():
    settings = Settings.from_env(PRODUCTION)
    assert settings.secure_cookies and settings.ssl_redirect and settings.trust_proxy
    assert settings.hsts_seconds == 31536000
    assert settings.log_format == "json"


def test_production_switches_can_be_overridden():
    settings = Settings.from_env({**PRODUCTION, "INSIGHT_SSL_REDIRECT": "false", "INSIGHT_HSTS_SECONDS": "0"})
    assert not settings.ssl_redirect and settings.hsts_seconds == 0


def test_database_url_is_normalised_to_psycopg3():
    settings = Settings.from_env({"DATABASE_URL": "postgres://u:p@h/db"})
    assert settings.database_url == "postgresql+psycopg://u:p@h/db"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DATABASE_URL": "sqlite:///x.db"}, "DATABASE_URL must be a PostgreSQL URL"),
        ({"INSIGHT_STORAGE": "ftp"}, "INSIGHT_STORAGE must be one of local, s3 (got 'ftp')"),
        ({"INSIGHT_STORAGE": "s3"}, "INSIGHT_S3_BUCKET is required when INSIGHT_STORAGE=s3"),
        ({"INSIGHT_MAX_UPLOAD_MB": "lots"}, "INSIGHT_MAX_UPLOAD_MB must be a whole number (got 'lots')"),
        ({"INSIGHT_MAX_UPLOAD_MB": "0"}, "INSIGHT_MAX_UPLOAD_MB must be between 1 and 2048 (got 0)"),
        ({"INSIGHT_SECURE_COOKIES": "maybe"}, "INSIGHT_SECURE_COOKIES must be true or false"),
        ({"INSIGHT_S3_ENDPOINT_URL": "localhost:9000"}, "INSIGHT_S3_ENDPOINT_URL must be an http"),
        ({"INSIGHT_ENV": "production"}, "SECRET_KEY must be set to at least 32 characters"),
        ({"INSIGHT_ENV": "production", "SECRET_KEY": "k" * 40}, "DATABASE_URL is required in production"),
    ],
)
def test_bad_values_are_named_with_what_is_accepted(environ, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ)
    assert message in str(raised.value)


def test_every_bad_value_is_reported_at_once():
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"INSIGHT_STORAGE": "ftp", "INSIGHT_LOG_FORMAT": "xml"})
    assert "INSIGHT_STORAGE" in str(raised.value) and "INSIGHT_LOG_FORMAT" in str(raised.value)


def test_development_secret_persists_across_restarts(tmp_path):
    first = Settings(data_dir=tmp_path).with_dev_secret()
    second = Settings(data_dir=tmp_path).with_dev_secret()
    assert len(first.secret_key) == 64
    assert first.secret_key == second.secret_key
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_background_jobs_default_to_diskcache():
    settings = Settings.from_env({})
    assert settings.jobs == "diskcache" and settings.redis_url is None


def test_celery_jobs_take_a_redis_url():
    settings = Settings.from_env({"INSIGHT_JOBS": "Celery", "INSIGHT_REDIS_URL": "redis://:pw@redis.internal:6379/0"})
    assert settings.jobs == "celery" and settings.redis_url == "redis://:pw@redis.internal:6379/0"
    tls = Settings.from_env({"INSIGHT_JOBS": "celery",
                             "INSIGHT_REDIS_URL": "rediss://cache.internal:6380/0?ssl_cert_reqs=required"})
    assert tls.redis_url.startswith("rediss://")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"INSIGHT_JOBS": "rq"}, "INSIGHT_JOBS must be one of diskcache, celery (got 'rq')"),
        ({"INSIGHT_JOBS": "celery"}, "INSIGHT_REDIS_URL is required when INSIGHT_JOBS=celery"),
        ({"INSIGHT_REDIS_URL": "http://redis:6379"}, "INSIGHT_REDIS_URL must be a Redis URL"),
        ({"INSIGHT_REDIS_URL": "rediss://redis:6380/0"}, "a rediss:// URL needs ?ssl_cert_reqs=required"),
    ],
)
def test_bad_job_settings_are_named(environ, message):
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(environ)
    assert message in str(raised.value)


def test_a_bad_redis_url_is_reported_without_its_password():
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"INSIGHT_JOBS": "celery", "INSIGHT_REDIS_URL": "tcp://:hunter2@redis:6379"})
    assert "got scheme 'tcp'" in str(raised.value) and "hunter2" not in str(raised.value)
    assert "is required" not in str(raised.value)  # set but wrong is one error, not two
