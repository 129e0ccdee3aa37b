"""The HTTP routes, through FastAPI's test client (the extra "api")."""

from fastapi import FastAPI
from fastapi.testclient import TestClient
from wordstats.routes import router


def _client() -> TestClient:
    app = FastAPI()
    app.include_router(router, prefix="/wordstats")
    return TestClient(app)


def test_stats_and_top() -> None:
    client = _client()
    answer = client.post("/wordstats/stats", json={"text": "One two. Three!"})
    assert answer.status_code == 200
    assert answer.json()["sentences"] == 2
    top = client.post("/wordstats/top", params={"n": 1}, json={"text": "b a b the the the"})
    assert top.json() == [{"word": "b", "count": 2}]


def test_samples_and_errors() -> None:
    client = _client()
    assert client.get("/wordstats/samples").json() == ["fox", "garden"]
    assert client.get("/wordstats/samples/fox").json()["words"] > 10
    assert client.get("/wordstats/samples/nope").status_code == 404
    assert client.post("/wordstats/top", params={"n": 0}, json={"text": "x"}).status_code == 422
    assert client.post("/wordstats/stats", json={}).status_code == 422
