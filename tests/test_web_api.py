"""The workspace's JSON API (FastAPI TestClient), security, hostile uploads, and a kill test."""

from __future__ import annotations

import io
import os
import signal
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the [web] extra is not installed")
pytest.importorskip("httpx", reason="httpx (dev extra) is needed by the test client")
from fastapi.testclient import TestClient  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from petition_nlp.web.app import create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "sample_survey.xlsx"
CSV = "STT,Đơn vị,Nội dung kiến nghị\n1,A,Đề nghị xây nhà ở xã hội cho công nhân thuê gần khu công nghiệp\n2,B,<script>alert(1)</script> Công ty nợ đóng bảo hiểm xã hội nhiều tháng\n3,A,Đề nghị mở lớp học nghề điện công nghiệp buổi tối cho công nhân\n"


@pytest.fixture(scope="module")
def client(default_model, tmp_path_factory):
    app = create_app(tmp_path_factory.mktemp("ws"), model=default_model, upload_limit=2 * 1024 * 1024)
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def sample(client):
    with SAMPLE.open("rb") as f:
        r = client.post("/api/surveys", files={"file": ("sample_survey.xlsx", f)})
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(autouse=True)
def _fresh_cookies(request):
    """Each test starts as a non-browser API client (no cookies)."""
    yield
    if "client" in request.fixturenames:
        request.getfixturevalue("client").cookies.clear()


def _browser(client):
    """Headers a page's JavaScript sends (CSRF cookie echoed)."""
    client.get("/")
    return {"X-CSRF-Token": client.cookies.get("pnlp_csrf")}


def test_upload_contract(sample, client):
    assert set(sample) == {"id", "rows", "categories"} and sample["rows"] == 145
    assert sum(sample["categories"].values()) <= 145 and "housing" in sample["categories"]
    listed = client.get("/api/surveys").json()
    assert {"id", "name", "created", "rows"} <= set(listed[0]) and listed[0]["name"] == "sample_survey.xlsx"


def test_petitions_filters_and_pagination(sample, client):
    sid = sample["id"]
    r = client.get(f"/api/surveys/{sid}/petitions")
    rows = r.json()
    assert len(rows) == 145 and [p["row"] for p in rows] == list(range(1, 146))
    assert {"id", "row", "text", "unit", "category", "confidence", "needs_review", "status", "answered_in"} <= set(rows[0])
    housing = client.get(f"/api/surveys/{sid}/petitions", params={"category": "housing"}).json()
    assert housing and all(p["category"] == "housing" for p in housing)
    review = client.get(f"/api/surveys/{sid}/petitions", params={"needs_review": "true"}).json()
    assert all(p["needs_review"] for p in review) and len(review) < 145
    page = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 10, "offset": 20})
    assert [p["row"] for p in page.json()] == list(range(21, 31)) and page.headers["x-total-count"] == "145"
    bad = client.get(f"/api/surveys/{sid}/petitions", params={"needs_review": "maybe"})
    assert bad.status_code == 400 and "needs_review" in bad.json()["error"]
    assert client.get("/api/surveys/999/petitions").status_code == 404


def test_patch_category_status_and_conflict(sample, client):
    sid = sample["id"]
    p = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 1, "offset": 5}).json()[0]
    new = "security" if p["category"] != "security" else "housing"
    r = client.patch(f"/api/petitions/{p['id']}", json={"category": new, "version": p["version"], "officer": "Hà"})
    assert r.status_code == 200 and r.json()["category"] == new and r.json()["version"] == p["version"] + 1
    stale = client.patch(f"/api/petitions/{p['id']}", json={"category": "other", "version": p["version"]})
    assert stale.status_code == 409 and "changed by someone else" in stale.json()["error"]
    assert client.get(f"/api/petitions/{p['id']}").json()["category"] == new
    r = client.patch(f"/api/petitions/{p['id']}", json={"status": "not_a_petition"})
    assert r.status_code == 200 and r.json()["status"] == "not_a_petition"
    history = client.get(f"/api/petitions/{p['id']}").json()["history"]
    assert [(h["field"], h["new"]) for h in history][:2] == [("category", new), ("reviewed", "1")]
    assert client.patch(f"/api/petitions/{p['id']}", json={"category": "nonsense"}).status_code == 400
    assert client.patch(f"/api/petitions/{p['id']}", json={"colour": "red"}).status_code == 400
    assert client.patch("/api/petitions/999999", json={"category": "other"}).status_code == 404
    r = client.patch(f"/api/petitions/{p['id']}", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("the request body is not valid JSON: ")


def test_bulk_and_labels(sample, client):
    sid = sample["id"]
    rows = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 3, "offset": 40}).json()
    r = client.post("/api/petitions/bulk", json={"ids": [p["id"] for p in rows], "category": "party_building",
                                                 "versions": {str(p["id"]): p["version"] for p in rows}})
    assert r.status_code == 200 and all(p["category"] == "party_building" for p in r.json())
    labels = client.get("/api/labels.csv")
    assert labels.status_code == 200 and labels.text.lstrip("\ufeff").startswith("text,label")
    for p in rows:
        assert f"{p['text'][:30]}" in labels.text
    again = client.post("/api/petitions/bulk", json={"ids": [p["id"] for p in rows], "category": "other",
                                                     "versions": {str(p["id"]): p["version"] for p in rows}})
    assert again.status_code == 409


def test_shortlist_pin_drop_representative_move_merge(sample, client):
    sid = sample["id"]
    first = client.get(f"/api/surveys/{sid}/shortlist", params={"n": 8}).json()
    assert [s["rank"] for s in first] == list(range(1, 9))
    assert {"rank", "category", "petition_id", "text", "represents", "group_id", "member_ids"} <= set(first[0])
    assert first[0]["petition_id"] in first[0]["member_ids"] and first[0]["represents"] == len(first[0]["member_ids"])
    groups = client.get(f"/api/surveys/{sid}/groups").json()
    outside = next(g for g in groups if g["group_id"] not in {s["group_id"] for s in first})
    assert client.post(f"/api/groups/{outside['group_id']}/pin", json={}).status_code == 200
    assert client.post(f"/api/groups/{first[1]['group_id']}/drop", json={}).status_code == 200
    top = first[0]
    other_member = next(m for m in top["member_ids"] if m != top["petition_id"])
    assert client.post(f"/api/groups/{top['group_id']}/representative", json={"petition_id": other_member}).status_code == 200
    now = client.get(f"/api/surveys/{sid}/shortlist", params={"n": 8}).json()
    ids = [s["group_id"] for s in now]
    assert len(now) == 8 and outside["group_id"] in ids and first[1]["group_id"] not in ids
    assert next(s for s in now if s["group_id"] == top["group_id"])["petition_id"] == other_member
    # move a petition, merge two groups of one topic: trace kept
    same = [g for g in groups if g["category"] == top["category"] and g["group_id"] != top["group_id"]]
    r = client.post(f"/api/petitions/{same[0]['member_ids'][0]}/move", json={"group_id": top["group_id"]})
    assert r.status_code == 200 and r.json()["group_id"] == top["group_id"]
    r = client.post(f"/api/groups/{same[1]['group_id']}/merge", json={"into": top["group_id"]})
    assert r.status_code == 200
    trace = client.get(f"/api/surveys/{sid}/trace").json()
    assert {"move", "merge"} <= {t["kind"] for t in trace}
    assert client.post(f"/api/groups/{same[1]['group_id']}/pin", json={}).status_code == 404  # merged away
    assert client.post(f"/api/groups/{top['group_id']}/explode", json={}).status_code == 400
    assert client.get(f"/api/surveys/{sid}/shortlist", params={"n": 0}).status_code in (400, 422)
    assert client.get(f"/api/surveys/{sid}/shortlist", params={"quota": "housing=x"}).status_code == 400


def test_exports_reflect_edits(sample, client):
    sid = sample["id"]
    p = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 1, "offset": 100}).json()[0]
    client.patch(f"/api/petitions/{p['id']}", json={"category": "skills_training" if p["category"] != "skills_training" else "other"})
    changed = client.get(f"/api/petitions/{p['id']}").json()["category"]
    r = client.get(f"/api/surveys/{sid}/export.xlsx")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content), read_only=True)["Kiến nghị"]
    rows = list(ws.iter_rows(values_only=True))
    header = rows[0]
    assert len(rows) == 146
    assert rows[p["row"]][header.index("Mã chủ đề")] == changed
    r = client.get(f"/api/surveys/{sid}/shortlist.xlsx", params={"n": 5})
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.content), read_only=True).sheetnames
    report = client.get(f"/api/surveys/{sid}/report.html", params={"n": 5})
    assert report.status_code == 200 and "<html" in report.text
    shortlist = client.get(f"/api/surveys/{sid}/shortlist", params={"n": 5}).json()
    assert shortlist[0]["text"][:40].replace("&", "&amp;") in report.text


def test_text_is_escaped(client):
    r = client.post("/api/surveys", files={"file": ("x.csv", CSV.encode())})
    assert r.status_code == 201
    page = client.get(f"/surveys/{r.json()['id']}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text


@pytest.mark.parametrize(
    "name,data,status",
    [
        ("empty.csv", b"", 400),
        ("binary.csv", bytes(range(256)) * 40, 400),
        ("corrupt.xlsx", b"PK\x03\x04" + os.urandom(2000), 400),
        ("noext", b"hello", 400),
        ("notes.docx", b"not a docx", 400),
    ],
)
def test_hostile_uploads_get_4xx_and_server_keeps_serving(client, name, data, status):
    r = client.post("/api/surveys", files={"file": (name, data)})
    assert r.status_code == status and isinstance(r.json()["error"], str) and "\n" not in r.json()["error"]
    assert client.get("/api/surveys").status_code == 200


def test_zip_bomb_and_oversize(client):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * (200 * 1024 * 1024) + b"</a>")
    r = client.post("/api/surveys", files={"file": ("bomb.xlsx", buffer.getvalue())})
    assert 400 <= r.status_code < 500
    big = client.post("/api/surveys", files={"file": ("big.csv", b"a,b\n" + b"x" * (3 * 1024 * 1024))})
    assert big.status_code == 413 and "limit" in big.json()["error"]
    assert client.get("/api/surveys").status_code == 200


def test_upload_name_never_a_path(client, tmp_path):
    r = client.post("/api/surveys", files={"file": ("../../../outside.csv", CSV.encode())})
    assert r.status_code == 201
    store = client.app.app.state.store
    assert not (store.data_dir.parent / "outside.csv").exists()
    survey = store.survey(r.json()["id"])
    assert survey["name"] == "outside.csv" and "/" not in survey["stored_file"]


def test_csrf_and_cross_site(sample, client):
    sid = sample["id"]
    p = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 1}).json()[0]
    headers = _browser(client)  # now the client holds the CSRF cookie like a browser
    try:
        assert client.patch(f"/api/petitions/{p['id']}", json={"reviewed": True}).status_code == 403
        assert client.patch(f"/api/petitions/{p['id']}", json={"reviewed": True}, headers=headers).status_code == 200
        evil = {**headers, "Origin": "http://evil.example"}
        assert client.patch(f"/api/petitions/{p['id']}", json={"reviewed": True}, headers=evil).status_code == 403
        form = client.post("/upload", files={"file": ("x.csv", CSV.encode())}, data={"csrf_token": "wrong"})
        assert form.status_code == 400
    finally:
        client.cookies.clear()


def test_token_required_everywhere(default_model, tmp_path):
    app = create_app(tmp_path, token="s3cret", model=default_model)
    with TestClient(app) as c:
        assert c.get("/api/surveys").status_code == 401
        assert c.get("/", follow_redirects=False).status_code == 303
        assert c.get("/api/surveys", headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = c.get("/api/surveys", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        r = c.post("/api/surveys", files={"file": ("x.csv", CSV.encode())}, headers={"Authorization": "Bearer s3cret"})
        assert r.status_code == 201
        sid = r.json()["id"]
        c.get("/login")
        csrf = c.cookies.get("pnlp_csrf")
        assert c.post("/login", data={"token": "nope", "csrf_token": csrf}).status_code == 401
        r = c.post("/login", data={"token": "s3cret", "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        assert c.get("/").status_code == 200 and c.get("/api/surveys").status_code == 200
        pid = c.get(f"/api/surveys/{sid}/petitions").json()[0]["id"]
        assert c.patch(f"/api/petitions/{pid}", json={"reviewed": True}).status_code == 403  # cookie auth needs CSRF
        assert c.patch(f"/api/petitions/{pid}", json={"reviewed": True}, headers={"X-CSRF-Token": csrf}).status_code == 200


def test_token_with_vietnamese_letters_works_and_a_wrong_one_is_401(default_model, tmp_path):
    token = "bí-mật-123"
    app = create_app(tmp_path, token=token, model=default_model)
    with TestClient(app) as c:
        assert c.get("/api/surveys", headers={"Authorization": f"Bearer {token}".encode()}).status_code == 200
        assert c.get("/api/surveys", headers={"Authorization": "Bearer ábc".encode()}).status_code == 401
        assert c.get("/api/surveys", headers={"Authorization": "Bearer abc"}).status_code == 401
        c.get("/login")
        csrf = c.cookies.get("pnlp_csrf")
        assert c.post("/login", data={"token": "mật khẩu", "csrf_token": csrf}).status_code == 401
        assert c.post("/login", data={"token": token, "csrf_token": csrf}, follow_redirects=False).status_code == 303
        assert token not in (c.cookies.get("pnlp_token") or "")  # the cookie holds a digest, not the token
        assert c.get("/api/surveys").status_code == 200


def test_pages_render(sample, client):
    sid = sample["id"]
    for url in ("/", f"/surveys/{sid}", f"/surveys/{sid}?sort=confidence&needs_review=true&q=BHXH", f"/surveys/{sid}/groups",
                f"/surveys/{sid}/answers", f"/surveys/{sid}?page_no=2"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "<html" in r.text and "Content-Security-Policy" in r.headers
    assert "sample_survey.xlsx" in client.get("/").text
    assert client.get("/surveys/9999").status_code == 404


def test_the_upload_form_says_what_is_wrong_in_vietnamese(client):
    client.get("/")
    csrf = client.cookies.get("pnlp_csrf")
    try:
        r = client.post("/upload", files={"file": ("bao-cao.doc", b"\xd0\xcf\x11\xe0")}, data={"csrf_token": csrf})
        assert "bao-cao.doc: văn bản Word 97-2003 cũ: hãy mở bằng Word và lưu thành Word Document (.docx)" in r.text
        r = client.post("/upload", files={"file": ("so-lieu.csv", "STT,Mã số\n1,120\n".encode())}, data={"csrf_token": csrf},
                        follow_redirects=False)
        sid = int(r.headers["location"].rsplit("/", 1)[1])
        for _ in range(100):
            if client.get(f"/api/surveys/{sid}/progress").json()["state"] != "processing":
                break
            time.sleep(0.1)
        page = client.get(f"/surveys/{sid}").text  # the failed read, on its page and in the list
        assert "không thấy cột nội dung kiến nghị (các cột: STT, Mã số)" in page
        assert "không thấy cột nội dung kiến nghị" in client.get("/").text
        assert "no text column" in client.get(f"/api/surveys/{sid}").json()["error"]  # the API keeps the English wording
    finally:
        client.cookies.clear()


def test_background_upload_form_shows_progress_then_survey(client):
    client.get("/")
    csrf = client.cookies.get("pnlp_csrf")
    try:
        r = client.post("/upload", files={"file": ("form.csv", CSV.encode())}, data={"csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303
        url = r.headers["location"]
        sid = int(url.rsplit("/", 1)[1])
        for _ in range(100):
            if client.get(f"/api/surveys/{sid}/progress").json()["state"] != "processing":
                break
            time.sleep(0.1)
        assert client.get(f"/api/surveys/{sid}/progress").json()["state"] == "ready"
        assert "Xác nhận" in client.get(url).text
    finally:
        client.cookies.clear()


# ----------------------------------------------------------------------------- kill test
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(data: Path, port: int) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-m", "petition_nlp.cli", "serve", "--port", str(port), "--data", str(data)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
    )
    import httpx

    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/surveys", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode()[-500:])
    proc.kill()
    raise RuntimeError("server did not start")


def test_sigkill_after_acknowledged_change_keeps_it(tmp_path):
    import httpx

    port = _free_port()
    proc = _start(tmp_path, port)
    base = f"http://127.0.0.1:{port}"
    try:
        r = httpx.post(f"{base}/api/surveys", files={"file": ("k.csv", CSV.encode())}, timeout=120)
        assert r.status_code == 201
        pid = httpx.get(f"{base}/api/surveys/{r.json()['id']}/petitions").json()[2]["id"]
        r = httpx.patch(f"{base}/api/petitions/{pid}", json={"category": "security", "officer": "kill-test"})
        assert r.status_code == 200
    finally:
        proc.send_signal(signal.SIGKILL)  # right after the acknowledgement
        proc.wait(10)
    proc = _start(tmp_path, port)
    try:
        after = httpx.get(f"{base}/api/petitions/{pid}").json()
        assert after["category"] == "security" and after["reviewed"]
        assert after["history"][0]["officer"] == "kill-test"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(10)


def test_serve_refuses_public_address_without_token(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PETITION_NLP_TOKEN"}
    r = subprocess.run(
        [sys.executable, "-m", "petition_nlp.cli", "serve", "--host", "0.0.0.0", "--data", str(tmp_path)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=env,
    )
    assert r.returncode == 2 and "without a token" in r.stderr and "Traceback" not in r.stderr


def test_a_quota_naming_no_topic_of_the_survey_is_refused_and_never_breaks_the_groups_page(client):
    """Saving "wages=3" for a survey without that topic is a 400 naming the survey's topics; a
    saved quota whose topics have since left the survey gives way to proportional seats, so the
    groups page, the shortlist and its exports still open; a bad quota in the URL is a 400."""
    sid = client.post("/api/surveys", files={"file": ("q.csv", CSV.encode())}).json()["id"]
    topics = {p["category"] for p in client.get(f"/api/surveys/{sid}/petitions").json()}
    headers = _browser(client)
    absent = next(c for c in ("party_building", "security", "skills_training", "housing") if c not in topics)
    r = client.put(f"/api/surveys/{sid}/settings", json={"quota": f"{absent}=3"}, headers=headers)
    assert r.status_code == 400 and "no topic of this survey" in r.json()["error"] and absent in r.json()["error"]
    client.app.app.state.store.set_settings(sid, {"quota": f"{absent}=3"})  # saved before the petitions moved
    page = client.get(f"/surveys/{sid}/groups")
    assert page.status_code == 200 and 'value="proportional"' in page.text
    assert client.get(f"/api/surveys/{sid}/shortlist").status_code == 200
    assert client.get(f"/api/surveys/{sid}/shortlist.xlsx").status_code == 200
    bad = client.get(f"/api/surveys/{sid}/shortlist", params={"quota": "wages=3"})
    assert bad.status_code == 400 and "no category" in bad.json()["error"]


def test_huge_offsets_and_page_numbers_are_answered_not_500(sample, client):
    sid = sample["id"]
    r = client.get(f"/api/surveys/{sid}/petitions", params={"offset": "99999999999999999999"})
    assert r.status_code == 400 and "offset must be between" in r.json()["error"]
    page = client.get(f"/surveys/{sid}", params={"page_no": "99999999999999999999"})
    assert page.status_code == 200


def test_rows_are_numbered_as_in_the_officers_file(client, tmp_path):
    """The survey page and the API give each petition its row in the file (and its sheet), not its
    position among the petitions: with a title and a header above, the first petition is row 4."""
    data = _office_xlsx(tmp_path / "survey.xlsx", {
        "KCN Quang Minh": [
            ["LIÊN ĐOÀN LAO ĐỘNG TỈNH"], ["TỔNG HỢP KIẾN NGHỊ CỦA CÔNG NHÂN"], ["STT", "Đơn vị", "Nội dung kiến nghị"],
            [1, "CĐCS May", "Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm"],
            [2, "CĐCS Giày", "Đề nghị xây nhà ở xã hội cho công nhân thuê gần khu công nghiệp"],
        ],
        "KCN Yên Phong": [
            ["STT", "Đơn vị", "Nội dung kiến nghị"], [1, "CĐCS Điện tử", "Đề nghị mở lớp học nghề điện công nghiệp buổi tối cho công nhân"],
        ],
    })
    sid = client.post("/api/surveys", files={"file": ("zones.xlsx", data)}).json()["id"]
    rows = client.get(f"/api/surveys/{sid}/petitions").json()
    assert [(p.get("sheet"), p["source_row"]) for p in rows] == [("KCN Quang Minh", 4), ("KCN Quang Minh", 5), ("KCN Yên Phong", 2)]
    page = client.get(f"/surveys/{sid}").text
    assert "KCN Yên Phong:</span> 2" in page


def test_serve_on_a_busy_port_says_so_before_printing_an_address(tmp_path):
    """The address printed would be another server's: an officer would upload into someone else's
    workspace. The port is checked first."""
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(
            [sys.executable, "-m", "petition_nlp.cli", "serve", "--port", str(port), "--data", str(tmp_path / "ws")],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )
    assert r.returncode == 2 and "already in use" in r.stderr and "http://" not in r.stderr and "Traceback" not in r.stderr


def test_upload_can_split_cells_holding_several_petitions_and_choose_a_sheet(client, tmp_path):
    """The reader's options reach the workspace: a cell '1. … 2. …' becomes two petitions, and one
    sheet of a workbook can be chosen."""
    data = _office_xlsx(tmp_path / "survey.xlsx", {
        "KCN 1": [
            ["STT", "Nội dung kiến nghị"],
            [1, "1. Đề nghị công ty tăng tiền ăn ca cho công nhân\n2. Đề nghị xây nhà trẻ gần khu công nghiệp"],
            [2, "Đề nghị lắp thêm đèn đường vào khu trọ công nhân"],
        ],
        "KCN 2": [["STT", "Nội dung kiến nghị"], [1, "Công ty nợ đóng bảo hiểm xã hội nhiều tháng chưa chốt sổ"]],
    })
    r = client.post("/api/surveys", files={"file": ("items.xlsx", data)}, data={"split_items": "1", "sheet": "KCN 1"})
    assert r.status_code == 201, r.text
    texts = [p["text"] for p in client.get(f"/api/surveys/{r.json()['id']}/petitions").json()]
    assert texts == ["Đề nghị công ty tăng tiền ăn ca cho công nhân", "Đề nghị xây nhà trẻ gần khu công nghiệp",
                     "Đề nghị lắp thêm đèn đường vào khu trọ công nhân"]
    bad = client.post("/api/surveys", files={"file": ("items.xlsx", data)}, data={"header_row": "zero"})
    assert bad.status_code == 400 and "header_row" in bad.json()["error"]
    lettered = _office_xlsx(tmp_path / "lettered.xlsx", {"KCN": [
        ["LIÊN ĐOÀN LAO ĐỘNG TỈNH", ""], ["", ""], ["STT", "Nội dung kiến nghị"],
        [1, "Đề nghị lắp thêm đèn đường vào khu trọ công nhân"],
    ]})
    r = client.post("/api/surveys", files={"file": ("lettered.xlsx", lettered)}, data={"header_row": "3"})  # as Excel numbers it, as the CLI's --header-row
    assert r.status_code == 201, r.text
    assert [p["text"] for p in client.get(f"/api/surveys/{r.json()['id']}/petitions").json()] == ["Đề nghị lắp thêm đèn đường vào khu trọ công nhân"]


def _office_xlsx(path: Path, sheets: dict) -> bytes:
    """The bytes of a workbook built as tests/fixtures/make_office_files.py builds one."""
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    import make_office_files

    return make_office_files.xlsx(path, sheets).read_bytes()


def test_a_failed_survey_exports_nothing_and_counts_no_blank_topic(client):
    """A survey whose file could not be read has no workbook to give (not an empty one), like its
    report; and a survey's topic counts never hold a blank code (rows too long to classify)."""
    r = client.post("/api/surveys", files={"file": ("bad.csv", b"\x00\x01\x02 not text")})
    assert r.status_code == 400
    failed = next(s["id"] for s in client.get("/api/surveys?all=true").json() if s["name"] == "bad.csv")
    for export in ("export.xlsx", "report.html"):
        got = client.get(f"/api/surveys/{failed}/{export}")
        assert got.status_code == 400 and "not ready" in got.json()["error"]
    long_row = "STT,Nội dung kiến nghị\n1,Đề nghị tăng tiền ăn ca cho công nhân\n2," + "Đề nghị " * 3000 + "\n"
    sid = client.post("/api/surveys", files={"file": ("long.csv", long_row.encode())}).json()["id"]
    assert [p["status"] for p in client.get(f"/api/surveys/{sid}/petitions").json()] == ["ok", "too_long"]
    assert "" not in client.get(f"/api/surveys/{sid}").json()["categories"]


def test_an_upload_of_a_type_the_readers_do_not_take_names_the_officers_file(client):
    for name, kind in (
        ("bao-cao", "no extension"), ("bao-cao.zip", "type '.zip'"),
        ("bao-cao.doc", "an old Word 97-2003 document: open it in Word and save it as a Word Document (.docx)"),
    ):
        r = client.post("/api/surveys", files={"file": (name, b"STT,Noi dung\n1,abc\n")})
        assert r.status_code == 400 and r.json()["error"].startswith(name) and kind in r.json()["error"]
        assert ".bin" not in r.json()["error"]


def test_a_fractional_version_is_refused_not_rounded(client):
    sid = client.post("/api/surveys", files={"file": ("v.csv", CSV.encode())}).json()["id"]
    pid = client.get(f"/api/surveys/{sid}/petitions").json()[0]["id"]
    r = client.patch(f"/api/petitions/{pid}", json={"category": "other", "version": 1.5})
    assert r.status_code == 400 and "whole number" in r.json()["error"]
    assert client.patch(f"/api/petitions/{pid}", json={"category": "other", "version": 1}).status_code == 200


BIG = 2**63  # one past SQLite's largest integer


def test_ids_out_of_sqlites_range_are_not_found_never_500(sample, client):
    """A path id SQLite cannot store is a 404 naming it (every route, pages too); an id in a body
    is a 400 naming the field — never a 500 OverflowError."""
    sid = sample["id"]
    for big in (BIG, 10**30, 0, -1):
        for path, noun in ((f"/api/surveys/{big}", "survey"), (f"/api/surveys/{big}/petitions", "survey"),
                           (f"/api/surveys/{big}/shortlist.xlsx", "survey"), (f"/surveys/{big}/answers", "survey"),
                           (f"/api/petitions/{big}", "petition")):
            r = client.get(path)
            assert r.status_code == 404 and r.json()["error"] == f"no {noun} {big}", (path, r.text)
        assert client.patch(f"/api/petitions/{big}", json={"category": "other"}).json()["error"] == f"no petition {big}"
        r = client.put(f"/api/groups/{big}/answer", json={"status": "unanswered"})
        assert r.status_code == 404 and r.json()["error"] == f"no group {big}"
        assert client.post(f"/api/groups/{big}/pin").status_code == 404
    pid = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 1}).json()[0]["id"]
    gid = client.get(f"/api/surveys/{sid}/groups").json()[0]["group_id"]
    for method, path, body, field in (
        ("POST", "/api/petitions/bulk", {"ids": [pid, BIG], "category": "other"}, "ids"),
        ("POST", f"/api/petitions/{pid}/move", {"group_id": BIG}, "group_id"),
        ("PATCH", f"/api/petitions/{pid}", {"category": "other", "version": BIG}, "version"),
        ("POST", f"/api/groups/{gid}/merge", {"into": BIG}, "into"),
        ("POST", f"/api/groups/{gid}/representative", {"petition_id": BIG}, "petition_id"),
        ("POST", f"/api/petitions/{pid}/answered/restore", {"group_id": BIG}, "group_id"),
    ):
        r = client.request(method, path, json=body)
        assert r.status_code == 400 and r.json()["error"].startswith(f"{field} must be between 1 and "), (path, r.text)


def test_a_tokenless_server_on_loopback_refuses_other_host_names(default_model, tmp_path):
    """DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 reaches the
    tokenless workspace with its own Host (and Origin, and the CSRF cookie it was given): refused
    in one line. Loopback names, with or without the port, are served; a server with a token is
    protected by it and checks no host."""
    with TestClient(create_app(tmp_path / "open", model=default_model), base_url="http://127.0.0.1:8000") as c:
        for host in ("127.0.0.1:8000", "127.0.0.1", "localhost:8000", "LOCALHOST", "[::1]:8000"):
            assert c.get("/api/surveys", headers={"Host": host}).status_code == 200, host
        for host in ("evil.example:8000", "evil.example", "127.0.0.1.evil.example", "localhost.evil.example:8000", "localhost@evil.example"):
            r = c.get("/api/surveys", headers={"Host": host})
            assert r.status_code == 400 and "is not this workspace's address" in r.json()["error"], host
        csrf = {"X-CSRF-Token": _browser(c)["X-CSRF-Token"]}
        r = c.put("/api/surveys/1/settings", json={"n": 5}, headers={**csrf, "Host": "evil.example:8000", "Origin": "http://evil.example:8000"})
        assert r.status_code == 400 and "\n" not in r.text
        assert c.get("/", headers={"Host": "evil.example:8000"}).status_code == 400
    with TestClient(create_app(tmp_path / "token", model=default_model, token="s3cret"), base_url="http://127.0.0.1:8000") as c:
        r = c.get("/api/surveys", headers={"Host": "workspace.office.lan:8000", "Authorization": "Bearer s3cret"})
        assert r.status_code == 200


def test_a_malformed_json_body_is_a_400_saying_so(sample, client):
    r = client.put(f"/api/surveys/{sample['id']}/settings", content=b'{"n": 5,', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"].startswith("the request body is not valid JSON: ")
    assert "\n" not in r.json()["error"]


def test_answer_fields_must_be_text_and_an_answered_issue_names_its_agency_and_date(sample, client):
    """A list, a number or a boolean is refused, not stored as its Python text; "answered" without
    the agency or the date is refused naming the missing field; other statuses need neither."""
    gid = client.get(f"/api/surveys/{sample['id']}/groups").json()[-1]["group_id"]
    good = {"agency": "Sở Xây dựng", "answer": "Đã bố trí quỹ đất cho nhà ở công nhân.", "answered_on": "2026-11-02", "status": "answered"}
    for field, value in (("answer", ["a", "b"]), ("agency", 123), ("answered_on", 20261102), ("status", True), ("status", None)):
        r = client.put(f"/api/groups/{gid}/answer", json={**good, field: value})
        assert r.status_code == 400 and r.json()["error"].startswith(f"{field} must be text"), (field, r.text)
    for missing in ("agency", "answered_on"):
        for body in ({k: v for k, v in good.items() if k != missing}, {**good, missing: "  "}, {**good, missing: None}):
            r = client.put(f"/api/groups/{gid}/answer", json=body)
            assert r.status_code == 400 and f"an answered issue needs {missing}" in r.json()["error"], (body, r.text)
    r = client.put(f"/api/groups/{gid}/answer", json={"answer": "Đã trả lời."})  # status answered by default
    assert r.status_code == 400 and "needs agency" in r.json()["error"]
    assert next(g for g in client.get(f"/api/surveys/{sample['id']}/groups").json() if g["group_id"] == gid)["answer"] is None
    saved = client.put(f"/api/groups/{gid}/answer", json=good).json()
    assert (saved["agency"], saved["answered_on"], saved["status"]) == ("Sở Xây dựng", "2026-11-02", "answered")
    forwarded = client.put(f"/api/groups/{gid}/answer", json={"status": "forwarded", "agency": "Sở Xây dựng", "answer": None, "answered_on": None})
    assert forwarded.status_code == 200 and (forwarded.json()["status"], forwarded.json()["answered_on"]) == ("forwarded", "")
    assert client.put(f"/api/groups/{gid}/answer", json={"status": "unanswered"}).status_code == 200


def test_loose_inputs_are_refused_naming_the_field(sample, client):
    """A bulk version for a petition not in ids, an upload's split_items that is not yes/no, an
    unknown category or status filter, a quota giving a topic 0 or absurdly many seats: 400."""
    sid = sample["id"]
    rows = client.get(f"/api/surveys/{sid}/petitions", params={"limit": 2, "offset": 60}).json()
    ids, other = [p["id"] for p in rows], client.get(f"/api/surveys/{sid}/petitions", params={"limit": 1, "offset": 90}).json()[0]["id"]
    for key in ("abc", str(other)):
        r = client.post("/api/petitions/bulk", json={"ids": ids, "category": "other", "versions": {key: 1}})
        assert r.status_code == 400 and r.json()["error"] == f"versions: '{key}' is not one of the petition ids in ids"
    assert [client.get(f"/api/petitions/{i}").json()["version"] for i in ids] == [p["version"] for p in rows]  # nothing written
    r = client.post("/api/surveys", files={"file": ("s.csv", CSV.encode())}, data={"split_items": "maybe"})
    assert r.status_code == 400 and r.json()["error"] == "split_items must be true or false, not 'maybe'"
    for field in ("category", "status"):
        r = client.get(f"/api/surveys/{sid}/petitions", params={field: "bogus"})
        assert r.status_code == 400 and r.json()["error"].startswith(f"unknown {field} 'bogus' (use ")
    assert client.get(f"/api/surveys/{sid}/petitions", params={"status": "not_a_petition"}).status_code == 200
    before = client.get(f"/api/surveys/{sid}").json()["settings"]
    for quota in ("housing=0", "housing=1001", "housing=999999999999999999999"):
        asked = client.get(f"/api/surveys/{sid}/shortlist", params={"quota": quota})
        saved = client.put(f"/api/surveys/{sid}/settings", json={"quota": quota})
        for r in (asked, saved):
            assert r.status_code == 400 and r.json()["error"] == f"quota seats must be between 1 and 1000 per topic: {quota}"
    assert client.get(f"/api/surveys/{sid}").json()["settings"] == before
    fine = client.get(f"/api/surveys/{sid}/shortlist", params={"quota": "housing=2"})  # (pinned groups come too)
    assert fine.status_code == 200 and any(row["category"] == "housing" for row in fine.json())
    client.app.app.state.store.set_settings(sid, {"quota": "housing=999999999999999999999"})  # saved before this check
    page = client.get(f"/surveys/{sid}/groups")
    assert page.status_code == 200 and 'value="proportional"' in page.text
    client.app.app.state.store.set_settings(sid, {"quota": before.get("quota", "proportional")})


def test_upload_messages_name_the_forms_fields_not_the_clis_options(client):
    """The reader says "use --text-column" (a CLI option): the workspace names its upload field."""
    r = client.post("/api/surveys", files={"file": ("numbers.csv", b"STT,Ma so\n1,120\n2,340\n")})
    error = r.json()["error"]
    assert r.status_code == 400 and "no text column found" in error and "the upload field text_column" in error and "--" not in error
    failed = next(s for s in client.get("/api/surveys?all=true").json() if s["name"] == "numbers.csv")
    assert "--" not in client.get(f"/api/surveys/{failed['id']}").json()["error"]
    sid = client.post("/api/surveys", files={"file": ("cot.csv", "STT,Ghi chú,Ý kiến công nhân\n1,x,Đề nghị tăng lương cho công nhân\n".encode())}).json()["id"]
    notes = client.get(f"/api/surveys/{sid}").json()["notes"]
    assert any("the upload field text_column" in note for note in notes) and not any("--text-column" in note for note in notes)
    page = client.get(f"/surveys/{sid}").text  # the officer's page says it in Vietnamese
    assert "Ghi chú: Cột nội dung kiến nghị: &#39;Ý kiến công nhân&#39; (chọn cột khác ở ô «Cột nội dung» khi tải lên)" in page
    assert "text column" not in page and "header:" not in page


def test_the_same_file_uploaded_twice_is_said_to_be(sample, client):
    """An officer who uploads the survey again (the first upload seemed slow) is told, not left
    with two identical surveys and no hint; the upload is still kept."""
    with SAMPLE.open("rb") as f:
        again = client.post("/api/surveys", files={"file": ("sample_survey (1).xlsx", f)})
    assert again.status_code == 201, again.text
    notes = client.get(f"/api/surveys/{again.json()['id']}").json()["notes"]
    assert any(n.startswith(f"the same file as survey {sample['id']} ('sample_survey.xlsx', uploaded ") for n in notes)
    page = client.get(f"/surveys/{again.json()['id']}").text
    assert f"giống hệt tệp của đợt số {sample['id']}" in page
    client.cookies.clear()  # an API client again (the page set the browser's cookies)
    other = client.post("/api/surveys", files={"file": ("other.csv", b"Noi dung\nDe nghi tang luong\n")})
    assert other.status_code == 201, other.text
    assert not any("same file" in n for n in client.get(f"/api/surveys/{other.json()['id']}").json()["notes"])
