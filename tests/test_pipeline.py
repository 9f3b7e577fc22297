"""petition_nlp.pipeline: the one read -> classify -> group -> shortlist -> export path."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from petition_nlp import pipeline
from petition_nlp.files.io import InputError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw" / "sample_survey.xlsx"


@pytest.fixture(scope="module")
def grouped(default_model):
    frame, info, column = pipeline.load_survey(SAMPLE)
    classified = pipeline.classify_survey(frame, column, default_model)
    return pipeline.group_survey(classified, column), column


def test_load_survey_returns_rows_info_and_column():
    frame, info, column = pipeline.load_survey(SAMPLE)
    assert len(frame) == 145 and column == "Nội dung kiến nghị" and info.unit_column == "Đơn vị"
    with pytest.raises(InputError):
        pipeline.load_survey(SAMPLE.with_name("missing.xlsx"))


def test_group_survey_keeps_every_row_in_order(grouped):
    groups, column = grouped
    frame, _, _ = pipeline.load_survey(SAMPLE)
    assert groups[column].tolist() == frame[column].tolist()
    ok = groups["status"] == "ok"
    assert (groups.loc[ok, "group_id"] != "").all()
    # a group never spans two topics
    assert groups[ok].groupby("group_id")["category"].nunique().max() == 1


def test_shortlist_honours_pins_drops_and_representatives(grouped):
    groups, column = grouped
    groups = groups.assign(petition_id=[str(i + 1) for i in range(len(groups))])
    plain = pipeline.shortlist_survey(groups, column, n=10, id_column="petition_id")
    assert len(plain) == 10 and plain["rank"].tolist() == list(range(1, 11))
    top = plain["group_id"].iloc[0]
    singles = groups[groups["status"] == "ok"].groupby("group_id").size()
    lonely = singles[singles == 1].index[0]
    member_of_top = groups.loc[(groups["group_id"] == top) & (groups["petition_id"] != plain["petition_id"].iloc[0]), "petition_id"].iloc[0]
    edited = pipeline.shortlist_survey(
        groups, column, n=10, id_column="petition_id", pinned=[lonely], dropped=[plain["group_id"].iloc[1]],
        representatives={top: member_of_top},
    )
    assert len(edited) == 10
    assert lonely in edited["group_id"].tolist() and bool(edited.loc[edited["group_id"] == lonely, "pinned"].iloc[0])
    assert plain["group_id"].iloc[1] not in edited["group_id"].tolist()
    row = edited[edited["group_id"] == top].iloc[0]
    assert row["petition_id"] == member_of_top
    assert row[column] == groups.loc[groups["petition_id"] == member_of_top, column].iloc[0]


def test_exports_use_the_cli_writers(grouped, tmp_path):
    groups, column = grouped
    chosen = pipeline.shortlist_survey(groups, column, n=5)
    book = pipeline.export_workbook(groups, tmp_path / "out.xlsx")
    sheets = load_workbook(book, read_only=True).sheetnames
    assert sheets[0] == "Kiến nghị" and "Tổng hợp" in sheets
    report = pipeline.export_report(groups, chosen, column, tmp_path / "r.html", title_source="sample")
    text = report.read_text(encoding="utf-8")
    # the report shows exactly the given shortlist (not one it made itself)
    for question in chosen[column]:
        assert question.replace("&", "&amp;")[:40] in text
    assert "câu hỏi được chọn" in text
    with pytest.raises(InputError):
        pipeline.export_workbook(groups, tmp_path / "missing-dir" / "x.xlsx")


def test_grouping_vectors_are_unit_rows_with_zeros_for_unusable():
    vec = pipeline.grouping_vectors(["Đề nghị xây nhà ở xã hội cho công nhân", "", "Nhà ở xã hội cho công nhân thuê"], [True, False, True])
    norms = (vec.multiply(vec)).sum(axis=1).A.ravel()
    assert norms[1] == 0 and abs(norms[0] - 1) < 1e-6 and abs(norms[2] - 1) < 1e-6
    assert (vec[0] @ vec[2].T).toarray()[0, 0] > 0.2
