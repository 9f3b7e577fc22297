"""Time reading a 20,000-row .xlsx survey (letterhead, title, header on row 4) with read_table.

    python benchmarks/read_xlsx.py [--rows 20000] [--runs 3]

Prints the median wall time of ``read_table`` (header found by content, merged title cells
filled, text and unit columns chosen), and the rate in rows per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "fixtures"))


def build(path: Path, rows: int) -> None:
    import openpyxl

    from make_office_files import FIELDS, PETITIONS, UNITS

    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["LIÊN ĐOÀN LAO ĐỘNG TỈNH BẮC GIANG", None, None, None, None])
    ws.append(["TỔNG HỢP Ý KIẾN, KIẾN NGHỊ CỦA CÔNG NHÂN LAO ĐỘNG", None, None, None, None])
    ws.merge_cells("A1:E1")
    ws.merge_cells("A2:E2")
    ws.append([None] * 5)
    ws.append(["STT", "Đơn vị", "Nội dung kiến nghị", "Lĩnh vực", "Ghi chú"])
    for k in range(rows):
        ws.append([k + 1, UNITS[k % len(UNITS)], f"{PETITIONS[k % len(PETITIONS)]} (lượt {k})", FIELDS[k % len(FIELDS)], None])
    book.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from petition_nlp.files.io import read_table

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "survey.xlsx"
        build(path, args.rows)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            frame, info = read_table(path)
            times.append(time.perf_counter() - started)
        assert len(frame) == args.rows, len(frame)
        median = statistics.median(times)
        print(f"read_table {args.rows} rows .xlsx ({path.stat().st_size / 1e6:.1f} MB): median {median:.2f} s of {args.runs} runs "
              f"({args.rows / median:,.0f} rows/s); header row {info.header_row}, text column '{info.text_column}'")


if __name__ == "__main__":
    main()
