"""Issue 17 items 1-3 on the workspace: answers per group, Q&A publishing, "already answered" links."""

from __future__ import annotations

import io
import subprocess
import sys
import threading

import pandas as pd
import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("httpx", reason="httpx (dev extra) is needed by the test client")
from fastapi.testclient import TestClient  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from petition_nlp.store import Store  # noqa: E402
from petition_nlp.store import workspace as ws  # noqa: E402
from petition_nlp.web.app import create_app  # noqa: E402

# a text holding a comma is quoted, so the whole sentence is the petition (not its first clause)
SURVEY_A = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty A,Đề nghị tỉnh đẩy nhanh tiến độ xây dựng dự án nhà ở xã hội tại KCN Yên Phong cho công nhân.\n"
    "2,CĐCS Công ty B,\"Dự án nhà ở xã hội KCN Yên Phong xây dựng chậm tiến độ, đề nghị tỉnh đôn đốc hoàn thành sớm.\"\n"
    "3,CĐCS Công ty C,\"Công ty nợ đóng bảo hiểm xã hội nhiều tháng, công nhân nghỉ việc không chốt được sổ.\"\n"
)
SURVEY_B = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty X,\"Nhà ở xã hội gần KCN Yên Phong khởi công lâu rồi mà chưa xây xong, bao giờ mới hoàn thành dự án?\"\n"
    "2,CĐCS Công ty Y,\"Thủ tục hồ sơ mua nhà ở xã hội rườm rà, phải xin nhiều giấy xác nhận thu nhập, đề nghị đơn giản hóa.\"\n"
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
    assert not _relinker(client).alive  # the app's shutdown stopped the relink thread


def _relinker(client):
    return client.app.app.state.relinker  # create_app wraps the FastAPI app in the body-size limit


def test_groups_api_and_answer(answered):
    client, _, sid, housing = answered
    groups = client.get(f"/api/surveys/{sid}/groups").json()
    assert {"group_id", "category", "representative_id", "member_ids", "answer"} <= set(groups[0])
    gid = housing["group_id"]
    body = {"agency": "Sở Xây dựng", "answer": "Dự án hoàn thành trong quý II năm 2026.", "answered_on": "2025-12-15", "status": "answered"}
    r = client.put(f"/api/groups/{gid}/answer", json=body)
    assert r.status_code == 200 and r.json() == {**body, "version": 1}
    assert next(g for g in client.get(f"/api/surveys/{sid}/groups").json() if g["group_id"] == gid)["answer"] == {**body, "version": 1}
    # two tabs: the second save made from version 1 after the first one is refused, not overwritten
    first = client.put(f"/api/groups/{gid}/answer", json={**body, "answer": "Tab A.", "version": 1})
    stale = client.put(f"/api/groups/{gid}/answer", json={**body, "answer": "Tab B.", "version": 1})
    assert first.status_code == 200 and first.json()["version"] == 2
    assert stale.status_code == 409 and "reload the page" in stale.json()["error"]
    assert next(g for g in client.get(f"/api/surveys/{sid}/groups").json() if g["group_id"] == gid)["answer"]["answer"] == "Tab A."
    client.put(f"/api/groups/{gid}/answer", json=body)  # without a version (an API client): saved as before
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
    for content in (b"", b"not a database at all"):  # an empty or foreign file is refused, never written to
        broken = tmp_path / f"broken{len(content)}"
        broken.mkdir()
        (broken / "workspace.sqlite3").write_bytes(content)
        r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(broken), "-o", str(tmp_path / "y.html")],
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 2 and "not a workspace database" in r.stderr and "Traceback" not in r.stderr
        assert (broken / "workspace.sqlite3").read_bytes() == content and not (broken / "originals").exists()
    xlsx = tmp_path / "qa.xlsx"
    r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(data), "-o", str(xlsx), "--survey", str(sid)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and load_workbook(xlsx).active.max_row == 2


def _survey_named(client, name):
    return next(s["id"] for s in client.get("/api/surveys").json() if s["name"] == name)


def test_shortlist_marks_or_leaves_out_answered_issues(answered):
    client, _, sid, housing = answered
    if not any(s["name"] == "dot-2026.csv" for s in client.get("/api/surveys").json()):
        client.post("/api/surveys", files={"file": ("dot-2026.csv", SURVEY_B.encode())})
    b = _survey_named(client, "dot-2026.csv")
    same = client.get(f"/api/surveys/{b}/petitions").json()[0]
    marked = client.get(f"/api/surveys/{b}/shortlist?n=5").json()  # default: marked, kept
    assert all("answered_in" in row for row in marked)
    row = next(r for r in marked if same["id"] in r["member_ids"])
    assert row["answered_in"]["group_id"] == housing["group_id"] and row["answered_in"]["agency"] == "Sở Xây dựng"
    assert sum(r["answered_in"] is not None for r in marked) == 1
    left_out = client.get(f"/api/surveys/{b}/shortlist?n=5&answered=exclude").json()
    assert same["id"] not in {m for r in left_out for m in r["member_ids"]}
    assert len(left_out) == len(marked) - 1 and all(r["answered_in"] is None for r in left_out)
    assert client.get(f"/api/surveys/{b}/shortlist?answered=maybe").status_code == 400
    # the setting is saved per survey; the groups page and the exports follow it
    csrf = {"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""}  # the pages' JavaScript echoes the cookie
    saved = client.put(f"/api/surveys/{b}/settings", json={"answered": "exclude"}, headers=csrf)
    assert saved.status_code == 200 and saved.json()["answered"] == "exclude", saved.text
    assert len(client.get(f"/api/surveys/{b}/shortlist?n=5").json()) == len(left_out)
    page = client.get(f"/surveys/{b}/groups").text
    assert 'value="exclude" selected' in page and "đã loại khỏi danh sách" in page
    assert client.put(f"/api/surveys/{b}/settings", json={"answered": "mark"}, headers=csrf).status_code == 200
    page = client.get(f"/surveys/{b}/groups").text
    assert "Đã được trả lời tại hội nghị ngày 15/12/2025" in page
    book = load_workbook(io.BytesIO(client.get(f"/api/surveys/{b}/shortlist.xlsx?n=5").content), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    col = rows[0].index("Đã được trả lời")
    assert sum(bool(r[col]) for r in rows[1:]) == 1
    assert any(r[col] and "15/12/2025" in r[col] and "Sở Xây dựng" in r[col] for r in rows[1:])
    book = load_workbook(io.BytesIO(client.get(f"/api/surveys/{b}/shortlist.xlsx?n=5&answered=exclude").content), read_only=True)
    assert len(list(book.worksheets[0].iter_rows(values_only=True))) == len(rows) - 1
    assert "Đã được trả lời tại hội nghị ngày 15/12/2025" in client.get(f"/api/surveys/{b}/report.html?n=5").text
    assert "Đã được trả lời tại hội nghị" not in client.get(f"/api/surveys/{b}/report.html?n=5&answered=exclude").text


SURVEY_C = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty K,Đề nghị tổ chức lớp dạy tiếng Hàn miễn phí buổi tối cho công nhân muốn đi làm việc ở Hàn Quốc.\n"
    "2,CĐCS Công ty L,\"Công nhân mong được mở lớp học tiếng Hàn ngoài giờ làm, không mất học phí.\"\n"
)
SURVEY_D = (
    "STT,Đơn vị,Nội dung kiến nghị\n"
    "1,CĐCS Công ty M,Xin tổ chức lớp học tiếng Hàn buổi tối không thu học phí cho công nhân có nhu cầu đi làm việc ở Hàn Quốc.\n"
    "2,CĐCS Công ty N,Đề nghị kiểm tra chất lượng bữa ăn ca của công nhân.\n"
)


def test_answer_recorded_later_relinks_surveys_uploaded_before(answered):
    client = answered[0]
    csrf = {"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""}
    c = client.post("/api/surveys", files={"file": ("lop-tieng-han-2025.csv", SURVEY_C.encode())}, headers=csrf).json()["id"]
    d = client.post("/api/surveys", files={"file": ("lop-tieng-han-2026.csv", SURVEY_D.encode())}, headers=csrf).json()["id"]
    korean = client.get(f"/api/surveys/{d}/petitions").json()[0]
    assert korean["answered_in"] is None  # nothing answered yet
    gid = client.get(f"/api/surveys/{c}/petitions").json()[0]["group_id"]
    body = {"agency": "Sở Lao động – Thương binh và Xã hội", "answer": "Sở phối hợp mở 3 lớp tiếng Hàn miễn phí.", "answered_on": "2025-11-20", "status": "answered"}
    assert client.put(f"/api/groups/{gid}/answer", json=body, headers=csrf).status_code == 200
    assert _relinker(client).wait(60)  # the later surveys are relinked in the background (real link_answered)
    assert client.get("/api/relink").json() == {"relinking": False, "pending_surveys": [], "error": None}
    rows = client.get(f"/api/surveys/{d}/petitions").json()
    assert rows[0]["answered_in"] is not None and rows[0]["answered_in"]["group_id"] == gid
    assert rows[1]["answered_in"] is None
    # withdrawn: the link goes too
    assert client.put(f"/api/groups/{gid}/answer", json={**body, "status": "unanswered", "answer": ""}, headers=csrf).status_code == 200
    assert _relinker(client).wait(60)
    assert client.get(f"/api/surveys/{d}/petitions").json()[0]["answered_in"] is None


# ----------------------------------------------------------------------------- the relink runs in the background
def _filled(store, name: str, texts: list[str]) -> int:
    """A ready survey put straight into the store (no model): every petition in one housing group."""
    sid = store.create_survey(name, store.keep_original(b"x", name))
    n = len(texts)
    frame = pd.DataFrame({
        "text": texts, "unit": [f"CĐCS {k}" for k in range(n)], "category": ["housing"] * n, "confidence": [0.9] * n,
        "second_category": [""] * n, "needs_review": [False] * n, "status": ["ok"] * n, "group_id": ["housing-001"] * n,
        "issue": [""] * n,
    })
    store.fill_survey(sid, frame, text_column="text", unit_column="unit", original_columns=["text", "unit"])
    return sid


@pytest.fixture()
def three_surveys(tmp_path):
    """An app over three ready surveys (uploaded in this order); stopping it stops the relink thread."""
    app = create_app(tmp_path, model=object())
    store = app.app.state.store
    sids = [
        _filled(store, f"dot-{k}.csv", [f"Đề nghị sớm bàn giao căn hộ nhà ở xã hội khu {k} cho công nhân.", f"Nhà trọ khu {k} thiếu nước sạch."])
        for k in (1, 2, 3)
    ]
    with TestClient(app) as client:
        yield client, app.app.state.relinker, store, sids
    assert not app.app.state.relinker.alive


def _group(store, sid: int) -> int:
    return store.groups(sid)[0]["group_id"]


def _save(client, gid: int, text: str, version: int) -> dict:
    body = {"agency": "Sở Xây dựng", "answer": text, "answered_on": "2026-10-01", "status": "answered", "version": version}
    r = client.put(f"/api/groups/{gid}/answer", json=body, headers={"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""})
    assert r.status_code == 200, r.text
    return r.json()


class GatedRelink:
    """Stands in for ``relink_after``: records each call (the survey, the answers stored by then, whether
    the relink lock is held) and holds the first call until ``gate`` is set."""

    def __init__(self, relinker) -> None:
        self.relinker, self.calls = relinker, []
        self.started, self.gate, self.first_done = threading.Event(), threading.Event(), threading.Event()

    def __call__(self, store, survey_id):
        self.calls.append((survey_id, sorted(g["answer"] for g in store.answered_groups()), self.relinker.lock.locked()))
        self.started.set()
        if len(self.calls) == 1:
            self.gate.wait(10)
            self.first_done.set()
        return {}


def test_answer_save_returns_before_the_relink_of_later_surveys(three_surveys, monkeypatch):
    client, relinker, store, (s1, s2, s3) = three_surveys
    fake = GatedRelink(relinker)
    monkeypatch.setattr(ws, "relink_after", fake)
    assert _save(client, _group(store, s2), "Bàn giao trong quý I.", 0)["version"] == 1
    assert fake.started.wait(10) and not fake.first_done.is_set()  # saved while the relink is still held
    assert client.get("/api/relink").json() == {"relinking": True, "pending_surveys": [s3], "error": None}
    assert 'id="relinking"' in client.get(f"/surveys/{s3}/groups").text
    assert "Đang cập nhật liên kết…" in client.get(f"/surveys/{s3}").text
    assert 'id="relinking"' not in client.get(f"/surveys/{s2}/groups").text  # its own links do not change
    fake.gate.set()
    assert relinker.wait(10)
    assert fake.calls == [(s2, ["Bàn giao trong quý I."], True)]
    assert client.get("/api/relink").json() == {"relinking": False, "pending_surveys": [], "error": None}
    assert 'id="relinking"' not in client.get(f"/surveys/{s3}/groups").text


def test_saves_during_a_relink_make_exactly_one_more_with_the_newest_answers(three_surveys, monkeypatch):
    client, relinker, store, (s1, s2, s3) = three_surveys
    fake = GatedRelink(relinker)
    monkeypatch.setattr(ws, "relink_after", fake)
    _save(client, _group(store, s2), "Lần 1.", 0)
    assert fake.started.wait(10)
    _save(client, _group(store, s2), "Lần 2.", 1)
    _save(client, _group(store, s1), "Đợt 1 đã trả lời.", 0)
    _save(client, _group(store, s2), "Lần 3.", 2)
    state = client.get("/api/relink").json()
    assert state["relinking"] and state["pending_surveys"] == [s2, s3]
    fake.gate.set()
    assert relinker.wait(10)
    # one more relink, after the earliest survey asked (its later surveys cover the others'), with the newest answers
    assert fake.calls == [(s2, ["Lần 1."], True), (s1, sorted(["Lần 3.", "Đợt 1 đã trả lời."]), True)]
    assert relinker.runs == 2


def test_a_failing_relink_is_reported_and_the_worker_goes_on(three_surveys, monkeypatch):
    client, relinker, store, (s1, s2, s3) = three_surveys
    calls = []

    def flaky(store, survey_id):
        calls.append(survey_id)
        if len(calls) == 1:
            raise RuntimeError("disk I/O error\nsecond line")
        return {}

    monkeypatch.setattr(ws, "relink_after", flaky)
    _save(client, _group(store, s2), "Bàn giao trong quý I.", 0)
    assert relinker.wait(10)
    assert client.get("/api/relink").json() == {
        "relinking": False, "pending_surveys": [], "error": f"links after survey {s2} not updated: RuntimeError: disk I/O error",
    }
    assert relinker.alive
    _save(client, _group(store, s2), "Bàn giao trong quý II.", 1)
    assert relinker.wait(10)
    assert calls == [s2, s2] and client.get("/api/relink").json()["error"] is None


# ----------------------------------------------------------------------------- "không phải vấn đề này": dismissed links
HANDOVER_A = ["Đề nghị sớm bàn giao căn hộ nhà ở xã hội cho công nhân khu Yên Phong.",
              "Dự án nhà ở xã hội cho công nhân chậm bàn giao căn hộ, đề nghị đẩy nhanh."]
HANDOVER_B = ["Căn hộ nhà ở xã hội đã xây xong nhưng chưa bàn giao cho công nhân.",
              "Công nhân đã nộp tiền mua nhà ở xã hội nhưng chưa được bàn giao căn hộ."]


def _grouped_survey(store, name: str, groups: list[list[str]]) -> int:
    """A ready survey put straight into the store: each list of texts one housing group."""
    sid = store.create_survey(name, store.keep_original(b"x", name))
    texts = [t for g in groups for t in g]
    n = len(texts)
    frame = pd.DataFrame({
        "text": texts, "unit": [f"CĐCS {k}" for k in range(n)], "category": ["housing"] * n, "confidence": [0.9] * n,
        "second_category": [""] * n, "needs_review": [False] * n, "status": ["ok"] * n,
        "group_id": [f"housing-{k + 1:03d}" for k, g in enumerate(groups) for _ in g], "issue": [""] * n,
    })
    store.fill_survey(sid, frame, text_column="text", unit_column="unit", original_columns=["text", "unit"])
    return sid


@pytest.fixture()
def handover(tmp_path):
    """Last year: two answered handover issues (A, B) and a third, unanswered; this year: a petition
    close to both A and B (A the more probable), and another issue."""
    store = Store(tmp_path)
    first = _grouped_survey(store, "2025.csv", [HANDOVER_A, HANDOVER_B, ["Nhà trọ thiếu nước sạch, đề nghị kiểm tra."]])
    a, b, spare = (g["group_id"] for g in sorted(store.groups(first), key=lambda g: g["group_id"]))
    for gid in (a, b):
        ws.record_answer(store, gid, agency="Sở Xây dựng", answer=f"Trả lời nhóm {gid}.", answered_on="2025-12-15", status="answered")
    later = _grouped_survey(store, "2026.csv", [["Bao giờ bàn giao căn hộ nhà ở xã hội cho công nhân?"], ["Đề nghị mở lớp học tiếng Hàn."]])
    ws.link_answered(store, later)
    pid = store.petitions(later)[0][0]["id"]
    assert store.petition(pid)["answered_in"]["group_id"] == a  # the most probable group, B close behind
    return store, first, later, pid, a, b, spare


def test_a_dismissed_link_is_not_made_again_by_link_passes_and_relinks(handover):
    store, first, later, pid, a, b, spare = handover
    out = ws.dismiss_answered(store, pid, officer="Lan")
    assert out["answered_in"] is None and out["dismissed"]["group_id"] == a
    assert store.petition(pid)["answered_in"] is None
    ws.link_answered(store, later)  # the next pass: the best group not dismissed, B, above the threshold
    assert store.petition(pid)["answered_in"]["group_id"] == b
    ws.dismiss_answered(store, pid)
    ws.link_answered(store, later)
    assert store.petition(pid)["answered_in"] is None  # no group left for it
    # saving another answer of last year relinks this year's survey: still not linked to A or B
    ws.record_answer(store, spare, agency="Sở Y tế", answer="Đã kiểm tra nước sạch.", answered_on="2025-12-16", status="answered")
    assert store.petition(pid)["answered_in"] is None
    ws.record_answer(store, a, agency="Sở Xây dựng", answer="Bàn giao trong quý II.", answered_on="2025-12-17", status="answered")
    assert store.petition(pid)["answered_in"] is None
    assert {d["group_id"] for d in store.dismissed_links(later)} == {a, b}


def test_an_undone_dismissal_lets_the_pair_be_linked_again(handover):
    store, first, later, pid, a, b, spare = handover
    ws.dismiss_answered(store, pid)
    ws.link_answered(store, later)
    assert store.petition(pid)["answered_in"]["group_id"] == b
    assert ws.restore_answered(store, pid, a)["answered_in"]["group_id"] == a  # put back at once: A is more probable than B
    ws.link_answered(store, later)
    assert store.petition(pid)["answered_in"]["group_id"] == a and store.dismissed_links(later) == []


def test_dismiss_api_and_page(handover, tmp_path):
    store, first, later, pid, a, b, spare = handover
    with TestClient(create_app(tmp_path, model=object())) as client:
        page = client.get(f"/surveys/{later}").text
        assert "Không phải vấn đề này" in page and "Hoàn tác" not in page
        csrf = {"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""}
        assert client.delete(f"/api/petitions/{pid}/answered").status_code == 403  # a browser request echoes the CSRF token
        r = client.delete(f"/api/petitions/{pid}/answered?officer=Lan", headers=csrf)
        assert r.status_code == 200 and r.json()["answered_in"] is None and r.json()["dismissed"]["group_id"] == a, r.text
        assert r.json()["dismissed"]["officer"] == "Lan"  # a script says who dismissed it (a DELETE has no body)
        assert client.get(f"/api/surveys/{later}/petitions").json()[0]["answered_in"] is None
        again = client.delete(f"/api/petitions/{pid}/answered", headers=csrf)
        assert again.status_code == 409 and "nothing to dismiss" in again.json()["error"] and "\n" not in again.json()["error"]
        assert client.delete("/api/petitions/99999/answered", headers=csrf).status_code == 404
        listed = client.get(f"/api/surveys/{later}/dismissed-links").json()
        assert [(d["petition_id"], d["group_id"], d["agency"]) for d in listed] == [(pid, a, "Sở Xây dựng")]
        assert client.get("/api/surveys/99999/dismissed-links").status_code == 404
        assert "Hoàn tác" in client.get(f"/surveys/{later}").text
        # a relink after an answer is saved (in the background) keeps it off A
        body = {"agency": "Sở Xây dựng", "answer": "Bàn giao trong quý II.", "answered_on": "2025-12-17", "status": "answered"}
        assert client.put(f"/api/groups/{a}/answer", json=body, headers=csrf).status_code == 200
        assert _relinker(client).wait(60)
        assert (client.get(f"/api/petitions/{pid}").json()["answered_in"] or {}).get("group_id") != a
        bad = client.post(f"/api/petitions/{pid}/answered/restore", json={"group_id": spare}, headers=csrf)
        assert bad.status_code == 409 and "no dismissed link" in bad.json()["error"]
        assert client.post(f"/api/petitions/{pid}/answered/restore", json={"colour": 1}, headers=csrf).status_code == 400
        assert client.post("/api/petitions/99999/answered/restore", json={}, headers=csrf).status_code == 404
        back = client.post(f"/api/petitions/{pid}/answered/restore", json={"group_id": a}, headers=csrf)
        assert back.status_code == 200 and back.json()["answered_in"]["group_id"] == a
        assert client.get(f"/api/surveys/{later}/dismissed-links").json() == []


# ----------------------------------------------------------------------------- links kept fresh (T6 defects 2, 3)
def _survey_of(store, name: str, groups: list[tuple[str, list[str]]]) -> int:
    """A ready survey put straight into the store: each (topic, texts) one group."""
    sid = store.create_survey(name, store.keep_original(b"x", name))
    texts = [t for _, g in groups for t in g]
    n = len(texts)
    frame = pd.DataFrame({
        "text": texts, "unit": [f"CĐCS {k}" for k in range(n)], "category": [c for c, g in groups for _ in g],
        "confidence": [0.9] * n, "second_category": [""] * n, "needs_review": [False] * n, "status": ["ok"] * n,
        "group_id": [f"{c}-{k + 1:03d}" for k, (c, g) in enumerate(groups) for _ in g], "issue": [""] * n,
    })
    store.fill_survey(sid, frame, text_column="text", unit_column="unit", original_columns=["text", "unit"])
    return sid


HANDOVER_Q = "Bao giờ bàn giao căn hộ nhà ở xã hội cho công nhân?"
WAGES = ["Công ty chậm trả lương hai tháng, đề nghị can thiệp.", "Lương tháng trước trả chậm nửa tháng."]


@pytest.fixture()
def stale(tmp_path):
    """Last year's handover issue answered without relinking this year's survey (as when the server
    was killed during the relink): this year's handover question is not linked yet."""
    store = Store(tmp_path)
    first = _survey_of(store, "2025.csv", [("housing", HANDOVER_A), ("housing", ["Nhà trọ thiếu nước sạch, đề nghị kiểm tra."])])
    later = _survey_of(store, "2026.csv", [("housing", [HANDOVER_Q]), ("social_insurance", WAGES)])
    ws.link_answered(store, later)
    answered_gid = next(g["group_id"] for g in store.groups(first) if len(g["members"]) == 2)
    ws.record_answer(store, answered_gid, agency="Sở Xây dựng", answer="Bàn giao trong quý II.", answered_on="2025-12-15",
                     status="answered", relink=False)
    pid = store.petitions(later)[0][0]["id"]
    assert store.petition(pid)["answered_in"] is None  # stale
    return store, first, later, pid, answered_gid


def test_links_left_stale_are_relinked_when_the_server_starts(stale, tmp_path):
    store, first, later, pid, answered_gid = stale
    with TestClient(create_app(tmp_path, model=object())) as client:
        assert _relinker(client).wait(60)
        assert store.petition(pid)["answered_in"]["group_id"] == answered_gid
        assert client.get("/api/relink").json() == {"relinking": False, "pending_surveys": [], "error": None}


def test_nothing_answered_no_relink_at_start(tmp_path):
    store = Store(tmp_path)
    _survey_of(store, "2025.csv", [("housing", HANDOVER_A)])
    _survey_of(store, "2026.csv", [("housing", [HANDOVER_Q])])
    with TestClient(create_app(tmp_path, model=object())) as client:
        assert _relinker(client).wait(60) and _relinker(client).runs == 0 and not _relinker(client).alive


def _csrf_headers(client) -> dict:
    client.get("/")  # sets the CSRF cookie
    return {"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""}


def test_topic_changes_moves_and_merges_relink_in_the_background(stale, tmp_path):
    store, first, later, pid, answered_gid = stale
    ws.link_answered(store, later)
    assert store.petition(pid)["answered_in"]["group_id"] == answered_gid
    with TestClient(create_app(tmp_path, model=object())) as client:
        relinker = _relinker(client)
        assert relinker.wait(60)
        h = _csrf_headers(client)

        def link() -> int | None:
            assert relinker.wait(60)
            return (store.petition(pid)["answered_in"] or {}).get("group_id")

        # a topic change in this year's survey (a survey with an answered survey before it): its own links
        assert client.patch(f"/api/petitions/{pid}", json={"category": "social_insurance"}, headers=h).status_code == 200
        assert link() is None
        assert client.post("/api/petitions/bulk", json={"ids": [pid], "category": "housing"}, headers=h).status_code == 200
        assert link() == answered_gid
        runs = relinker.runs
        assert client.patch(f"/api/petitions/{pid}", json={"reviewed": True}, headers=h).status_code == 200
        assert relinker.wait(60) and relinker.runs == runs  # a confirmation changes no link
        # a merge into a group of another topic: the petition takes that topic, the link goes
        wages_gid = next(g["group_id"] for g in store.groups(later) if g["category"] == "social_insurance")
        own_gid = store.petition(pid)["group_id"]
        assert client.post(f"/api/groups/{own_gid}/merge", json={"into": wages_gid}, headers=h).status_code == 200
        assert link() is None
        # a move out of last year's answered group (the survey holds an answered group): later surveys relinked
        assert client.post(f"/api/petitions/{pid}/move", json={"group_id": wages_gid}, headers=h).status_code == 200
        assert client.patch(f"/api/petitions/{pid}", json={"category": "housing"}, headers=h).status_code == 200
        assert link() == answered_gid
        spare = next(g["group_id"] for g in store.groups(first) if g["group_id"] != answered_gid)
        member = next(g for g in store.groups(first) if g["group_id"] == answered_gid)["member_ids"][0]
        runs = relinker.runs
        assert client.post(f"/api/petitions/{member}/move", json={"group_id": spare}, headers=h).status_code == 200
        assert relinker.wait(60) and relinker.runs == runs + 1 and link() == answered_gid


def test_edits_without_any_answer_queue_no_relink(tmp_path):
    store = Store(tmp_path)
    first = _survey_of(store, "2025.csv", [("housing", HANDOVER_A)])
    later = _survey_of(store, "2026.csv", [("housing", [HANDOVER_Q]), ("social_insurance", WAGES)])
    with TestClient(create_app(tmp_path, model=object())) as client:
        h = _csrf_headers(client)
        pid = store.petitions(later)[0][0]["id"]
        assert client.patch(f"/api/petitions/{pid}", json={"category": "social_insurance"}, headers=h).status_code == 200
        assert client.patch(f"/api/petitions/{store.petitions(first)[0][0]['id']}", json={"category": "social_insurance"}, headers=h).status_code == 200
        assert _relinker(client).wait(60) and _relinker(client).runs == 0


# ----------------------------------------------------------------------------- shortlist members as in the file (T6 defects 4, 5)
def _sheets_survey(store) -> int:
    """A survey read from two sheets: rows numbered per sheet (``source_row``), one housing issue on both."""
    sid = store.create_survey("hai-kcn.xlsx", store.keep_original(b"x", "hai-kcn.xlsx"))
    texts = HANDOVER_A + [HANDOVER_Q] + WAGES
    frame = pd.DataFrame({
        "sheet": ["KCN Sóng Thần", "KCN Sóng Thần", "KCN Mỹ Phước", "KCN Mỹ Phước", "KCN Mỹ Phước"],
        "source_row": [3, 5, 2, 4, 6], "text": texts, "unit": [f"CĐCS {k}" for k in range(5)],
        "category": ["housing"] * 3 + ["social_insurance"] * 2, "confidence": [0.9] * 5, "second_category": [""] * 5,
        "needs_review": [False] * 5, "status": ["ok"] * 5, "group_id": ["housing-001"] * 3 + ["social_insurance-001"] * 2, "issue": [""] * 5,
    })
    store.fill_survey(sid, frame, text_column="text", unit_column="unit", original_columns=["sheet", "source_row", "text", "unit"])
    return sid


def test_shortlist_names_members_as_the_officer_sees_them(tmp_path):
    store = Store(tmp_path)
    multi = _sheets_survey(store)
    single = _survey_of(store, "mot-kcn.csv", [("housing", HANDOVER_A), ("social_insurance", WAGES)])
    with TestClient(create_app(tmp_path, model=object())) as client:
        rows = client.get(f"/api/surveys/{multi}/shortlist?n=5").json()
        ids = {p["text"]: p["id"] for p in store.petitions(multi)[0]}
        housing = next(r for r in rows if r["category"] == "housing")
        assert housing["member_ids"] == [ids[t] for t in HANDOVER_A + [HANDOVER_Q]]
        assert housing["member_rows"] == ["KCN Sóng Thần: 3", "KCN Sóng Thần: 5", "KCN Mỹ Phước: 2"]
        sheet = load_workbook(io.BytesIO(client.get(f"/api/surveys/{multi}/shortlist.xlsx?n=5").content)).worksheets[0]
        values = [[c.value for c in row] for row in sheet.iter_rows()]
        header = next(r for r in values if "Các kiến nghị trong nhóm" in r)
        column = header.index("Các kiến nghị trong nhóm")
        cells = {r[column] for r in values[values.index(header) + 1:]}
        assert {"KCN Sóng Thần: 3, KCN Sóng Thần: 5, KCN Mỹ Phước: 2", "KCN Mỹ Phước: 4, KCN Mỹ Phước: 6"} <= cells
        # one sheet, no id column: the rows in the order of the file (here 1, 2 / 3, 4), never the store ids
        plain = {r["category"]: r for r in client.get(f"/api/surveys/{single}/shortlist?n=5").json()}
        assert plain["housing"]["member_rows"] == ["1", "2"] and plain["social_insurance"]["member_rows"] == ["3", "4"]
        assert plain["housing"]["member_ids"] == [p["id"] for p in store.petitions(single)[0][:2]]
        assert all(i > 5 for i in plain["housing"]["member_ids"])  # the store ids differ from the rows


# ----------------------------------------------------------------------------- the automatic representative (T6 defect 16)
def test_groups_api_gives_the_automatic_representative(tmp_path):
    store = Store(tmp_path)
    sid = _survey_of(store, "2026.csv", [("housing", HANDOVER_A + [HANDOVER_Q, "nha o xa hoi cham ban giao"]), ("social_insurance", WAGES)])
    with TestClient(create_app(tmp_path, model=object())) as client:
        groups = {g["category"]: g for g in client.get(f"/api/surveys/{sid}/groups").json()}
        shortlist = {r["category"]: r for r in client.get(f"/api/surveys/{sid}/shortlist?n=5").json()}
        for code in ("housing", "social_insurance"):
            assert groups[code]["representative_chosen"] is False and groups[code]["representative_source"] == "automatic"
            assert groups[code]["representative_id"] == shortlist[code]["petition_id"]  # the question the shortlist shows
        assert groups["housing"]["representative_id"] != groups["housing"]["member_ids"][-1]  # not the text without diacritics
        chosen = groups["housing"]["member_ids"][-1]
        h = _csrf_headers(client)
        assert client.post(f"/api/groups/{groups['housing']['group_id']}/representative", json={"petition_id": chosen}, headers=h).status_code == 200
        again = {g["category"]: g for g in client.get(f"/api/surveys/{sid}/groups").json()}
        assert again["housing"]["representative_id"] == chosen and again["housing"]["representative_chosen"] is True
        assert again["housing"]["representative_source"] == "officer"
        # an answer saved on a group nobody chose a question for records the one it publishes: not an officer's choice
        gid = groups["social_insurance"]["group_id"]
        body = {"agency": "BHXH tỉnh", "answer": "Đã đôn đốc.", "answered_on": "2026-10-01", "status": "answered"}
        assert client.put(f"/api/groups/{gid}/answer", json=body, headers=h).status_code == 200
        answered = next(g for g in client.get(f"/api/surveys/{sid}/groups").json() if g["group_id"] == gid)
        assert answered["representative_chosen"] is False and answered["representative_source"] == "answer"
        assert answered["representative_id"] in answered["member_ids"]


def test_the_published_question_is_the_one_the_shortlist_shows(tmp_path):
    """No officer chose the group's question: the Q&A page publishes the petition the shortlist
    shows (the clearest member), not simply the first row — and keeps it when another moves in."""
    store = Store(tmp_path)
    group = [
        "nha o xa hoi",  # first row: short, no diacritics
        "Đề nghị tỉnh đẩy nhanh tiến độ xây dựng dự án nhà ở xã hội cho công nhân khu công nghiệp Yên Phong.",
        "Dự án nhà ở xã hội cho công nhân KCN Yên Phong chậm tiến độ, đề nghị tỉnh đôn đốc chủ đầu tư.",
    ]
    sid = _grouped_survey(store, "2025.csv", [group, ["Nhà trọ thiếu nước sạch, đề nghị kiểm tra."]])
    gid = next(g["group_id"] for g in store.groups(sid) if len(g["member_ids"]) == 3)
    shown = ws.automatic_representatives(store, sid)[gid]
    assert store.petition(shown)["text"] != group[0]
    ws.record_answer(store, gid, agency="Sở Xây dựng", answer="Quý II năm 2026.", answered_on="2025-12-15", status="answered", relink=False)
    assert ws.qa_frame(store, sid)["Câu hỏi"].tolist() == [store.petition(shown)["text"]]
    other = next(g for g in store.groups(sid) if g["group_id"] != gid)["member_ids"][0]
    store.move_petition(other, gid)
    assert ws.qa_frame(store, sid)["Câu hỏi"].tolist() == [store.petition(shown)["text"]]


def test_cli_qa_names_an_answer_left_out_because_its_group_was_emptied(tmp_path):
    store = Store(tmp_path)
    sid = _grouped_survey(store, "2025.csv", [["Nhà trọ thiếu nước sạch, đề nghị kiểm tra."], HANDOVER_A])
    emptied, kept = (g["group_id"] for g in sorted(store.groups(sid), key=lambda g: len(g["member_ids"])))
    store.set_answer(emptied, agency="Sở Xây dựng", answer="Đã kiểm tra.", answered_on="2025-12-15", status="answered")
    with store.write() as conn:  # a workspace written before emptying an answered group was refused
        conn.execute("UPDATE petitions SET group_id = ? WHERE group_id = ?", (kept, emptied))
    out = tmp_path / "qa.html"
    r = subprocess.run([sys.executable, "-m", "petition_nlp.cli", "qa", str(tmp_path), "-o", str(out)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "wrote 0 answered questions" in r.stderr
    assert "left out: the answer of group" in r.stderr and "Sở Xây dựng" in r.stderr and "merge it" in r.stderr
