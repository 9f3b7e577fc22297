"""Issue 17 items 1-3 on the workspace: answers per group, Q&A publishing, "already answered" links."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("httpx", reason="httpx (dev extra) is needed by the test client")
from fastapi.testclient import TestClient  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from petition_nlp.web.app import create_app  # noqa: E402

SURVEY_A = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty A,Đề nghị tỉnh đẩy nhanh tiến độ xây dựng dự án nhà ở xã hội tại KCN Yên Phong cho công nhân.\n"
    "2,CĐCS Công ty B,Dự án nhà ở xã hội KCN Yên Phong xây dựng chậm tiến độ, đề nghị tỉnh đôn đốc hoàn thành sớm.\n"
    "3,CĐCS Công ty C,Công ty nợ đóng bảo hiểm xã hội nhiều tháng, công nhân nghỉ việc không chốt được sổ.\n"
)
SURVEY_B = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty X,Nhà ở xã hội gần KCN Yên Phong khởi công lâu rồi mà chưa xây xong, bao giờ mới hoàn thành dự án?\n"
    "2,CĐCS Công ty Y,Thủ tục hồ sơ mua nhà ở xã hội rườm rà, phải xin nhiều giấy xác nhận thu nhập, đề nghị đơn giản hóa.\n"
    "3,CĐCS Công ty Z,Đề nghị mở lớp học tiếng Hàn buổi tối cho công nhân.\n"
)


@pytest.fixture(scope="module")
def answered(default_model, tmp_path_factory):
    data = tmp_path_factory.mktemp("ws17")
    with TestClient(create_app(data, model=default_model)) as client:
        a = client.post("/api/surveys", files={"file": ("dot-2025.csv", SURVEY_A.encode())}).json()
        rows = client.get(f"/api/surveys/{a['id']}/petitions").json()
        housing = rows[0]
        assert housing["category"] == "housing"
        yield client, data, a["id"], housing


def test_groups_api_and_answer(answered):
    client, _, sid, housing = answered
    groups = client.get(f"/api/surveys/{sid}/groups").json()
    assert {"group_id", "category", "representative_id", "member_ids", "answer"} <= set(groups[0])
    gid = housing["group_id"]
    body = {"agency": "Sở Xây dựng", "answer": "Dự án hoàn thành trong quý II năm 2026.", "answered_on": "2025-12-15", "status": "answered"}
    r = client.put(f"/api/groups/{gid}/answer", json=body)
    assert r.status_code == 200 and r.json() == body
    assert next(g for g in client.get(f"/api/surveys/{sid}/groups").json() if g["group_id"] == gid)["answer"] == body
    assert client.put(f"/api/groups/{gid}/answer", json={**body, "status": "lost"}).status_code == 400
    assert client.put(f"/api/groups/{gid}/answer", json={**body, "answered_on": "15/12/2025"}).status_code == 400
    assert client.put("/api/groups/99999/answer", json=body).status_code == 404
    assert "Sở Xây dựng" in client.get("/api/agencies").json()
    assert "Sở Nội vụ" in client.post("/api/agencies", json={"name": "Sở Nội vụ"}).json()


def test_qa_exports_have_no_internal_data(answered):
    client, data, sid, housing = answered
    page = client.get(f"/api/surveys/{sid}/qa.html")
    assert page.status_code == 200
    text = page.text
    assert "Sở Xây dựng" in text and "quý II năm 2026" in text and "15/12/2025" in text and "Nhà ở" in text
    assert "2 đơn vị nêu" in text
    for internal in ("confidence", "Độ tin cậy", "needs_review", "officer", "group_id"):
        assert internal not in text
    assert "nợ đóng" not in text  # unanswered issues are not published
    book = load_workbook(io.BytesIO(client.get(f"/api/surveys/{sid}/qa.xlsx").content), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Chủ đề", "Câu hỏi") and len(rows) == 2 and rows[1][4] == "Sở Xây dựng"


def test_already_answered_links_new_survey_not_neighbours(answered):
    client, _, sid, housing = answered
    b = client.post("/api/surveys", files={"file": ("dot-2026.csv", SURVEY_B.encode())}).json()
    rows = client.get(f"/api/surveys/{b['id']}/petitions").json()
    same, neighbour, other = rows
    assert same["answered_in"] is not None
    assert same["answered_in"]["survey_id"] == sid and same["answered_in"]["group_id"] == housing["group_id"]
    assert same["answered_in"]["agency"] == "Sở Xây dựng" and same["answered_in"]["answered_on"] == "2025-12-15"
    assert neighbour["answered_in"] is None  # purchase procedures != construction progress
    assert other["answered_in"] is None
    page = client.get(f"/surveys/{b['id']}")
    assert "Đã được trả lời tại hội nghị" in page.text


def test_cli_qa(answered, tmp_path):
    client, data, sid, _ = answered
    out = tmp_path / "qa.html"
    r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(data), "-o", str(out), "--survey", str(sid)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Sở Xây dựng" in out.read_text(encoding="utf-8") and "wrote 1 answered questions" in r.stderr
    r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(tmp_path), "-o", str(tmp_path / "x.html")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
    xlsx = tmp_path / "qa.xlsx"
    r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(data), "-o", str(xlsx), "--survey", str(sid)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and load_workbook(xlsx).active.max_row == 2
