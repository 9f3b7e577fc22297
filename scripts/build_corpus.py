"""Assemble the labelled corpus from the writers' batches (run once per new batch).

    python scripts/build_corpus.py

Reads data/labeled/parts/train_*.csv and test_raw.csv (text,label,style as written by each
writer), assigns stable ids and provenance columns, and writes data/labeled/petitions.csv
and data/labeled/test.csv. Existing rows are never rewritten: rows already in the output
(same text) keep their id; new rows get the next ids.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ROOT / "data" / "labeled" / "parts"
COLUMNS = ["id", "text", "label", "style", "source", "writer", "batch"]


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build(target: Path, sources: list[tuple[Path, str, str]], prefix: str) -> int:
    existing = read(target) if target.exists() else []
    known = {row["text"] for row in existing}
    rows = list(existing)
    next_id = 1 + max((int(r["id"][len(prefix):]) for r in existing), default=0)
    for path, writer, batch in sources:
        for row in read(path):
            text = row["text"].strip()
            if not text or text in known:
                continue
            known.add(text)
            rows.append(
                {
                    "id": f"{prefix}{next_id:05d}",
                    "text": text,
                    "label": row["label"].strip(),
                    "style": row["style"].strip(),
                    "source": "authored",
                    "writer": writer,
                    "batch": batch,
                }
            )
            next_id += 1
    with open(target, "w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=COLUMNS)
        out.writeheader()
        out.writerows(rows)
    return len(rows)


def main() -> int:
    train_parts = sorted(PARTS.glob("train_*.csv"))
    sources = [(p, f"writer-{p.stem.removeprefix('train_')}", "train-2026-11-23") for p in train_parts]
    n = build(ROOT / "data" / "labeled" / "petitions.csv", sources, "P")
    print(f"petitions.csv: {n} rows")
    test_raw = PARTS / "test_raw.csv"
    if test_raw.exists():
        n = build(ROOT / "data" / "labeled" / "test.csv", [(test_raw, "writer-test", "test-2026-11-23")], "T")
        print(f"test.csv: {n} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
