"""End-to-end CLI tests on every input format, row preservation and the output contract."""

import json

import pandas as pd
import pytest

from conftest import FIXTURES, SAMPLE_XLSX, run_cli
from petition_nlp.files.io import read_table

HOSTILE = FIXTURES / "hostile"
ADDED = ["category", "category_name", "confidence", "second_category", "second_confidence", "needs_review", "status"]


@pytest.mark.parametrize(
    "name, text_column",
    [("utf8.csv", "noi_dung"), ("merged_header.xlsx", "Nội dung kiến nghị"), ("petitions.jsonl", "content"), ("petitions.txt", "text")],
)
def test_classify_each_format_keeps_every_row_in_order(tmp_path, name, text_column) -> None:
    source, _ = read_table(HOSTILE / name)
    out = tmp_path / "out.csv"
    result = run_cli("classify", HOSTILE / name, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"text column: '{text_column}'" in result.stderr
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(frame.columns) == list(source.columns) + ADDED
    assert frame[list(source.columns)].equals(source.astype(str).replace({"nan": ""}).fillna(""))
    assert "category" in result.stderr  # summary printed


def test_classify_known_petitions(tmp_path) -> None:
    out = tmp_path / "out.jsonl"
    assert run_cli("classify", HOSTILE / "utf8.csv", "-o", out).exit_code == 0
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["category"] for r in rows] == ["housing", "social_insurance", "skills_training", "security", "party_building"]
    assert all(0 <= r["confidence"] <= 1 for r in rows)


def test_classify_prints_a_table_without_output_file() -> None:
    result = run_cli("classify", HOSTILE / "petitions.txt")
    assert result.exit_code == 0
    assert "housing" in result.stdout and "confidence" in result.stdout


def test_unprocessable_rows_come_out_with_a_status(tmp_path) -> None:
    out = tmp_path / "out.csv"
    result = run_cli("classify", HOSTILE / "bad_rows.csv", "-o", out)
    assert result.exit_code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert len(frame) == 9
    assert frame["status"].tolist() == ["ok", "ok", "empty", "no_letters", "too_long", "empty", "ok", "ok", "ok"]
    bad = frame[frame["status"] != "ok"]
    assert (bad["category"] == "").all() and (bad["needs_review"] == "True").all()
    # summaries count petitions, not lines: the 2 empty rows are counted apart
    assert "total 7 petitions (9 rows: 2 empty)" in result.stderr and "2 could not be processed" in result.stderr


def test_explicit_text_column_and_unknown_column(tmp_path) -> None:
    assert run_cli("classify", HOSTILE / "utf8.csv", "--text-column", "noi_dung").exit_code == 0
    result = run_cli("classify", HOSTILE / "utf8.csv", "--text-column", "nope")
    assert result.exit_code == 2
    assert "no column 'nope'" in result.stderr and "noi_dung" in result.stderr


def test_output_equal_to_input_is_refused(tmp_path) -> None:
    copy = tmp_path / "in.csv"
    copy.write_bytes((HOSTILE / "utf8.csv").read_bytes())
    result = run_cli("classify", copy, "-o", copy)
    assert result.exit_code == 2 and "--overwrite" in result.stderr
    assert copy.read_bytes() == (HOSTILE / "utf8.csv").read_bytes()
    assert run_cli("classify", copy, "-o", copy, "--overwrite").exit_code == 0


def test_evaluate_json(tmp_path) -> None:
    labelled = tmp_path / "gold.csv"
    pd.DataFrame(
        {
            "text": ["Đề nghị xây nhà ở xã hội cho công nhân", "Công ty nợ BHXH 6 tháng chưa đóng", "Khu trọ hay mất trộm xe máy"],
            "label": ["housing", "social_insurance", "security"],
        }
    ).to_csv(labelled, index=False)
    result = run_cli("evaluate", labelled, "--json")
    assert result.exit_code == 0
    metrics = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "weighted_f1", "per_class"} <= set(metrics)
    assert metrics["accuracy"] == 1.0


def test_evaluate_reads_only_the_sheet_asked_for(tmp_path) -> None:
    labelled = tmp_path / "gold.xlsx"
    with pd.ExcelWriter(labelled) as writer:
        pd.DataFrame({"text": ["Đề nghị xây nhà ở xã hội cho công nhân", "Khu trọ hay mất trộm xe máy"],
                      "label": ["housing", "security"]}).to_excel(writer, sheet_name="KCN A", index=False)
        pd.DataFrame({"text": ["Công ty nợ BHXH 6 tháng chưa đóng", "Công ty chậm đóng bảo hiểm xã hội cho công nhân",
                               "Doanh nghiệp nợ tiền bảo hiểm của người lao động",
                               "Đề nghị mở lớp học nghề hàn miễn phí", "Mong công đoàn tổ chức lớp tiếng Anh buổi tối",
                               "Hỗ trợ học phí cho công nhân học lái xe nâng"],
                      "label": ["social_insurance"] * 3 + ["skills_training"] * 3}).to_excel(
            writer, sheet_name="KCN B", index=False)
    both = json.loads(run_cli("evaluate", labelled, "--json").stdout)
    second = run_cli("evaluate", labelled, "--sheet", "KCN B", "--json")
    assert second.exit_code == 0
    assert (both["rows"], json.loads(second.stdout)["rows"]) == (8, 6)
    checked = run_cli("check-labels", labelled, "--sheet", "2", "--all", "-o", tmp_path / "check.csv")
    assert checked.exit_code == 0, checked.stderr
    assert len(pd.read_csv(tmp_path / "check.csv")) == 6
    wrong = run_cli("evaluate", labelled, "--sheet", "KCN C")
    assert wrong.exit_code != 0 and "no sheet 'KCN C'" in wrong.stderr and "Traceback" not in wrong.stderr


def test_every_command_has_help() -> None:
    for command in ["classify", "evaluate", "train", "shortlist", "suggest", "check-labels", "report", "rollback"]:
        result = run_cli(command, "--help")
        assert result.exit_code == 0 and "Usage" in result.stdout


@pytest.mark.skipif(not SAMPLE_XLSX.exists(), reason="sample survey not built")
def test_sample_survey_classifies(tmp_path) -> None:
    result = run_cli("classify", SAMPLE_XLSX, "-o", tmp_path / "s.csv")
    assert result.exit_code == 0
    frame = pd.read_csv(tmp_path / "s.csv", encoding="utf-8-sig")
    assert len(frame) == 145 and frame["category"].nunique() >= 5


def test_cli_start_up_turns_the_garbage_collector_back_on_before_the_work(monkeypatch) -> None:
    # main() switches the cyclic GC off while it imports; a long command must not run without it
    import gc

    from petition_nlp import cli

    seen = []

    def command() -> None:  # stands for any command: imports first, then its work under _handled
        seen.append(gc.isenabled())
        with cli._handled():
            seen.append(gc.isenabled())

    monkeypatch.setattr(cli, "app", command)
    try:
        cli.main()
    finally:
        gc.unfreeze()
        gc.enable()
    assert seen == [False, True]


def test_report_refuses_a_name_that_is_not_html_and_keeps_the_file(tmp_path) -> None:
    """`report -o result.xlsx` would replace an officer's workbook with a web page: refused, file intact."""
    workbook = tmp_path / "corrected.xlsx"
    workbook.write_bytes(b"officer's corrected workbook")
    result = run_cli("report", SAMPLE_XLSX, "-n", "5", "-o", workbook)
    assert result.exit_code == 2 and "ending in .html" in result.output and "Traceback" not in result.output
    assert workbook.read_bytes() == b"officer's corrected workbook"


def test_shortlist_refuses_one_file_for_both_outputs(tmp_path) -> None:
    same = tmp_path / "same.csv"
    result = run_cli("shortlist", SAMPLE_XLSX, "-n", "3", "-o", same, "--groups-output", same)
    assert result.exit_code == 2 and "same file" in result.output and not same.exists()


def test_a_date_column_is_never_taken_for_the_labels(tmp_path) -> None:
    """'Ngày nhận' (date received) holds the word 'nhận' (nhãn, label, without diacritics) but no codes:
    evaluate and train say that no label column was found instead of scoring dates as topics."""
    path = tmp_path / "dated.csv"
    rows = ["STT,Nội dung kiến nghị,Ngày nhận"] + [
        f"{i},Đề nghị công ty tăng tiền ăn ca cho công nhân số {i},0{i % 4 + 1}/10/2026" for i in range(1, 13)
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for command in (["evaluate", path], ["train", path, "--only", "--output", tmp_path / "m"]):
        result = run_cli(*command)
        assert result.exit_code == 2 and "label column" in result.output and "01/10/2026" not in result.output


def test_a_code_with_two_rows_is_a_clear_error_not_a_library_message(tmp_path) -> None:
    rows = ["text,label"] + [f"Đề nghị xây nhà ở xã hội cho công nhân đợt {i},housing" for i in range(6)] + [
        f"Công ty nợ đóng bảo hiểm xã hội tháng {i},social_insurance" for i in range(6)
    ] + ["Đề nghị tăng lương cơ bản cho công nhân,wages", "Lương thấp quá không đủ sống,wages"]
    path = tmp_path / "few.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for command in (["train", path, "--only", "--output", tmp_path / "m"], ["check-labels", path]):
        result = run_cli(*command)
        assert result.exit_code == 2, result.output
        assert "at least 3 labelled rows" in result.output and "wages (2)" in result.output
        assert "cross-validation but provided" not in result.output


def test_shortlist_counts_lines_that_are_not_petitions_apart(tmp_path) -> None:
    """Titles, totals and empty rows are not rows that 'could not be processed'."""
    path = tmp_path / "s.csv"
    lines = ["STT,Nội dung kiến nghị", "1,Đề nghị công ty tăng tiền ăn ca cho công nhân làm ca đêm",
             "2,Đề nghị xây nhà ở xã hội cho công nhân thuê gần khu công nghiệp", "3,", "4,Tổng cộng: 2 ý kiến"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("shortlist", path, "-n", "2")
    assert result.exit_code == 0, result.output
    assert "from 2 petitions (4 rows: 1 not petitions, 1 empty)" in result.output
    assert "could not be processed" not in result.output


def test_labels_written_as_names_or_in_capitals_are_codes_and_blank_ones_are_counted(tmp_path) -> None:
    """A labelled file an officer typed: 'Nhà ở', 'HOUSING', 'An ninh' are the codes they name; a row
    without a label is left out with a note, not silently."""
    rows = ["Nội dung kiến nghị,Lĩnh vực",
            "Đề nghị xây nhà ở xã hội cho công nhân thuê gần khu công nghiệp,Nhà ở",
            "Tiền thuê phòng trọ tăng liên tục đề nghị có biện pháp bình ổn,HOUSING",
            "Khu trọ hay bị mất trộm xe máy đề nghị công an tăng cường tuần tra,An ninh",
            "Công ty nợ đóng bảo hiểm xã hội nhiều tháng chưa chốt sổ,Bảo hiểm xã hội",
            "Đề nghị mở lớp học nghề điện công nghiệp buổi tối cho công nhân,"]
    path = tmp_path / "gold.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("evaluate", path, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(metrics["per_class"]) <= {"housing", "security", "social_insurance", "skills_training", "party_building", "other"}
    assert metrics["rows"] == 4 and metrics["left_out"]["no_text_or_label"] == 1
    assert run_cli("evaluate", path).output.count("1 without a text or a label") == 1


def test_exclude_refuses_an_unknown_code(tmp_path) -> None:
    result = run_cli("shortlist", SAMPLE_XLSX, "-n", "3", "--exclude", "houssing")
    assert result.exit_code == 2 and "unknown codes: houssing" in result.output


def test_short_topic_names_officers_write_are_the_codes_they_name(tmp_path) -> None:
    """'BHXH', 'ANTT', 'Khác', 'Nhà trọ', 'Học nghề', 'Đảng' in a label column are the known topics
    (``labels`` in taxonomy.json), not six new codes; a name nobody listed ('Tiền lương') is a new code."""
    from petition_nlp.model.training import load_labeled

    rows = ["Nội dung kiến nghị,Lĩnh vực",
            "Công ty nợ đóng bảo hiểm xã hội nhiều tháng chưa chốt sổ,BHXH",
            "Khu trọ hay bị mất trộm xe máy đề nghị công an tăng cường tuần tra,ANTT",
            "Năm nay công ty thưởng Tết quá thấp so với năm trước,Khác",
            "Tiền thuê phòng trọ tăng liên tục đề nghị có biện pháp bình ổn,Nhà trọ",
            "Đề nghị mở lớp học nghề điện công nghiệp buổi tối cho công nhân,Học nghề",
            "Xin tạo điều kiện cho công nhân ưu tú được kết nạp vào tổ chức,Đảng",
            "Đề nghị tăng lương tối thiểu vùng cho công nhân,Tiền lương"]
    path = tmp_path / "gold.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.warns(UserWarning, match="new category codes .*: Tiền lương$"):
        data = load_labeled([path])
    assert data.labels == ["social_insurance", "security", "other", "housing", "skills_training", "party_building", "Tiền lương"]
