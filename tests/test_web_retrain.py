"""Issue 17 item 5: the store as training data — `train --store`, the "Huấn luyện lại" page
(background job, comparison on the test splits, promotion under the --promote rule, rollback)
and the petitions most worth confirming next."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("httpx", reason="httpx (dev extra) is needed by the test client")
from fastapi.testclient import TestClient  # noqa: E402

from conftest import SAMPLE_XLSX, run_cli  # noqa: E402
from petition_nlp.web.app import create_app  # noqa: E402

PAY = "Công ty chậm trả lương hai tháng liền, công nhân không có tiền gửi về quê"


@pytest.fixture(scope="module")
def workspace(default_model, tmp_path_factory, small_training):
    root = tmp_path_factory.mktemp("retrain")
    data = root / "ws"
    base = root / "base.csv"
    small_training[["text", "label"]].to_csv(base, index=False)
    pd.DataFrame({"text": [PAY], "label": ["other"]}).to_csv(root / "base-pay.csv", index=False)
    test = root / "test.csv"
    small_training.groupby("label").head(6)[["text", "label"]].to_csv(test, index=False)
    app = create_app(data, model=default_model).app  # the FastAPI app inside the body-limit wrapper
    with TestClient(app) as client:
        survey = client.post("/api/surveys", files={"file": ("sample.xlsx", SAMPLE_XLSX.read_bytes())}).json()
        csv = pd.DataFrame({"STT": [1, 2], "Nội dung kiến nghị": [PAY, "Đề nghị tăng lương tối thiểu vùng cho công nhân"]}).to_csv(index=False)
        pay = client.post("/api/surveys", files={"file": ("pay.csv", csv.encode())}).json()
        yield {"client": client, "app": app, "data": data, "root": root, "base": base, "test": test, "survey": survey["id"], "pay": pay["id"]}


def _csrf(client):
    """Echo the CSRF cookie (as the pages' JavaScript does) once a page has set it."""
    if client.cookies.get("pnlp_csrf"):
        client.headers["X-CSRF-Token"] = client.cookies.get("pnlp_csrf")


def _confirm(client, survey_id, n, **change):
    rows = client.get(f"/api/surveys/{survey_id}/petitions?limit={n}").json()
    return client.post("/api/petitions/bulk", json={"ids": [r["id"] for r in rows], **change}).json()


def test_suggest_on_a_survey_in_the_store(workspace):
    client, sid = workspace["client"], workspace["survey"]
    _confirm(client, sid, 3, reviewed=True)
    picked = client.get(f"/api/surveys/{sid}/suggest?n=5").json()
    assert len(picked) == 5 and all(not p["reviewed"] for p in picked)
    assert all({"id", "text", "suggested_category", "uncertainty"} <= set(p) for p in picked)
    assert [p["uncertainty"] for p in picked] == sorted((p["uncertainty"] for p in picked), reverse=True)
    page = client.get(f"/surveys/{sid}?sort=suggest").text
    first = page.index(picked[0]["text"][:40])
    assert all(first <= page.index(p["text"][:40]) for p in picked[1:])  # the review page shows them first
    assert client.get(f"/api/surveys/{sid}/suggest?n=0").status_code == 400
    unknown = client.get(f"/api/surveys/{sid}/suggest?category=bogus")
    assert unknown.status_code == 400 and "unknown category 'bogus'" in unknown.json()["error"]
    assert "column" not in unknown.json()["error"]  # said in the workspace's words, not the CLI's


def test_train_store_cli_corrections_outweigh_and_report_both_splits(workspace, tmp_path):
    client, pay = workspace["client"], workspace["pay"]
    _csrf(client)
    row = client.get(f"/api/surveys/{pay}/petitions").json()[0]
    assert client.patch(f"/api/petitions/{row['id']}", json={"category": "housing"}).status_code == 200  # an officer's correction
    out = tmp_path / "cand"
    result = run_cli("train", workspace["base"], workspace["root"] / "base-pay.csv", "--only", "--store", workspace["data"], "--output", out)
    assert result.exit_code == 0, result.output
    assert "officer-confirmed labels" in result.stderr
    assert "1 training rows contradicted by an officer's correction left out" in result.stderr
    assert "test.csv" in result.stdout and "test_genres.csv" in result.stdout and "current model" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {"test.csv", "test_genres.csv"} <= set(manifest["metrics"]["test"])
    bad = run_cli("train", "--store", tmp_path / "nowhere", "--only", "--output", tmp_path / "x")
    assert bad.exit_code == 2 and "no workspace here" in bad.stderr


def test_retrain_page_background_promote_rule_and_rollback(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("PETITION_NLP_MODELS", str(tmp_path / "models"))
    client, app = workspace["client"], workspace["app"]
    app.state.retrain_options = {
        "files": [workspace["base"]], "only": True, "test_files": [workspace["test"]],
        "promote_rule": {"min_examples": 2, "min_f1": 0.0},
    }
    assert "Huấn luyện lại" in client.get("/retrain").text
    _csrf(client)
    # an officer of another survey gives the same text another topic: left out, and the page says so
    csv = pd.DataFrame({"STT": [1], "Nội dung kiến nghị": [PAY]}).to_csv(index=False)
    again = client.post("/api/surveys", files={"file": ("pay-2026.csv", csv.encode())}).json()["id"]
    row = client.get(f"/api/surveys/{again}/petitions").json()[0]
    assert client.patch(f"/api/petitions/{row['id']}", json={"category": "social_insurance"}).status_code == 200
    assert client.post("/api/retrain").status_code == 200
    assert client.post("/api/retrain").status_code in (200, 409)  # a second start while running is refused
    deadline = time.time() + 240
    while (job := client.get("/api/retrain").json())["state"] == "running" and time.time() < deadline:
        time.sleep(1)
    assert job["state"] == "done", job
    assert job["step"] == job["steps"] and job["comparison"][0]["test_file"] == "test.csv"
    assert job["comparison"][0]["current_macro_f1"] is not None and job["labels_in_store"] >= 4
    assert job["conflicting_texts"] == 1 and job["conflicts"][0]["labels"] == ["housing", "social_insurance"]
    assert job["conflicts"][0]["text"] == PAY
    page = client.get("/retrain").text
    assert "Mô hình mới so với mô hình hiện tại" in page and "test.csv" in page
    assert 'id="conflicts"' in page and "1 nội dung bị bỏ ra" in page and PAY[:60] in page
    result = client.post("/api/retrain/promote").json()
    cand, cur = result["candidate_macro_f1"], result["default_macro_f1"]
    assert result["promoted"] == (cur is None or cand >= cur - 0.01)  # the --promote rule, nothing else
    if result["promoted"]:
        assert (tmp_path / "models" / "default").exists()
        assert client.post("/api/retrain/rollback").status_code == 200
    # the per-code rule: with the default minimums the small candidate's codes are too few
    app.state.retrain_options["promote_rule"] = {"min_examples": 1000}
    refused = client.post("/api/retrain/promote").json()
    assert refused["promoted"] is False and "more needed (minimum 1000)" in refused["reason"]
