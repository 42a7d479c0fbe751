"""Liveness never touches a dependency; readiness reports each one."""
import dataclasses

from insight_dash.services.storage import S3Storage

READY = {"status": "ok", "database": "ok", "storage": "ok", "sandbox": "ok", "llm": "offline"}


def test_healthz_is_liveness_only(app, client, unused_tcp_url, monkeypatch):
    broken = S3Storage(bucket="insight", region="us-gov-west-1", endpoint_url=unused_tcp_url)
    monkeypatch.setitem(app.extensions, "insight_storage", broken)
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_readyz_reports_every_dependency(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == READY


def test_readyz_reports_unreachable_storage(app, client, unused_tcp_url, monkeypatch):
    broken = S3Storage(bucket="insight", region="us-gov-west-1", endpoint_url=unused_tcp_url)
    monkeypatch.setitem(app.extensions, "insight_storage", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {**READY, "status": "unavailable", "storage": "unreachable"}


def test_readyz_reports_a_silent_sandbox(app, client, tmp_path, monkeypatch):
    elsewhere = dataclasses.replace(app.extensions["insight_settings"], data_dir=tmp_path)  # no zygote there
    monkeypatch.setitem(app.extensions, "insight_settings", elsewhere)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["sandbox"] == "unreachable"


def test_production_is_not_ready_without_a_model(app, client, monkeypatch):
    settings = dataclasses.replace(app.extensions["insight_settings"], environment="production")
    monkeypatch.setitem(app.extensions, "insight_settings", settings)
    response = client.get("/readyz", base_url="https://localhost")
    assert response.status_code == 503 and response.get_json()["llm"] == "offline"
    configured = dataclasses.replace(settings, llm_model="bedrock/us-gov.anthropic.claude-3-7-sonnet-20250219-v1:0")
    monkeypatch.setitem(app.extensions, "insight_settings", configured)
    assert client.get("/readyz", base_url="https://localhost").status_code == 200
