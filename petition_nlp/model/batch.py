"""Classify a whole file in chunks, writing the output as it goes (bounded memory)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

import pandas as pd

from petition_nlp.files.io import InputError, TableInfo, atomic_output, iter_table, resolve_text_column
from petition_nlp.files.safefiles import guard_frame
from petition_nlp.model.reviewed import OfficerTopics, keep_officer_topics, previous_result

__all__ = ["classify_file", "STREAM_OUTPUTS"]

STREAM_OUTPUTS = (".csv", ".jsonl")


def classify_file(
    input_path: str | Path,
    output_path: str | Path,
    *,
    model: Any = None,
    text_column: str | None = None,
    chunk_rows: int = 10_000,
    overwrite: bool = False,
    progress: Callable[[int], None] | None = None,
    on_column: Callable[[str], None] | None = None,
    formula_guard: bool = True,
    header_row: int | None = None,
    sheet: str | int | None = None,
    split_items: bool = False,
) -> tuple[pd.DataFrame, TableInfo]:
    """Classify ``input_path`` into ``output_path`` (.csv or .jsonl) chunk by chunk.

    Every input row is written, in order, with its original columns plus the classification
    columns (see :meth:`PetitionClassifier.classify`); the output appears atomically when
    all rows are done. Memory stays bounded by ``chunk_rows`` for CSV inputs. CSV cells that
    a spreadsheet would evaluate are quoted unless ``formula_guard`` is false (see
    :func:`petition_nlp.files.io.write_table`).

    ``header_row``, ``sheet``, ``split_items`` and ``text_column`` go to the reader
    (:func:`petition_nlp.files.io.iter_table`).

    Returns:
        the ``category`` / ``needs_review`` / ``status`` columns of every row (for the summary)
        and what the reader found about the input.
    """
    target = Path(output_path)
    suffix = target.suffix.lower()
    if suffix not in STREAM_OUTPUTS:
        raise InputError(f"{target}: streaming output must be one of {', '.join(STREAM_OUTPUTS)}")
    if model is None:
        from petition_nlp.model.modelstore import load_model

        model = load_model()
    info, chunks = iter_table(
        input_path, chunk_rows=chunk_rows, header_row=header_row, sheet=sheet, split_items=split_items,
        text_column=text_column,
    )
    first = next(chunks)  # iter_table raises InputError when the file holds no rows
    column = info.text_column or resolve_text_column(first, text_column, source=input_path)
    if on_column and text_column is None:
        on_column(column)
    kept: list[pd.DataFrame] = []
    officer: list[OfficerTopics | None] = []  # per chunk, in order: a table classify wrote keeps the officer's topics

    def stripped() -> Iterator[pd.DataFrame]:
        for chunk in chain([first], chunks):
            chunk, found = previous_result(chunk, column, str(input_path))
            officer.append(found)
            yield chunk

    with atomic_output(target, overwrite=overwrite, protect=[input_path]) as temp:
        with open(temp, "w", encoding="utf-8-sig" if suffix == ".csv" else "utf-8", newline="") as handle:
            stream = model.classify_stream(stripped(), text_column=column, progress=progress)
            for number, result in enumerate(stream):
                result = keep_officer_topics(result, officer[number])
                if suffix == ".csv":
                    (guard_frame(result) if formula_guard else result).to_csv(
                        handle, index=False, header=number == 0, lineterminator="\r\n"  # quotes a lone \r
                    )
                else:
                    result.to_json(handle, orient="records", lines=True, force_ascii=False)
                # an own, compact copy (a column selection may keep the whole chunk alive; a
                # million strings would hold ~50 MB): categorical codes, a few bytes a row
                kept.append(result[["category", "needs_review", "status"]].astype({"category": "category", "status": "category"}))
    found = [o for o in officer if o is not None]
    if found:
        info.notes.append(_merged(found).note())
    return pd.concat(kept, ignore_index=True), info


def _merged(parts: list[OfficerTopics]) -> OfficerTopics:
    """The officer's topics of every chunk, for the note: counts added, conflicts listed."""
    report: dict[str, Any] = {}
    for part in parts:
        for key, value in part.report.items():
            if isinstance(value, (list, int)):
                report[key] = report.get(key, [] if isinstance(value, list) else 0) + value
    return OfficerTopics(dropped=parts[0].dropped, report=report)
