"""The REST API: cases, runs, evidence, update, ACH, forecasts, briefs, health."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import CASE, Site

API = "/api/v1"


def test_health_answers_everyone(client: TestClient) -> None:
    answer = client.get(f"{API}/health")
    assert answer.status_code == 200 and answer.json()["status"] == "ok"


def test_cases_and_one_case(site: Site, client: TestClient) -> None:
    headers = site.bearer("vic")
    names = [c["id"] for c in client.get(f"{API}/cases", headers=headers).json()]
    assert CASE in names
    case = client.get(f"{API}/cases/{CASE}", headers=headers).json()
    assert [s["id"] for s in case["scenarios"]] == ["quick_kursk", "protracted", "russia_defeat"]
    assert case["months"][0] == "2024-11"
    quantity = case["file"]["quantities"]["troops_initial"]
    assert quantity["source"]  # quantities come with their sources


def test_a_run_answers_the_json_of_yubi_run(site: Site, client: TestClient) -> None:
    body = {"samples": 2000, "seed": 5}
    first = client.post(f"{API}/cases/{CASE}/runs", json=body, headers=site.bearer("ana"))
    again = client.post(f"{API}/cases/{CASE}/runs", json=body, headers=site.bearer("ana"))
    assert first.status_code == 200 and first.headers["content-type"] == "application/json"
    assert first.content == again.content  # same case, seed, samples: same bytes
    document = json.loads(first.content)
    assert document["case"] == CASE and document["samples"] == 2000 and document["seed"] == 5


def test_evidence_moves_the_update(site: Site, client: TestClient) -> None:
    reader, writer = site.bearer("vic"), site.bearer("ana")
    before = client.get(f"{API}/cases/{CASE}/update", headers=reader).json()["final"]
    item = {"case": CASE, "id": "api-kursk", "date": "2025-03-10", "source": "Test wire",
            "text": "Kursk salient retaken", "reliability": "B", "credibility": 2,
            "likelihood": {"quick_kursk": 0.9, "protracted": 0.3, "russia_defeat": 0.1}}
    added = client.post(f"{API}/evidence", json=item, headers=writer)
    assert added.status_code == 201, added.text
    assert added.json()["state"] == "added"
    again = client.post(f"{API}/evidence", json=item, headers=writer)
    assert again.json()["state"] == "unchanged"
    listed = client.get(f"{API}/evidence", params={"case": CASE}, headers=reader).json()
    assert [(i["item_id"], i["recorded_by"]) for i in listed] == [("api-kursk", "ana")]
    after = client.get(f"{API}/cases/{CASE}/update", headers=reader).json()["final"]
    assert after["quick_kursk"] > before["quick_kursk"]
    ach = client.get(f"{API}/cases/{CASE}/ach", headers=reader).json()
    assert ach["hypotheses"] == list(before) and ach["evidence"][0]["id"] == "api-kursk"
    known_before = client.get(f"{API}/evidence", params={"case": CASE, "as_of": "2024-12-01"},
                              headers=reader).json()
    assert known_before == []


def test_a_bad_evidence_item_is_a_422_naming_the_column(site: Site, client: TestClient) -> None:
    item = {"case": CASE, "date": "2025-03-10", "source": "Test wire", "text": "x",
            "reliability": "Z", "credibility": 9, "indicator": "nk_in_combat"}
    answer = client.post(f"{API}/evidence", json=item, headers=site.bearer("ana"))
    assert answer.status_code == 422
    locs = {tuple(p["loc"]) for p in answer.json()["detail"]}
    assert {("body", "reliability"), ("body", "credibility")} <= locs


def test_forecasts(site: Site, client: TestClient) -> None:
    body = {"case": CASE, "question": "api-ceasefire-2025", "probability": 0.3,
            "text": "Ceasefire signed in 2025?", "close_on": "2025-12-31"}
    answer = client.post(f"{API}/forecasts", json=body, headers=site.bearer("ana"))
    assert answer.status_code == 201, answer.text
    listed = client.get(f"{API}/forecasts", params={"case": CASE},
                        headers=site.bearer("vic")).json()
    [question] = [q for q in listed if q["question"] == "api-ceasefire-2025"]
    assert question["probabilities"]["ana"] == 0.3  # recorded under the user's own name
    unknown = client.post(f"{API}/forecasts", json={"case": CASE, "question": "nope",
                                                    "probability": 0.5},
                          headers=site.bearer("ana"))
    assert unknown.status_code == 422
    no_close = client.post(f"{API}/forecasts", json={**body, "close_on": None},
                           headers=site.bearer("ana"))
    assert no_close.status_code == 422
    assert no_close.json()["detail"][0]["loc"] == ["body", "close_on"]


def test_the_openapi_document(site: Site, client: TestClient) -> None:
    document = client.get(f"{API}/openapi.json", headers=site.bearer("vic")).json()
    paths = set(document["paths"])
    assert {f"{API}/cases", f"{API}/cases/{{case}}/runs", f"{API}/evidence", f"{API}/forecasts",
            f"{API}/cases/{{case}}/briefs", f"{API}/briefs/{{job_id}}", f"{API}/health"} <= paths
    assert not any(p.startswith("/login") for p in paths)
    assert client.get("/docs").status_code == 404  # no UI that would load scripts from a CDN


@pytest.mark.slow
def test_a_brief_is_made_in_the_background(site: Site, client: TestClient) -> None:
    site.app.state.settings = site.app.state.settings.__class__(
        **{**site.app.state.settings.__dict__, "brief_samples": 2000,
           "brief_sobol_samples": 0, "brief_tornado_samples": 0})
    started = client.post(f"{API}/cases/{CASE}/briefs", json={"language": "ko"},
                          headers=site.bearer("ana"))
    assert started.status_code == 202, started.text
    job = started.json()
    assert started.headers["location"] == f"{API}/briefs/{job['id']}"
    assert job["status"] in ("queued", "running")
    early = client.get(f"{API}/briefs/{job['id']}/download", headers=site.bearer("vic"))
    assert early.status_code in (200, 409)
    deadline = time.monotonic() + 240
    while job["status"] in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = client.get(f"{API}/briefs/{job['id']}", headers=site.bearer("vic")).json()
    assert job["status"] == "done", job
    answer = client.get(job["downloads"]["html"], headers=site.bearer("vic"))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert "attachment" in answer.headers["content-disposition"]
    assert '<html lang="ko"' in answer.text
    assert client.get(f"{API}/briefs/{'f' * 32}", headers=site.bearer("vic")).status_code == 404


def test_a_case_named_in_the_query_or_body_is_a_422_when_unknown(site: Site,
                                                                 client: TestClient) -> None:
    reader, writer = site.bearer("vic"), site.bearer("ana")
    answer = client.get(f"{API}/evidence", params={"case": "nope"}, headers=reader)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "case"]
    answer = client.post(f"{API}/forecasts", json={"case": "nope", "question": "q",
                                                   "probability": 0.5}, headers=writer)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["body", "case"]
    answer = client.get(f"{API}/cases/{CASE}/update", params={"as_of": "2025-13-40"},
                        headers=reader)
    assert answer.status_code == 422 and answer.json()["detail"][0]["loc"] == ["query", "as_of"]
    assert client.get(f"{API}/cases/nope/update", headers=reader).status_code == 404
