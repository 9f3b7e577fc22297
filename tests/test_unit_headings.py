"""Reports that list their petitions unit by unit under a heading naming the unit (no unit column)."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import run_cli
from petition_nlp.files.io import iter_table, read_table
from petition_nlp.files.units import unit_heading, unit_in_brackets, unit_names

UNIT_A, UNIT_B = "CĐCS Công ty TNHH May Hòa Bình", "CĐCS Công ty CP Điện tử Sao Mai"
OWED = ["Đề nghị công ty đóng BHXH đầy đủ cho công nhân, không để nợ nhiều tháng.",
        "Công ty nợ tiền bảo hiểm xã hội sáu tháng, đề nghị cơ quan BHXH thanh tra."]
MEAL = "Đề nghị tăng tiền ăn ca lên 30.000 đồng một suất."
CLASS = "Xin mở lớp học nghề hàn buổi tối cho công nhân."


@pytest.mark.parametrize("line, unit", [
    ("1. CĐCS Công ty TNHH May Hòa Bình:", "CĐCS Công ty TNHH May Hòa Bình"),
    ("CĐCS Công ty CP Điện tử Sao Mai", "CĐCS Công ty CP Điện tử Sao Mai"),
    ("II - Công ty TNHH Hanwoo Vina (KCN Yên Bình):", "Công ty TNHH Hanwoo Vina (KCN Yên Bình)"),
    ("a) Công đoàn Trường THPT Lê Lợi", "Công đoàn Trường THPT Lê Lợi"),
    ("cdcs cty may Viet Tien:", "cdcs cty may Viet Tien"),
    ("Công ty nợ BHXH 6 tháng", None),  # a petition about a firm, not a heading
    ("Công ty TNHH ABC:", "Công ty TNHH ABC"),
    ("Cty em nợ lương 2 tháng:", None),
    ("Công đoàn cơ sở chưa quan tâm đến công nhân", None),
    ("Công ty có được trả lương ngày lễ không?", None),
    ("II. LĨNH VỰC BẢO HIỂM", None),
    ("Đề nghị CĐCS Công ty A đối thoại với công nhân", None),
])
def test_a_heading_names_a_unit_and_asks_for_nothing(line, unit) -> None:
    assert unit_heading(line) == unit


def _word_report(path) -> None:
    import docx

    doc = docx.Document()
    doc.add_paragraph("TỔNG HỢP KIẾN NGHỊ CỦA CÁC CĐCS")
    doc.add_paragraph(f"1. {UNIT_A}:")
    doc.add_paragraph(f"- {OWED[0]}")
    doc.add_paragraph(f"- {MEAL}")
    doc.add_paragraph(f"2. {UNIT_B}:")
    doc.add_paragraph(f"- {CLASS}")
    doc.add_paragraph(f"- {OWED[1]}")
    doc.save(path)


def test_a_word_report_listed_unit_by_unit_counts_units(tmp_path) -> None:
    _word_report(tmp_path / "units.docx")
    frame, info = read_table(tmp_path / "units.docx")
    assert frame["text"].tolist() == [f"{UNIT_A}:", OWED[0], MEAL, f"{UNIT_B}:", CLASS, OWED[1]]
    assert frame["Đơn vị"].tolist() == [UNIT_A] * 3 + [UNIT_B] * 3
    assert info.unit_column == "Đơn vị"
    assert any("2 unit headings" in note for note in info.notes)
    out = tmp_path / "shortlist.csv"
    result = run_cli("shortlist", tmp_path / "units.docx", "-n", "3", "-o", out)
    assert result.exit_code == 0, result.output
    shortlist = pd.read_csv(out, dtype=str, keep_default_na=False)
    owed = shortlist[shortlist["category"] == "social_insurance"].iloc[0]
    assert (owed["represents"], owed["unit_count"]) == ("2", "2")  # one issue, raised by both units
    assert set(owed["units"].split("; ")) == {UNIT_A, UNIT_B}


def test_section_rows_of_a_sheet_name_the_units_and_each_sheet_starts_afresh(tmp_path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "KCN Yên Bình"
    first.append(["STT", "Nội dung kiến nghị"])
    first.append([f"I. {UNIT_A}", None])
    first.merge_cells("A2:B2")
    first.append([1, OWED[0]])
    first.append([f"II. {UNIT_B}", None])  # not merged: the heading is in the STT column only
    first.append([1, CLASS])
    second = book.create_sheet("KCN Điềm Thụy")
    second.append(["STT", "Nội dung kiến nghị"])
    second.append([1, MEAL])  # above any heading of this sheet: no unit
    second.append(["I. CĐCS Công ty TNHH Dệt Hoàng Sơn", None])
    second.append([1, OWED[1]])
    second.append(["II. CĐCS Công ty CP Phú Bình", None])
    second.append([1, CLASS])
    book.save(tmp_path / "zones.xlsx")
    frame, _ = read_table(tmp_path / "zones.xlsx")
    petitions = frame[frame["STT"] == "1"]
    assert petitions["Đơn vị"].tolist() == [UNIT_A, UNIT_B, "", "CĐCS Công ty TNHH Dệt Hoàng Sơn", "CĐCS Công ty CP Phú Bình"]


def test_a_csv_carries_its_unit_across_chunks(tmp_path) -> None:
    rows = ["STT,Nội dung kiến nghị", f'"",{UNIT_A}:']
    rows += [f'{k},"{OWED[0]} ({k})"' for k in range(1, 6)]
    rows += [f'"",{UNIT_B}:']
    rows += [f'{k},"{CLASS} ({k})"' for k in range(1, 6)]
    path = tmp_path / "units.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    info, chunks = iter_table(path, chunk_rows=3)
    frame = pd.concat(list(chunks), ignore_index=True)
    assert frame["Đơn vị"].tolist() == [UNIT_A] * 6 + [UNIT_B] * 6
    assert info.unit_column == "Đơn vị"


def test_a_table_with_a_unit_column_is_left_alone(tmp_path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(
        f"Đơn vị,Nội dung kiến nghị\nCĐCS A,{UNIT_A}:\nCĐCS A,\"{OWED[0]}\"\nCĐCS B,{UNIT_B}:\nCĐCS B,{CLASS}\n", encoding="utf-8"
    )
    frame, info = read_table(path)
    assert frame["Đơn vị"].tolist() == ["CĐCS A", "CĐCS A", "CĐCS B", "CĐCS B"]
    assert "Đơn vị (tiêu đề)" not in frame.columns and not any("unit headings" in n for n in info.notes)


def test_one_heading_is_not_enough(tmp_path) -> None:
    path = tmp_path / "one.txt"
    path.write_text(f"{UNIT_A}:\n{OWED[0]}\n{MEAL}\n", encoding="utf-8")
    frame, info = read_table(path)
    assert list(frame.columns) == ["text", "source_row"] and info.unit_column is None


def test_an_empty_unit_column_of_a_template_gives_way_to_the_headings(tmp_path) -> None:
    path = tmp_path / "template.csv"
    path.write_text(f"STT,Đơn vị,Nội dung kiến nghị\n,,{UNIT_A}:\n1,,\"{OWED[0]}\"\n,,{UNIT_B}:\n1,,{CLASS}\n", encoding="utf-8")
    frame, info = read_table(path)
    assert info.unit_column == "Đơn vị (tiêu đề)"
    assert frame["Đơn vị (tiêu đề)"].tolist() == [UNIT_A, UNIT_A, UNIT_B, UNIT_B]


def test_a_table_without_a_header_finds_its_unit_column_by_its_values(tmp_path) -> None:
    units = [UNIT_A, UNIT_B, "Công ty TNHH Dệt Hoàng Sơn", UNIT_A]
    texts = [OWED[0], MEAL, CLASS, OWED[1]]
    path = tmp_path / "list.csv"
    path.write_text("".join(f'{u},"{t}"\n' for u, t in zip(units, texts)), encoding="utf-8")
    frame, info = read_table(path)
    assert info.text_column == "column_2" and info.unit_column == "column_1"
    dates = tmp_path / "dated.csv"  # a first column of dates names no unit
    dates.write_text("".join(f'0{k}/03/2026,"{t}"\n' for k, t in enumerate(texts, start=1)), encoding="utf-8")
    assert read_table(dates)[1].unit_column is None


@pytest.mark.parametrize("text, unit", [
    (f"{OWED[0]} (CĐCS Công ty TNHH A)", "CĐCS Công ty TNHH A"),
    (f"{OWED[0]} (Ý kiến của CĐCS Công ty B).", "CĐCS Công ty B"),
    (f"{MEAL} (Công ty TNHH Hanwoo Vina)", "Công ty TNHH Hanwoo Vina"),
    (f"{MEAL} (Đơn vị: Công đoàn Trường THPT Lê Lợi)", "Công đoàn Trường THPT Lê Lợi"),
    ("Đề nghị khởi công nhà ở xã hội (KCN Yên Phong)", None),  # a place explained, not who raised it
    ("Công ty chậm đóng BHXH (bảo hiểm xã hội) nhiều tháng", None),
    ("Có được đòi công ty thực hiện thỏa ước không? (Công đoàn viên Lý Thị Hoa)", None),  # a person
    ("(CĐCS Công ty A)", None),  # nothing before the brackets
    ("Công ty nợ lương (công ty đề nghị gia hạn) nhiều tháng", None),
])
def test_a_unit_in_brackets_at_the_end_of_a_petition(text, unit) -> None:
    assert unit_in_brackets(text) == unit


def test_a_report_naming_each_petitions_unit_in_brackets_counts_units(tmp_path) -> None:
    """"1. … (CĐCS Công ty A)": the unit that raised each petition, at its end; without a unit
    column, that is the unit, so one issue raised by two units reads "2 units"."""
    import docx

    doc = docx.Document()
    doc.add_paragraph("TỔNG HỢP KIẾN NGHỊ")
    doc.add_paragraph("I. Về bảo hiểm xã hội")
    doc.add_paragraph(f"1. {OWED[0]} ({UNIT_A})")
    doc.add_paragraph(f"2. {OWED[1]} (Ý kiến của {UNIT_B})")
    doc.add_paragraph("II. Về đời sống")
    doc.add_paragraph(f"1. {MEAL} ({UNIT_A})")
    doc.add_paragraph(f"2. {CLASS}")
    doc.save(tmp_path / "report.docx")
    frame, info = read_table(tmp_path / "report.docx")
    assert frame["Đơn vị"].tolist() == [UNIT_A, UNIT_B, UNIT_A, ""]
    assert frame["text"].tolist()[0] == f"{OWED[0]} ({UNIT_A})"  # the petition's text is left whole
    assert info.unit_column == "Đơn vị"
    assert any(n.startswith("no unit column, but 3 rows end with the unit that raised them, in brackets") for n in info.notes)
    out = tmp_path / "shortlist.csv"
    assert run_cli("shortlist", tmp_path / "report.docx", "-n", "3", "-o", out).exit_code == 0
    owed = pd.read_csv(out, dtype=str, keep_default_na=False).query("category == 'social_insurance'").iloc[0]
    assert (owed["represents"], owed["unit_count"]) == ("2", "2")


@pytest.mark.parametrize("cell, units", [
    ("CĐCS Công ty A", ["CĐCS Công ty A"]),
    ("CĐCS Công ty A; CĐCS Công ty B", ["CĐCS Công ty A", "CĐCS Công ty B"]),
    ("CĐCS Công ty A, CĐCS Công ty B và Công ty C", ["CĐCS Công ty A", "CĐCS Công ty B", "Công ty C"]),
    ("CĐCS các công ty: May Việt, Điện tử Sao Mai", ["May Việt", "Điện tử Sao Mai"]),
    ("CĐCS Công ty A\nCĐCS Công ty A", ["CĐCS Công ty A"]),  # named twice: one unit
    ("Công ty TNHH May 10, chi nhánh Hà Nam", ["Công ty TNHH May 10, chi nhánh Hà Nam"]),  # one unit with a comma
    ("Công ty TNHH Xây dựng và Thương mại ABC", ["Công ty TNHH Xây dựng và Thương mại ABC"]),
    ("", []),
    (None, []),
])
def test_a_unit_cell_of_a_merged_summary_names_each_unit(cell, units) -> None:
    assert unit_names(cell) == units


def test_a_petition_raised_by_several_units_counts_each_of_them(tmp_path) -> None:
    """A district's summary merges the same petition from several unions into one line; the
    support read out ("nêu bởi 3 đơn vị") counts the units named, not the lines."""
    from petition_nlp.reports.summary import unit_summary

    path = tmp_path / "tong-hop.csv"
    pd.DataFrame({
        "Đơn vị": [f"{UNIT_A}; {UNIT_B}", "CĐCS Công ty C", "", UNIT_A],
        "Nội dung kiến nghị": [OWED[0], OWED[1], MEAL, CLASS],
    }).to_csv(path, index=False)
    out = tmp_path / "shortlist.csv"
    printed = run_cli("shortlist", path, "-n", "3", "-o", out, "--print")
    assert printed.exit_code == 0 and "(2 kiến nghị, 3 đơn vị)" in printed.stdout
    assert "unit_count" in run_cli("shortlist", path, "-n", "3").stdout  # the terminal's table shows it too
    owed = pd.read_csv(out, dtype=str, keep_default_na=False).query("category == 'social_insurance'").iloc[0]
    assert (owed["represents"], owed["unit_count"]) == ("2", "3")
    assert owed["units"].split("; ") == [UNIT_A, UNIT_B, "CĐCS Công ty C"]
    frame, _ = read_table(path)
    frame["category"] = ["social_insurance", "social_insurance", "other", "skills_training"]
    frame["status"] = "ok"
    table = unit_summary(frame, "Đơn vị")
    assert table.loc[UNIT_A, "total"] == 2 and table.loc[UNIT_B, "total"] == 1 and table.loc["(không ghi đơn vị)", "total"] == 1


def test_a_lone_heading_is_not_trusted_beside_units_in_brackets(tmp_path) -> None:
    path = tmp_path / "mixed.txt"
    path.write_text(f"{UNIT_A}:\n{OWED[0]} (CĐCS Công ty C)\n{OWED[1]} (CĐCS Công ty D)\n{MEAL}\n", encoding="utf-8")
    frame, info = read_table(path)
    assert frame["Đơn vị"].tolist() == ["", "CĐCS Công ty C", "CĐCS Công ty D", ""]
    assert not any("unit headings" in n for n in info.notes)


def test_the_civil_servants_union_is_a_unit_and_a_union_member_is_not() -> None:
    assert unit_heading("CÔNG ĐOÀN VIÊN CHỨC TỈNH THÁI NGUYÊN") == "CÔNG ĐOÀN VIÊN CHỨC TỈNH THÁI NGUYÊN"
    assert unit_in_brackets(f"{MEAL} (Công đoàn Viên chức tỉnh Lạng Sơn)") == "Công đoàn Viên chức tỉnh Lạng Sơn"
    assert unit_in_brackets(f"{MEAL} (Công đoàn viên Nguyễn Văn An)") is None


@pytest.mark.parametrize("a, b, same", [
    ("CĐCS Công ty TNHH May Việt", "Cty TNHH May Việt", True),
    ("Công ty May Việt", "May Việt", True),  # as listed after "CĐCS các công ty:"
    ("Công đoàn cơ sở Công ty CP Điện tử Sao Mai", "CĐCS Cty CP Điện tử Sao Mai", True),
    ("BCH Công đoàn Công ty TNHH MTV Nhựa An Phát", "Công ty Nhựa An Phát", True),
    ("Công đoàn Trường THPT Lê Lợi", "Trường THPT Lê Lợi", True),
    ("Công ty May Việt", "Công ty May Việt Tiến", False),
    ("Nhà máy May 10", "Công ty May 10", False),
])
def test_one_unit_spelled_two_ways_is_one_unit(a, b, same) -> None:
    from petition_nlp.files.units import unit_key

    assert (unit_key(a) == unit_key(b)) == same


def test_support_counts_a_unit_once_however_the_reports_spell_it(tmp_path) -> None:
    """Three reports name the same union three ways; "raised by N units" must not count it thrice."""
    from petition_nlp.files.units import distinct_units
    from petition_nlp.store import Store

    cells = ["CĐCS Công ty TNHH May Việt", "Cty TNHH May Việt", "CĐCS các công ty: May Việt, Điện tử Sao Mai"]
    assert distinct_units(cells) == ["CĐCS Công ty TNHH May Việt", "Điện tử Sao Mai"]
    store = Store(tmp_path)
    sid = store.create_survey("s.csv", "s.csv")
    store.fill_survey(sid, pd.DataFrame({
        "text": OWED + [MEAL], "unit": cells, "category": ["social_insurance"] * 3, "confidence": [0.9] * 3,
        "second_category": [""] * 3, "needs_review": [False] * 3, "status": ["ok"] * 3, "group_id": ["si-1"] * 3, "issue": [""] * 3,
    }), text_column="text", unit_column="unit")
    assert store.groups(sid)[0]["units"] == ["CĐCS Công ty TNHH May Việt", "Điện tử Sao Mai"]
    assert store.units(sid) == ["CĐCS Công ty TNHH May Việt", "Điện tử Sao Mai"]
    assert store.petitions(sid, unit="Công ty May Việt")[1] == 3  # any spelling finds every row naming it


def test_a_unit_column_named_otherwise_is_found_by_its_values(tmp_path) -> None:
    """'Công đoàn', 'Nơi gửi': not a name the reader knows, but every value names a union."""
    path = tmp_path / "cd.csv"
    path.write_text(
        "STT,Nơi gửi,Nội dung kiến nghị\n1,CĐCS Công ty A,Đề nghị tăng lương\n2,CĐCS Công ty B,Công ty nợ BHXH\n"
        "3,Công đoàn Trường THPT Lê Lợi,Đề nghị xây nhà công vụ\n4,CĐCS Cty C,Đề nghị lắp đèn đường\n", encoding="utf-8",
    )
    _, info = read_table(path)
    assert info.unit_column == "Nơi gửi" and "unit column: 'Nơi gửi'" in info.notes
