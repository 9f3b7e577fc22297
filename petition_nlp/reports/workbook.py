"""Formatted Excel workbooks for federation staff (Vietnamese headers, one sheet per category).

Sheets: ``Kiến nghị`` (all petitions, first so the file can be fed back to ``train``),
``Tổng hợp`` (count and share per category, and per unit when a unit column exists), then
one sheet per category. The code column keeps the machine codes (header ``Mã chủ đề``).

Every cell is data, never a formula: a petition typed as ``=HYPERLINK(...)`` or ``=1+2 ...``
is stored as a text cell and shown exactly as typed (see
:func:`petition_nlp.files.workbooks._text_only`). Blank cells (``NaN`` / ``None`` / ``pd.NA``) stay blank.
A column of whole numbers (``STT``) is written as numbers, anything else as read
(:func:`petition_nlp.files.workbooks._storable`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.files.io import detect_unit_column
from petition_nlp.files.validation import STATUS_NAMES
from petition_nlp.files.workbooks import _storable, _text_only
from petition_nlp.reports.summary import category_summary, unit_summary
from petition_nlp.resources import category_name

__all__ = ["write_workbook", "workbook_writer", "VIETNAMESE_HEADERS"]

VIETNAMESE_HEADERS = {
    "category": "Mã chủ đề",
    "category_name": "Chủ đề",
    "confidence": "Độ tin cậy",
    "second_category": "Chủ đề thứ hai", "second_confidence": "Độ tin cậy chủ đề thứ hai",
    "needs_review": "Cần xem lại",
    "status": "Trạng thái",
    "rank": "Thứ tự",
    "represents": "Số kiến nghị đại diện",
    "issue": "Vấn đề (theo danh mục)",
    "unit_count": "Số đơn vị nêu",
    "group_id": "Nhóm vấn đề",
    "member_ids": "Các kiến nghị trong nhóm",
    "units": "Các đơn vị nêu",
    "source_row": "Dòng gốc", "sheet": "Trang tính", "table": "Bảng", "paragraph": "Đoạn", "item": "Ý số",
    "reviewed": "Đã kiểm tra", "model_category": "Mã chủ đề của máy",
}
SHEET_ALL = "Kiến nghị"
SHEET_SUMMARY = "Tổng hợp"
REVIEW_FILL = "FFF2CC"


def _sheet_title(name: str, used: set[str]) -> str:
    title = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31] or "Sheet"
    base, n = title, 2
    while title in used:
        title = f"{base[:28]}_{n}"
        n += 1
    used.add(title)
    return title


def _format_sheet(ws: Any, frame: pd.DataFrame, review: pd.Series | None) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if ws.max_row >= 1 and ws.max_column >= 1:
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for j, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column))] + [len(_display(v)) for v in frame[column].head(500).tolist()])
        width = min(80, max(8, longest + 2))
        ws.column_dimensions[get_column_letter(j)].width = width
        if width >= 40:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    if review is not None:
        fill = PatternFill("solid", fgColor=REVIEW_FILL)
        for i, flag in enumerate(review.tolist(), start=2):
            if bool(flag):
                for cell in ws[i]:
                    cell.fill = fill


def _display(value: Any) -> str:
    """The text a cell shows: blank for a missing value (pandas 3 keeps NaN through ``astype(str)``)."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    return str(value)


def _vietnamese(frame: pd.DataFrame) -> pd.DataFrame:
    out = _storable(frame).copy()
    if "needs_review" in out:
        out["needs_review"] = out["needs_review"].map(lambda v: "có" if bool(v) else "không")
    if "status" in out:
        out["status"] = out["status"].map(lambda v: STATUS_NAMES.get(v, v))
    return out.rename(columns={k: v for k, v in VIETNAMESE_HEADERS.items() if k in out.columns})


def _review_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The classify workbook's review columns: ``Đã kiểm tra`` (blank, or ``x`` where the topic
    was already confirmed) after the topic name, for the officer to tick; ``Mã chủ đề của máy``
    (hidden, the model's code) last, so ``train`` can tell an officer's edit from the model's guess."""
    out = frame.copy()
    reviewed = out.pop("reviewed") if "reviewed" in out else pd.Series(False, index=out.index)
    model = out.pop("model_category") if "model_category" in out else out["category"]
    after = "category_name" if "category_name" in out else "category"
    out.insert(list(out.columns).index(after) + 1, "reviewed", ["x" if bool(v) is True else "" for v in reviewed.fillna(False)])
    out["model_category"] = model.to_numpy()
    return out


def _finish_review_columns(ws: Any) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    for cell in ws[1]:
        letter = get_column_letter(cell.column)
        if cell.value == VIETNAMESE_HEADERS["model_category"]:
            ws.column_dimensions[letter].hidden = True
        elif cell.value == VIETNAMESE_HEADERS["reviewed"] and ws.max_row > 1:
            check = DataValidation(type="list", formula1='"x"', allow_blank=True, showErrorMessage=False)
            check.prompt, check.promptTitle = "Gõ x khi đã kiểm tra chủ đề của dòng này", "Đã kiểm tra"
            check.add(f"{letter}2:{letter}{ws.max_row}")
            ws.add_data_validation(check)


def write_workbook(frame: pd.DataFrame, path: str | Path, *, kind: str = "classify") -> None:
    """Write ``frame`` (classify, shortlist or suggest output) as a formatted workbook at ``path``.

    Without a ``category`` column (``suggest``) only the first sheet is written. The classify
    workbook gets the review columns (:func:`_review_columns`).
    """
    used: set[str] = set()
    if kind == "classify" and "category" in frame.columns:
        frame = _review_columns(frame)
    review = frame["needs_review"] if "needs_review" in frame else None
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        main_title = _sheet_title("Danh sách câu hỏi" if kind == "shortlist" else SHEET_ALL, used)
        _vietnamese(frame).to_excel(writer, sheet_name=main_title, index=False)
        _format_sheet(writer.sheets[main_title], frame, review)
        _text_only(writer.sheets[main_title])
        _finish_review_columns(writer.sheets[main_title])
        if "category" not in frame.columns:  # e.g. `suggest`: petitions to label, no topics yet
            return

        summary = category_summary(frame)
        summary_vi = pd.DataFrame(
            {
                "Mã chủ đề": summary["category"],
                "Chủ đề": [category_name(c) if c else "(không phân loại được)" for c in summary["category"]],
                "Số kiến nghị": summary["count"],
                "Tỷ lệ": summary["share"].round(4),
            }
        )
        title = _sheet_title(SHEET_SUMMARY, used)
        _storable(summary_vi).to_excel(writer, sheet_name=title, index=False)
        ws = writer.sheets[title]
        for (cell,) in ws.iter_rows(min_row=2, min_col=4, max_col=4):
            cell.number_format = "0.0%"
        unit_col = detect_unit_column(frame)
        if unit_col is not None:
            units = unit_summary(frame, unit_col)
            units.columns = [category_name(c) if c not in ("total", "") else ("Tổng" if c == "total" else "(không phân loại)") for c in units.columns]
            units.index.name = "Đơn vị"
            start = len(summary_vi) + 3
            _storable(units.reset_index()).to_excel(writer, sheet_name=title, index=False, startrow=start)
            from openpyxl.styles import Font

            for cell in ws[start + 1]:
                cell.font = Font(bold=True)
        _format_sheet(ws, summary_vi, None)
        _text_only(ws)

        for code in summary["category"]:
            if not code:
                continue
            part = frame[frame["category"] == code]
            name = _sheet_title(category_name(code), used)
            _vietnamese(part).to_excel(writer, sheet_name=name, index=False)
            _format_sheet(writer.sheets[name], part, part["needs_review"] if "needs_review" in part else None)
            _text_only(writer.sheets[name])
            _finish_review_columns(writer.sheets[name])


def workbook_writer(kind: str) -> Callable[[pd.DataFrame, Path], None]:
    """A ``(frame, path)`` writer for :func:`petition_nlp.files.io.write_table`."""
    return lambda frame, path: write_workbook(frame, path, kind=kind)
