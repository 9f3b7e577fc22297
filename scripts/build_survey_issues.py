"""Write petition_nlp/data/survey_issues.csv from the labelled surveys of data/dev/.

    python scripts/build_survey_issues.py          # rewrites the file, then: python -m petition_nlp.grouping.catalogue

Each blind survey (``blind_survey_bK.csv``: its writer chose and labelled their own issues without
seeing the catalogue) and its next-year survey (``nextyear_yK.csv``: another writer, from the blind
survey's issue titles alone, raising some of them and issues of their own, near misses among them)
become issues the matcher learns, as they would once a federation's officers have confirmed a
survey's groups: issue ``bK.<id>`` for the blind survey's issues (with the next-year rows raising
them), ``yK.<id>`` for the next-year survey's own. Each row keeps its text, writer and batch. The
surveys in data/dev/ stay as they are (raw, never edited); the development benchmarks refit the
matcher without the pair they measure (``benchmarks/dev_data.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "petition_nlp" / "data" / "survey_issues.csv"
COLUMNS = ["issue_id", "category", "title", "text", "register", "writer", "batch"]


def survey_issues(dev: Path = ROOT / "data" / "dev") -> pd.DataFrame:
    """The rows of :data:`TARGET`, derived from the blind and next-year surveys of ``dev``."""
    frames = []
    for blind in sorted(dev.glob("blind_survey_b*.csv")):
        k = blind.stem.removeprefix("blind_survey_b")
        last = pd.read_csv(blind, dtype=str, keep_default_na=False)
        known = set(last["issue_id"])
        last["issue_id"] = f"b{k}." + last["issue_id"]
        frames.append(last)
        following = blind.with_name(f"nextyear_y{k}.csv")
        if following.is_file():
            this = pd.read_csv(following, dtype=str, keep_default_na=False)
            this["issue_id"] = [f"b{k}.{i}" if i in known else f"y{k}.{i}" for i in this["issue_id"]]
            frames.append(this)
    rows = pd.concat(frames, ignore_index=True).rename(columns={"issue_title": "title"})
    # one title per issue: the blind survey's (the next-year writer may have reworded it)
    rows["title"] = rows.groupby("issue_id", sort=False)["title"].transform("first")
    return rows[COLUMNS]


def main() -> int:
    rows = survey_issues()
    rows.to_csv(TARGET, index=False)
    print(f"wrote {TARGET} ({len(rows)} rows, {rows['issue_id'].nunique()} issues)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
