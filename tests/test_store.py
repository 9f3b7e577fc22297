"""The workspace store: migrations, transactions, optimistic concurrency, append-only traces."""

from __future__ import annotations

import sqlite3
import threading

import pandas as pd
import pytest

from petition_nlp.store import Conflict, Invalid, NotFound, Store
from petition_nlp.store.schema import MIGRATIONS


def _grouped() -> pd.DataFrame:
    return pd.DataFrame({
        "STT": ["1", "2", "3", "4"],
        "text": ["Đề nghị xây nhà ở xã hội", "Nhà ở xã hội cho công nhân thuê", "Công ty nợ đóng BHXH", "Cộng"],
        "unit": ["A", "B", "A", "B"],
        "category": ["housing", "housing", "social_insurance", ""],
        "confidence": [0.9, 0.8, 0.55, float("nan")],
        "second_category": ["", "", "other", ""],
        "needs_review": [False, False, True, True],
        "status": ["ok", "ok", "ok", "not_a_petition"],
        "group_id": ["housing-001", "housing-001", "social_insurance-001", ""],
        "issue": ["", "", "", ""],
    })


@pytest.fixture()
def filled(tmp_path):
    store = Store(tmp_path)
    sid = store.create_survey("đợt 1.xlsx", store.keep_original(b"x", "đợt 1.xlsx"))
    store.fill_survey(sid, _grouped(), text_column="text", unit_column="unit", original_columns=["STT", "text", "unit"])
    return store, sid


def test_schema_migrations_wal_and_foreign_keys(tmp_path):
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) == 3
    conn = sqlite3.connect(tmp_path / "workspace.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with store.write() as c:  # foreign keys enforced
        with pytest.raises(sqlite3.IntegrityError):
            c.execute("INSERT INTO petitions (survey_id, row, original_json, text) VALUES (999, 1, '{}', 'x')")
    assert Store(tmp_path).schema_version() == 3  # reopening applies nothing twice


def test_migration_from_first_schema_keeps_data(tmp_path):
    conn = sqlite3.connect(tmp_path / "workspace.sqlite3")
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
    conn.execute("INSERT INTO surveys (name, stored_file, created, state) VALUES ('old', 'x.csv', 'then', 'ready')")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS)
    assert [s["name"] for s in store.list_surveys()] == ["old"]
    assert "Sở Xây dựng" in store.agencies()


def test_original_kept_read_only_under_generated_name(tmp_path):
    store = Store(tmp_path)
    name = store.keep_original(b"data", "../../etc/passwd.xlsx")
    path = store.original_path(name)
    assert path.parent == store.originals and path.read_bytes() == b"data"
    assert "passwd" not in name and name.endswith(".xlsx")
    assert not (path.stat().st_mode & 0o222)
    assert store.keep_original(b"x", "evil.<script>").endswith(".bin")


def test_fill_filter_sort_and_counts(filled):
    store, sid = filled
    info = store.survey(sid)
    assert info["rows"] == 4 and info["categories"] == {"housing": 2, "social_insurance": 1}
    rows, total = store.petitions(sid, sort="confidence")
    assert total == 4 and rows[0]["status"] == "not_a_petition" and rows[1]["confidence"] == 0.55
    assert store.petitions(sid, category="housing")[1] == 2
    assert store.petitions(sid, needs_review=True)[1] == 2
    assert store.petitions(sid, unit="B")[1] == 2
    assert [p["row"] for p in store.petitions(sid, search="BHXH")[0]] == [3]
    assert store.petitions(sid, search="%")[1] == 0  # LIKE wildcards are literal
    assert [p["row"] for p in store.petitions(sid, search="NHÀ Ở XÃ HỘI")[0]] == [1, 2]  # Vietnamese capitals
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "nhà ở xã hội")  # as Unikey's "Unicode tổ hợp" types it
    assert [p["row"] for p in store.petitions(sid, search=decomposed)[0]] == [1, 2]
    assert store.petitions(sid, limit=2, offset=2)[0][0]["row"] == 3
    with pytest.raises(Invalid):
        store.petitions(sid, sort="text; DROP TABLE petitions")


def test_update_logs_versions_and_conflicts(filled):
    store, sid = filled
    p = store.petitions(sid, category="social_insurance")[0][0]
    out = store.update_petitions([(p["id"], p["version"])], category="housing", officer="Lan")[0]
    assert out["category"] == "housing" and out["version"] == p["version"] + 1 and out["reviewed"]
    assert out["group_id"] != p["group_id"]  # topic change: a group of its own in the new topic
    with pytest.raises(Conflict):
        store.update_petitions([(p["id"], p["version"])], category="other")
    assert store.petition(p["id"])["category"] == "housing"  # the stale write changed nothing
    history = store.history(p["id"])
    assert {(h["field"], h["old"], h["new"], h["officer"]) for h in history} >= {("category", "social_insurance", "housing", "Lan")}
    trace = store.trace(sid)
    assert trace[-1]["kind"] == "topic" and trace[-1]["petition_id"] == p["id"]


def test_bulk_update_is_all_or_nothing(filled):
    store, sid = filled
    rows = store.petitions(sid, status="ok")[0]
    pairs = [(r["id"], r["version"]) for r in rows]
    pairs[-1] = (pairs[-1][0], 99)
    with pytest.raises(Conflict):
        store.update_petitions(pairs, status="not_a_petition")
    assert all(store.petition(r["id"])["status"] == "ok" for r in rows)
    done = store.update_petitions([(r["id"], r["version"]) for r in rows], status="not_a_petition")
    assert all(p["status"] == "not_a_petition" and p["group_id"] is None for p in done)
    assert store.survey(sid)["categories"] == {}


def test_invalid_updates(filled):
    store, sid = filled
    pid = store.petitions(sid)[0][0]["id"]
    with pytest.raises(Invalid):
        store.update_petitions([(pid, None)], category="wages", allowed_categories=["housing", "other"])
    with pytest.raises(Invalid):
        store.update_petitions([(pid, None)], status="deleted")
    with pytest.raises(NotFound):
        store.update_petitions([(12345, None)], category="housing")


def test_move_merge_and_choices_are_traced(filled):
    store, sid = filled
    groups = store.groups(sid)
    housing = next(g for g in groups if g["category"] == "housing")
    insurance = next(g for g in groups if g["category"] == "social_insurance")
    mover = housing["member_ids"][0]
    store.move_petition(mover, insurance["group_id"], officer="An")
    assert store.petition(mover)["category"] == "social_insurance"
    store.set_choice(insurance["group_id"], action="representative", petition_id=mover)
    with pytest.raises(Invalid):
        store.set_choice(insurance["group_id"], action="representative", petition_id=housing["member_ids"][1])
    store.set_choice(housing["group_id"], action="pin")
    store.merge_groups(housing["group_id"], insurance["group_id"], officer="An")
    after = store.groups(sid)
    assert len(after) == 1 and sorted(after[0]["member_ids"]) == sorted(housing["member_ids"] + insurance["member_ids"])
    kinds = [t["kind"] for t in store.trace(sid)]
    assert kinds == ["move", "merge"]
    assert store.choices(sid)["representatives"] == {str(insurance["group_id"]): str(mover)}
    assert store.group(housing["group_id"])["merged_into"] == insurance["group_id"]  # kept, never deleted
    with pytest.raises(Invalid):
        store.merge_groups(housing["group_id"], insurance["group_id"])


def test_merging_keeps_the_answer_and_the_pin_of_the_merged_group(tmp_path):
    """An answer recorded on the group merged away goes to the group it joins (two different answers
    refuse the merge); its pin goes too and undoes a drop there."""
    store = Store(tmp_path)
    sid = store.create_survey("s.csv", store.keep_original(b"x", "s.csv"))
    frame = pd.DataFrame({
        "text": [f"Kiến nghị số {i} về nhà ở xã hội cho công nhân" for i in range(6)], "unit": list("ABCDEF"),
        "category": ["housing"] * 6, "confidence": [0.9] * 6, "second_category": [""] * 6, "needs_review": [False] * 6,
        "status": ["ok"] * 6, "issue": [""] * 6,
        "group_id": ["housing-001", "housing-001", "housing-002", "housing-002", "housing-003", "housing-003"],
    })
    store.fill_survey(sid, frame, text_column="text", unit_column="unit", original_columns=["text", "unit"])
    a, b, c = (g["group_id"] for g in sorted(store.groups(sid), key=lambda g: g["group_id"]))
    store.set_answer(a, agency="Công an tỉnh", answer="Đã tăng cường tuần tra.", answered_on="2026-11-20", status="answered")
    store.set_choice(a, action="pin")
    store.set_choice(b, action="drop")
    store.merge_groups(a, b, officer="An")
    merged = next(g for g in store.groups(sid) if g["group_id"] == b)
    assert merged["answer"]["agency"] == "Công an tỉnh" and merged["answer"]["answer"] == "Đã tăng cường tuần tra."
    assert store.choices(sid)["pinned"] == [str(b)] and store.choices(sid)["dropped"] == []
    store.set_answer(c, agency="Sở Xây dựng", answer="Đang khởi công.", status="answered")
    with pytest.raises(Invalid, match="both groups have an answer"):
        store.merge_groups(c, b)
    assert {g["group_id"] for g in store.groups(sid)} == {b, c}  # nothing changed


def test_labels_are_officer_set_or_confirmed_only(filled):
    store, sid = filled
    assert store.labels() == []
    rows = store.petitions(sid, status="ok")[0]
    store.update_petitions([(rows[0]["id"], None)], reviewed=True)
    store.update_petitions([(rows[2]["id"], None)], category="other")
    assert store.labels() == [(rows[0]["text"], "housing"), (rows[2]["text"], "other")]


def test_processing_survey_marked_failed_on_restart(tmp_path):
    store = Store(tmp_path)
    sid = store.create_survey("a.csv", "x.csv")
    assert Store(tmp_path).survey(sid)["state"] == "failed"


def test_answers_validation_and_agencies(filled):
    store, sid = filled
    g = store.groups(sid)[0]["group_id"]
    with pytest.raises(Invalid):
        store.set_answer(g, status="answered", answer="")
    with pytest.raises(Invalid):
        store.set_answer(g, answer="x", answered_on="31/12/2026")
    out = store.set_answer(g, agency="Sở Xây dựng", answer="Đã khởi công.", answered_on="2026-11-20", status="answered")
    assert out == {"agency": "Sở Xây dựng", "answer": "Đã khởi công.", "answered_on": "2026-11-20", "status": "answered", "version": 1}
    with pytest.raises(Conflict):  # saved from a page that showed no answer yet
        store.set_answer(g, agency="Sở Xây dựng", answer="Khác.", status="answered", version=0)
    assert "Sở Nội vụ" in store.add_agency("  Sở  Nội vụ ")
    assert "Sở Nội vụ" not in store.remove_agency("Sở Nội vụ")


def test_schema_1_store_serves_the_issue_17_loop_after_migrating(tmp_path):
    """The answered setting lives in surveys.settings_json (schema 1), links and answers in
    migration 2's tables (migration 3 only adds the officers' dismissed links), models in the
    models folder. A store created at schema 1
    with an officer's correction migrates and feeds the shortlist setting, links and training."""
    from petition_nlp.model.training import store_labels_file
    from petition_nlp.store import workspace as ws

    conn = sqlite3.connect(tmp_path / "workspace.sqlite3")
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    conn.executescript(MIGRATIONS[0])
    conn.execute("INSERT INTO schema_version VALUES (1, 'then')")
    conn.execute("INSERT INTO surveys (id, name, stored_file, created, state, text_column, columns_json) VALUES (1, 'old', 'x.csv', 'then', 'ready', 'text', '[\"text\"]')")
    conn.execute("INSERT INTO groups (id, survey_id, label, category, created) VALUES (1, 1, 'housing-001', 'housing', 'then')")
    conn.execute("INSERT INTO petitions (survey_id, row, original_json, text, category, model_category, status, group_id, reviewed)"
                 " VALUES (1, 1, '{\"text\": \"Xây nhà ở xã hội\"}', 'Xây nhà ở xã hội', 'housing', 'other', 'ok', 1, 1)")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.labels() == [("Xây nhà ở xã hội", "housing")]
    csv = pd.read_csv(store_labels_file(store, tmp_path / "labels.csv"))
    assert csv[["text", "label"]].values.tolist() == [["Xây nhà ở xã hội", "housing"]] and (csv["writer"] == "workspace-officers").all()
    assert ws.answered_mode(store, 1) == "mark"
    store.set_settings(1, {"answered": "exclude"})
    assert ws.answered_mode(store, 1) == "exclude"
    ws.record_answer(store, 1, agency="Sở Xây dựng", answer="Đang xây.", answered_on="2026-01-02", status="answered")
    assert store.survey_links(1) == {}  # nothing uploaded after it


def test_relinker_finishes_its_queue_on_close_then_relinks_in_the_caller(filled, monkeypatch):
    """The web's background relink (``ws.Relinker``): stopping it never loses a relink asked for.
    A relink still held when the wait ends is reported (the surveys left); one asked after the
    close runs at once in the caller's thread. ``record_answer`` itself still relinks at once."""
    from petition_nlp.store import workspace as ws

    store, sid = filled
    calls, started, gate = [], threading.Event(), threading.Event()

    def gated(store, survey_id):
        calls.append(survey_id)
        started.set()
        gate.wait(10)
        return {}

    monkeypatch.setattr(ws, "relink_after", gated)
    relinker = ws.Relinker(store)
    relinker.submit(sid)
    assert started.wait(10) and relinker.alive
    relinker.submit(0)  # queued behind the running one
    assert relinker.close(timeout=0.05) == [sid]  # still held: the surveys after survey 0 are not yet relinked
    gate.set()
    assert relinker.close(timeout=10) == [] and not relinker.alive
    assert calls == [sid, 0]
    relinker.submit(7)
    assert calls == [sid, 0, 7] and not relinker.alive
    g = store.groups(sid)[0]["group_id"]
    ws.record_answer(store, g, agency="Sở Xây dựng", answer="Đang xây.", answered_on="2026-01-02", status="answered", relink=False)
    assert calls == [sid, 0, 7]
    with pytest.raises(Invalid, match="needs answered_on"):  # the published answer says when
        ws.record_answer(store, g, agency="Sở Xây dựng", answer="Đã xây xong.", status="answered")
    ws.record_answer(store, g, agency="Sở Xây dựng", answer="Đã xây xong.", answered_on="2026-02-01", status="answered")
    assert calls == [sid, 0, 7, sid]


# ----------------------------------------------------------------------------- dismissed "already answered" links
def _two_surveys(store: Store) -> tuple[int, int, int, list[int]]:
    """Survey 1 with its housing group answered, survey 2 (its petitions' ids) uploaded after it."""
    first = store.create_survey("2025.xlsx", store.keep_original(b"x", "2025.xlsx"))
    store.fill_survey(first, _grouped(), text_column="text", unit_column="unit", original_columns=["STT", "text", "unit"])
    later = store.create_survey("2026.xlsx", store.keep_original(b"x", "2026.xlsx"))
    store.fill_survey(later, _grouped(), text_column="text", unit_column="unit", original_columns=["STT", "text", "unit"])
    housing = next(g["group_id"] for g in store.groups(first) if g["category"] == "housing")
    store.set_answer(housing, agency="Sở Xây dựng", answer="Đang xây.", answered_on="2026-01-02", status="answered")
    return first, later, housing, [p["id"] for p in store.petitions(later)[0]]


def test_dismissed_link_is_never_stored_again_and_an_undo_puts_it_back(tmp_path):
    store = Store(tmp_path)
    first, later, housing, pids = _two_surveys(store)
    store.set_links([(pids[0], housing, 0.91), (pids[1], housing, 0.55)], survey_id=later)
    out = store.dismiss_link(pids[0], officer="Lan")
    assert out["answered_in"] is None and out["dismissed"]["group_id"] == housing and out["dismissed"]["officer"] == "Lan"
    assert store.petition(pids[0])["answered_in"] is None and store.petition(pids[1])["answered_in"]["group_id"] == housing
    listed = store.dismissed_links(later)
    assert [(d["petition_id"], d["group_id"], d["agency"], d["similarity"]) for d in listed] == [(pids[0], housing, "Sở Xây dựng", 0.91)]
    assert listed[0]["time"] and store.dismissed_pairs(later) == {(pids[0], housing)} and store.dismissed_links(first) == []
    # a relink computed before the dismissal and written after it does not bring the pair back
    store.set_links([(pids[0], housing, 0.91), (pids[1], housing, 0.55)], survey_id=later)
    assert store.petition(pids[0])["answered_in"] is None and set(store.survey_links(later)) == {pids[1]}
    with pytest.raises(Conflict, match="nothing to dismiss"):
        store.dismiss_link(pids[0])
    with pytest.raises(NotFound):
        store.dismiss_link(99999)
    with pytest.raises(Conflict, match="no dismissed link"):
        store.restore_link(pids[1])
    restored = store.restore_link(pids[0], officer="Lan")  # at once: the group is still answered
    assert restored["answered_in"]["group_id"] == housing and store.dismissed_links(later) == []
    with store.read() as conn:
        assert [r[0] for r in conn.execute("SELECT action FROM link_log WHERE petition_id = ? ORDER BY id", (pids[0],))] == ["dismiss", "restore"]
    store.set_links([(pids[0], housing, 0.91)], survey_id=later)  # the pair is allowed again
    assert store.petition(pids[0])["answered_in"]["group_id"] == housing
    # an undo once the answer is withdrawn only allows the pair again (the next link pass decides)
    store.dismiss_link(pids[0])
    store.set_answer(housing, status="unanswered")
    assert store.restore_link(pids[0], housing)["answered_in"] is None and store.dismissed_pairs(later) == set()


def _dismissed_housing_link(tmp_path) -> tuple[Store, int, int, int, int, list[int]]:
    """:func:`_two_surveys` with the first later petition's link to the answered housing group
    dismissed; also the first survey's other group."""
    store = Store(tmp_path)
    first, later, housing, pids = _two_surveys(store)
    other = next(g["group_id"] for g in store.groups(first) if g["category"] != "housing")
    store.set_links([(pids[0], housing, 0.91)], survey_id=later)
    store.dismiss_link(pids[0])
    return store, first, later, housing, other, pids


def test_a_dismissal_follows_the_answered_group_into_a_merge(tmp_path):
    store, _, later, housing, other, pids = _dismissed_housing_link(tmp_path)
    store.set_links([(pids[0], other, 0.6)], survey_id=later)  # a next pass linked it to the other answered issue
    store.set_answer(other, agency="Sở Xây dựng", answer="Đang xây.", answered_on="2026-01-02", status="answered")
    assert store.petition(pids[0])["answered_in"]["group_id"] == other
    store.merge_groups(housing, other)  # the two are one issue: the petition does not raise it
    assert store.petition(pids[0])["answered_in"] is None
    assert [(d["petition_id"], d["group_id"]) for d in store.dismissed_links(later)] == [(pids[0], other)]


def test_undoing_a_dismissal_named_by_a_group_merged_since_undoes_it_in_the_merged_group(tmp_path):
    """A page opened before the merge sends the old group's id: the undo must not answer 200 and do nothing."""
    store, _, later, housing, other, pids = _dismissed_housing_link(tmp_path)
    store.merge_groups(housing, other)
    assert [(d["petition_id"], d["group_id"]) for d in store.dismissed_links(later)] == [(pids[0], other)]
    store.restore_link(pids[0], housing)
    assert store.dismissed_links(later) == [] and store.dismissed_pairs(later) == set()
    with pytest.raises(Conflict):
        store.restore_link(pids[0], housing)  # nothing left to undo: said, not a silent 200


def test_a_cleared_answer_does_not_block_a_merge(tmp_path):
    store = Store(tmp_path)
    first, _, housing, _ = _two_surveys(store)
    other = next(g["group_id"] for g in store.groups(first) if g["category"] != "housing")
    store.set_answer(other, agency="Công an tỉnh", answer="Tăng tuần tra.", answered_on="2026-01-03", status="answered")
    with pytest.raises(Invalid):
        store.merge_groups(other, housing)  # two answers: keep one first
    store.set_answer(other, agency="", answer="", answered_on="", status="unanswered")  # the officer clears one, as the refusal says
    store.merge_groups(other, housing)
    kept = {g["group_id"]: g for g in store.groups(first)}
    assert other not in kept and kept[housing]["answer"]["agency"] == "Sở Xây dựng"


def test_migration_from_schema_2_keeps_links_and_answers(tmp_path):
    conn = sqlite3.connect(tmp_path / "workspace.sqlite3")
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied TEXT NOT NULL)")
    for version in (1, 2):
        conn.executescript(MIGRATIONS[version - 1])
        conn.execute("INSERT INTO schema_version VALUES (?, 'then')", (version,))
    for sid in (1, 2):
        conn.execute("INSERT INTO surveys (id, name, stored_file, created, state, text_column, columns_json)"
                     f" VALUES ({sid}, 'dot-{sid}', 'x.csv', 'then', 'ready', 'text', '[\"text\"]')")
        conn.execute(f"INSERT INTO groups (id, survey_id, label, category, created) VALUES ({sid}, {sid}, 'housing-001', 'housing', 'then')")
        conn.execute("INSERT INTO petitions (id, survey_id, row, original_json, text, category, status, group_id)"
                     f" VALUES ({sid}, {sid}, 1, '{{}}', 'Xây nhà ở xã hội', 'housing', 'ok', {sid})")
    conn.execute("INSERT INTO answers (group_id, agency, answer, answered_on, status, updated)"
                 " VALUES (1, 'Sở Xây dựng', 'Đang xây.', '2025-12-15', 'answered', 'then')")
    conn.execute("INSERT INTO answered_links VALUES (2, 1, 0.8)")
    conn.commit()
    conn.close()
    store = Store(tmp_path)
    assert store.schema_version() == len(MIGRATIONS) == 3
    link = store.petition(2)["answered_in"]
    assert link["group_id"] == 1 and link["agency"] == "Sở Xây dựng" and link["answered_on"] == "2025-12-15"
    assert store.dismissed_links(2) == []
    assert store.dismiss_link(2)["answered_in"] is None and store.restore_link(2)["answered_in"]["group_id"] == 1


# -- store-level rules an officer expects (T6 defects 1, 6, 7, 8, 9) --------------------------
def _by_row(store, sid):
    return {p["row"]: p for p in store.petitions(sid)[0]}


def test_an_answered_group_is_never_emptied_silently(filled):
    store, sid = filled
    rows = _by_row(store, sid)
    lone, housing = rows[3], rows[1]["group_id"]  # the only member of social_insurance-001
    store.set_answer(lone["group_id"], agency="Bảo hiểm xã hội tỉnh", answer="Đã đôn đốc công ty truy đóng.", status="answered")
    for attempt in (
        lambda: store.update_petitions([(lone["id"], lone["version"])], category="housing"),
        lambda: store.update_petitions([(lone["id"], None), (rows[1]["id"], None)], status="not_a_petition"),
        lambda: store.move_petition(lone["id"], housing),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        message = str(refused.value)
        assert "social_insurance-001" in message and "Bảo hiểm xã hội tỉnh" in message and "\n" not in message
    assert _by_row(store, sid)[3] == lone and _by_row(store, sid)[1]["status"] == "ok"  # nothing written
    # what the message offers: merge the group where the petition goes, and the answer goes with it
    store.merge_groups(lone["group_id"], housing)
    assert next(g for g in store.groups(sid) if g["group_id"] == housing)["answer"]["agency"] == "Bảo hiểm xã hội tỉnh"
    # a cleared answer lets the group empty; an answer is never saved on a group without petitions
    store.set_answer(housing, status="unanswered")
    store.update_petitions([(p["id"], None) for p in store.petitions(sid, category="housing")[0]], category="other")
    with pytest.raises(NotFound):
        store.set_answer(housing, agency="Sở Xây dựng", answer="Đang xây.", status="answered")


def test_answers_of_groups_emptied_before_the_rule_are_listed_and_can_be_merged_back(filled):
    store, sid = filled
    rows = _by_row(store, sid)
    store.set_answer(rows[3]["group_id"], agency="Bảo hiểm xã hội tỉnh", answer="Đã truy đóng.", status="answered")
    with store.write() as conn:  # a workspace written by an earlier version: the group was emptied
        conn.execute("UPDATE petitions SET group_id = ? WHERE id = ?", (rows[1]["group_id"], rows[3]["id"]))
    lost = store.answers_without_petitions(sid)
    assert [(a["group_id"], a["agency"]) for a in lost] == [(rows[3]["group_id"], "Bảo hiểm xã hội tỉnh")]
    store.merge_groups(rows[3]["group_id"], rows[1]["group_id"])
    assert store.answers_without_petitions(sid) == []


def test_a_petition_moved_into_an_answered_group_never_becomes_its_question(filled):
    from petition_nlp.store.workspace import qa_frame

    store, sid = filled
    rows = _by_row(store, sid)
    answered = rows[3]["group_id"]
    store.set_answer(answered, agency="Bảo hiểm xã hội tỉnh", answer="Đã truy đóng.", status="answered")
    assert store.choices(sid)["representatives"] == {str(answered): str(rows[3]["id"])}  # recorded when answered
    store.move_petition(rows[1]["id"], answered)  # row 1 comes first in the file
    assert qa_frame(store, sid)["Câu hỏi"].tolist() == [rows[3]["text"]]
    # an answer saved before this rule (no representative recorded): frozen before the newcomer joins
    with store.write() as conn:
        conn.execute("DELETE FROM shortlist_choices")
    store.move_petition(rows[1]["id"], rows[2]["group_id"])
    store.move_petition(rows[1]["id"], answered)
    assert qa_frame(store, sid)["Câu hỏi"].tolist() == [rows[3]["text"]]


def test_an_answer_records_the_question_the_officers_page_showed(filled):
    store, sid = filled
    rows = _by_row(store, sid)
    housing = rows[1]["group_id"]  # rows 1 and 2
    store.set_answer(housing, agency="Sở Xây dựng", answer="Đang xây.", status="forwarded", representative=rows[2]["id"])
    assert store.choices(sid)["representatives"] == {str(housing): str(rows[2]["id"])}
    store.set_answer(rows[3]["group_id"], agency="Bảo hiểm xã hội tỉnh", answer="Đã truy đóng.", representative=rows[1]["id"])
    assert store.choices(sid)["representatives"][str(rows[3]["group_id"])] == str(rows[3]["id"])  # not a member: its own


def test_not_a_petition_has_no_topic_single_and_bulk(filled):
    store, sid = filled
    rows = _by_row(store, sid)
    one = store.update_petitions([(rows[1]["id"], None)], status="not_a_petition")[0]
    assert one["category"] == "" and one["group_id"] is None
    bulk = store.update_petitions([(rows[2]["id"], None), (rows[3]["id"], None)], status="not_a_petition")
    assert [p["category"] for p in bulk] == ["", ""]
    with pytest.raises(Invalid):  # a topic and "not a petition" at once contradict each other
        store.update_petitions([(rows[1]["id"], None)], category="security", status="not_a_petition")
    with store.write() as conn:  # a row written before the rule keeps a topic: still never listed under it
        conn.execute("UPDATE petitions SET category = 'security' WHERE id = ?", (rows[4]["id"],))
    assert store.petitions(sid, category="security")[1] == 0 and store.petitions(sid, category="housing")[1] == 0


def test_unmarking_a_line_needs_the_officers_topic(filled):
    store, sid = filled
    line = _by_row(store, sid)[4]  # "Cộng": marked not a petition
    with pytest.raises(Invalid) as refused:
        store.update_petitions([(line["id"], line["version"])], status="ok")
    assert "category" in str(refused.value)
    assert store.petition(line["id"]) == line and store.labels() == []
    out = store.update_petitions([(line["id"], line["version"])], status="ok", category="other")[0]
    assert (out["status"], out["category"], out["reviewed"]) == ("ok", "other", True)


def test_a_move_into_another_topic_is_an_officer_label(filled):
    store, sid = filled
    rows = _by_row(store, sid)
    moved = store.move_petition(rows[3]["id"], rows[1]["group_id"], officer="Mai")
    assert (moved["category"], moved["reviewed"], moved["needs_review"]) == ("housing", True, False)
    assert (rows[3]["text"], "housing") in store.labels()
    assert {(h["field"], h["new"], h["officer"]) for h in store.history(rows[3]["id"])} >= {("category", "housing", "Mai"), ("reviewed", "1", "Mai")}


def test_clearing_an_answer_releases_the_question_recorded_with_it_not_an_officers_choice(tmp_path):
    store = Store(tmp_path)
    first, _, housing, _ = _two_surveys(store)  # housing answered: its question recorded
    assert store.choices(first)["representatives"].get(str(housing))
    store.set_answer(housing, agency="", answer="", answered_on="", status="unanswered")
    assert str(housing) not in store.choices(first)["representatives"]  # the automatic pick applies again
    member = next(g for g in store.groups(first) if g["group_id"] == housing)["member_ids"][-1]
    store.set_choice(housing, action="representative", petition_id=member)  # an officer's choice stays
    store.set_answer(housing, agency="Sở Xây dựng", answer="Đang xây.", answered_on="2026-01-02", status="answered")
    store.set_answer(housing, agency="", answer="", answered_on="", status="unanswered")
    assert store.choices(first)["representatives"][str(housing)] == str(member)


def test_a_unit_cell_naming_several_units_is_found_under_each(tmp_path):
    """A merged summary's line raised by two unions is listed when filtering by either, and the
    unit filter offers each union once."""
    store = Store(tmp_path)
    sid = store.create_survey("s.csv", "s.csv")
    grouped = _grouped()
    grouped["unit"] = ["CĐCS Công ty A; CĐCS Công ty B", "CĐCS Công ty A", "CĐCS Công ty C", ""]
    store.fill_survey(sid, grouped, text_column="text", unit_column="unit")
    assert store.units(sid) == ["CĐCS Công ty A", "CĐCS Công ty B", "CĐCS Công ty C"]
    assert [p["row"] for p in store.petitions(sid, unit="CĐCS Công ty A")[0]] == [1, 2]
    assert [p["row"] for p in store.petitions(sid, unit="CĐCS Công ty B")[0]] == [1]
    assert store.petitions(sid, unit="CĐCS Công ty D")[1] == 0
    housing = next(g for g in store.groups(sid) if g["category"] == "housing")
    assert housing["units"] == ["CĐCS Công ty A", "CĐCS Công ty B"]
