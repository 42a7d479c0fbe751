from insight_dash.services.storage import S3Storage


def test_healthz_reports_database_and_storage(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "storage": "ok"}


def test_healthz_reports_unreachable_storage(app, client, unused_tcp_url, monkeypatch):
    broken = S3Storage(bucket="insight", region="us-gov-west-1", endpoint_url=unused_tcp_url)
    monkeypatch.setitem(app.extensions, "insight_storage", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "database": "ok", "storage": "unreachable"}
