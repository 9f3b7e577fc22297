"""Self-contained HTML session report in Vietnamese (inline SVG charts, no internet needed)."""

from __future__ import annotations

import html
import io as _io
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from petition_nlp.files.io import atomic_output, detect_unit_column
from petition_nlp.grouping.shortlist import group_and_select
from petition_nlp.reports.summary import NOT_PETITION_STATUSES, category_summary, unit_summary
from petition_nlp.resources import category_name, load_stopwords

__all__ = ["build_report", "render_report", "write_html", "characteristic_words", "category_chart_svg"]

_CSS = """
body{font-family:"DejaVu Sans",Arial,sans-serif;margin:2rem auto;max-width:1100px;color:#1f2933;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #d9e2ec;padding-bottom:.3rem}
.muted{color:#52606d}.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{background:#f0f4f8;border-radius:8px;padding:.8rem 1.2rem;min-width:150px}
.card b{display:block;font-size:1.6rem}table{border-collapse:collapse;width:100%;font-size:.92rem;margin:.5rem 0}
th,td{border:1px solid #d9e2ec;padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#e4e7eb}
tr.review td{background:#fff8e1}.num{text-align:right}.chart svg{max-width:100%;height:auto}
.tag{display:inline-block;background:#e3f2fd;border-radius:4px;padding:0 .35rem;margin:.1rem;font-size:.85rem}
"""


def characteristic_words(frame: pd.DataFrame, text_column: str, *, top: int = 8) -> dict[str, list[str]]:
    """Words most typical of each category in this survey (smoothed log-odds vs the rest)."""
    from sklearn.feature_extraction.text import CountVectorizer

    from petition_nlp.model.features import preprocess
    from petition_nlp.text.normalize import strip_diacritics

    rows = frame[frame["category"].fillna("") != ""]
    if rows.empty:
        return {}
    views = preprocess(rows[text_column].astype(str).tolist())
    stop = load_stopwords()
    vec = CountVectorizer(
        analyzer=lambda s: [w for w in s.split() if strip_diacritics(w) not in stop and any(c.isalpha() for c in w) and len(w) > 1]
    )
    try:
        counts = vec.fit_transform(views["seg"])
    except ValueError:
        return {}
    vocab = np.asarray(vec.get_feature_names_out())
    cats = rows["category"].to_numpy()
    total = np.asarray(counts.sum(axis=0)).ravel() + 1.0
    words: dict[str, list[str]] = {}
    for code in pd.unique(cats):
        inside = np.asarray(counts[cats == code].sum(axis=0)).ravel() + 0.5
        outside = total - inside + 1.0
        score = np.log(inside / inside.sum()) - np.log(outside / outside.sum())
        score[inside < 1.5] = -np.inf  # seen at least once in the category
        best = np.argsort(-score, kind="stable")[:top]
        words[code] = [vocab[i].replace("_", " ") for i in best if np.isfinite(score[i])]
    return words


def category_chart_svg(summary: pd.DataFrame) -> str:
    """Horizontal bar chart of petitions per category, as inline SVG markup."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = summary[summary["category"] != ""].iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 0.5 * max(3, len(data)) + 0.8))
    bars = ax.barh([category_name(c) for c in data["category"]], data["count"], color="#3e7cb1")
    ax.bar_label(bars, labels=[f"{c} ({s:.0%})" for c, s in zip(data["count"], data["share"])], padding=3)
    ax.set_xlabel("Số kiến nghị")
    ax.set_title("Số kiến nghị theo chủ đề")
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_xlim(0, max(1, data["count"].max()) * 1.25)
    fig.tight_layout()
    buffer = _io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg[svg.index("<svg") :], flags=re.S)
    return svg


def _table(frame: pd.DataFrame, *, row_class: Iterable[str] | None = None, numeric: Iterable[str] = ()) -> str:
    numeric = set(numeric)
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    classes = list(row_class) if row_class is not None else [""] * len(frame)
    body = []
    for cls, (_, row) in zip(classes, frame.iterrows()):
        cells = "".join(
            f'<td class="num">{html.escape(str(v))}</td>' if c in numeric else f"<td>{html.escape(str(v))}</td>"
            for c, v in row.items()
        )
        body.append(f'<tr class="{cls}">{cells}</tr>' if cls else f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def build_report(
    frame: pd.DataFrame,
    *,
    n: int = 15,
    text_column: str,
    quota: str | dict[str, int] = "proportional",
    exclude: Iterable[str] = (),
    model: Any = None,
    title_source: str = "",
) -> str:
    """Classify, shortlist and render the session report; returns the HTML document."""
    if model is None:
        from petition_nlp.model.modelstore import load_model

        model = load_model()
    classified = model.classify(frame, text_column=text_column)
    groups, chosen = group_and_select(
        classified, n, text_column=text_column, category_column="category", quota=quota, exclude=exclude
    )
    return render_report(groups, chosen, text_column=text_column, title_source=title_source)


def _left_out_line(rows: pd.DataFrame, lines: pd.Series) -> str:
    """A line saying how many rows of the file are not counted as petitions, and what they are
    (so the report's count never hides a row), or ``""`` when every row is a petition."""
    if not lines.any():
        return ""
    kinds = rows.loc[lines, "status"].map({"not_a_petition": "không phải kiến nghị (tiêu đề, ngày tháng, tổng cộng, chữ ký…)", "empty": "trống"})
    said = "; ".join(f"{n} dòng {kind}" for kind, n in kinds.value_counts().items())
    return f"<p class='muted' id='left-out'>Không tính là kiến nghị: {html.escape(said)} — {int(lines.sum())} trong {len(rows)} dòng của tệp.</p>"


def render_report(groups: pd.DataFrame, chosen: pd.DataFrame, *, text_column: str, title_source: str = "") -> str:
    """The session report for rows already classified and grouped (``groups``: every row with
    ``category``, ``needs_review``, ``status`` and ``group_id``) and a shortlist already chosen
    (``chosen``) — e.g. after an officer's edits in the workspace."""
    classified = groups
    summary = category_summary(classified)
    unit_col = detect_unit_column(classified, text_column=text_column)
    lines = classified["status"].isin(NOT_PETITION_STATUSES) if "status" in classified else pd.Series(False, index=classified.index)
    petitions = int((~lines).sum())  # rows that are not petitions (furniture, empty) are not counted
    review = classified[classified["needs_review"] & ~lines]
    words = characteristic_words(classified, text_column)

    parts = [
        "<!DOCTYPE html><html lang='vi'><head><meta charset='utf-8'>",
        "<title>Báo cáo tổng hợp kiến nghị</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Báo cáo tổng hợp kiến nghị của công nhân, người lao động</h1>",
        f"<p class='muted'>Nguồn: {html.escape(title_source)} · Lập lúc {datetime.now():%H:%M %d/%m/%Y} · petition-nlp</p>",
        "<div class='cards'>",
        f"<div class='card'><b>{petitions}</b>kiến nghị</div>",
        f"<div class='card'><b>{int((summary['category'] != '').sum())}</b>chủ đề</div>",
        f"<div class='card'><b>{groups.loc[groups['group_id'] != '', 'group_id'].nunique()}</b>nhóm vấn đề</div>",
        f"<div class='card'><b>{len(chosen)}</b>câu hỏi được chọn</div>",
        f"<div class='card'><b>{len(review)}</b>cần xem lại</div>",
        "</div>",
        _left_out_line(classified, lines),
        "<h2>Số kiến nghị theo chủ đề</h2>",
        f"<div class='chart' id='chart-categories'>{category_chart_svg(summary)}</div>",
        _table(
            pd.DataFrame(
                {
                    "Chủ đề": [category_name(c) if c else "(không phân loại được)" for c in summary["category"]],
                    "Mã": summary["category"],
                    "Số kiến nghị": summary["count"],
                    "Tỷ lệ": [f"{s:.1%}" for s in summary["share"]],
                }
            ),
            numeric=["Số kiến nghị", "Tỷ lệ"],
        ),
        f"<h2>Danh sách {len(chosen)} câu hỏi đề xuất cho buổi đối thoại</h2>",
    ]
    shortlist_view = pd.DataFrame(
        {
            "TT": chosen["rank"],
            "Chủ đề": chosen["category_name"],
            "Vấn đề": chosen["issue"] if "issue" in chosen else "",
            "Nội dung câu hỏi": chosen[text_column],
            "Số kiến nghị đại diện": chosen["represents"],
            "Số đơn vị nêu": chosen["unit_count"] if "unit_count" in chosen else "",
        }
    )
    if "units" in chosen:
        shortlist_view["Đơn vị nêu"] = chosen["units"].fillna("")
    else:  # no unit column in the input: say which rows, under their own name
        shortlist_view["Các kiến nghị trong nhóm (STT / dòng)"] = chosen["member_ids"].fillna("")
    parts.append(f"<div id='shortlist'>{_table(shortlist_view, numeric=['TT', 'Số kiến nghị đại diện', 'Số đơn vị nêu'])}</div>")
    if unit_col is not None:
        units = unit_summary(classified, unit_col)
        units.columns = [("Tổng" if c == "total" else category_name(c) if c else "(không phân loại)") for c in units.columns]
        units = units.reset_index().rename(columns={units.index.name or "index": "Đơn vị"})
        parts += ["<h2>Kiến nghị theo đơn vị</h2>", _table(units, numeric=[c for c in units.columns if c != "Đơn vị"])]
    parts.append("<h2>Từ ngữ đặc trưng của từng chủ đề</h2><table><thead><tr><th>Chủ đề</th><th>Từ ngữ</th></tr></thead><tbody>")
    for code in summary["category"]:
        if code in words:
            tags = "".join(f"<span class='tag'>{html.escape(w)}</span>" for w in words[code])
            parts.append(f"<tr><td>{html.escape(category_name(code))}</td><td>{tags}</td></tr>")
    parts.append("</tbody></table>")
    parts.append(f"<h2>Kiến nghị cần xem lại ({len(review)})</h2>")
    if len(review):
        reason = review["status"].map({"ok": "độ tin cậy thấp", "empty": "trống", "no_letters": "không có chữ", "too_long": "quá dài", "not_a_petition": "không phải kiến nghị"}).fillna(review["status"])
        where = {}
        if "sheet" in review:
            where["Trang tính"] = review["sheet"].fillna("").astype(str)
        if "source_row" in review:
            where["Dòng"] = review["source_row"].astype("string").fillna("")
        if unit_col is not None:
            where["Đơn vị"] = review[unit_col].fillna("").astype(str)
        view = pd.DataFrame(
            {
                **where,
                "Nội dung": review[text_column].fillna("").astype(str).str.slice(0, 400),
                "Chủ đề dự đoán": review["category_name"],
                "Độ tin cậy": review["confidence"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}"),
                "Chủ đề thứ hai": [category_name(c) if isinstance(c, str) and c else "" for c in review.get("second_category", pd.Series([""] * len(review), index=review.index))],
                "Lý do": reason,
            }
        )
        parts.append(f"<div id='review'>{_table(view, row_class=['review'] * len(view))}</div>")
    else:
        parts.append("<p>Không có kiến nghị nào cần xem lại.</p>")
    parts.append("</body></html>")
    return "\n".join(parts)


HTML_SUFFIXES = (".html", ".htm")


def check_html_name(path: str | Path) -> None:
    """Raise ``InputError`` unless ``path`` ends in ``.html`` / ``.htm``."""
    if Path(path).suffix.lower() not in HTML_SUFFIXES:
        from petition_nlp.files.io import InputError

        raise InputError(f"{path}: the report is an HTML page; give the output a name ending in .html")


def write_html(document: str, path: str | Path, *, protect: Iterable[str | Path] = (), overwrite: bool = False) -> Path:
    """Write the report atomically. Refuses a name that does not end in ``.html`` / ``.htm``: a
    report written over ``result.xlsx`` would destroy an officer's workbook."""
    check_html_name(path)
    with atomic_output(path, overwrite=overwrite, protect=protect) as temp:
        temp.write_text(document, encoding="utf-8")
    return Path(path)
