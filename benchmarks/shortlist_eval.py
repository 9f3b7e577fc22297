"""Shortlist quality on a survey with known issues.

    .venv/bin/python benchmarks/shortlist_eval.py [-n 15]
    .venv/bin/python benchmarks/shortlist_eval.py --dev      # the tuning (sample) survey

Default: the evaluation survey tests/fixtures/shortlist_eval.csv (columns id, unit, text,
category, issue_id) — never tune on it. ``--dev``: the sample survey data/raw/sample_survey.csv
joined on STT with data/raw/sample_survey_issues.csv (the set the defaults are tuned on);
``--file``/``--issues`` name other files (``--issues`` holds STT/id, category, issue_id).

Prints a Markdown table: distinct issues among the shortlisted, coverage (share of all
petitions whose issue is on the shortlist) against the best possible under the same seats,
and the adjusted Rand index of the grouping against issue_id, for our shortlist and for
two baselines (random picks within the quotas, k-means medoids on the same features).
The tool sees neither the category nor the issue: categories come from the classifier.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EVAL_FILE = ROOT / "tests" / "fixtures" / "shortlist_eval.csv"
DEV_FILE = ROOT / "data" / "raw" / "sample_survey.csv"
DEV_ISSUES = ROOT / "data" / "raw" / "sample_survey_issues.csv"


def load_survey(path: str, issues: str | None) -> tuple[pd.DataFrame, str, str]:
    """(frame with issue_id and category, text column, id column)."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    if issues:
        known = pd.read_csv(issues, dtype=str, keep_default_na=False)
        key = known.columns[0]
        frame = frame.drop(columns=[c for c in ("category", "issue_id") if c in frame.columns])
        frame = frame.merge(known[[key, "category", "issue_id"]], on=key, how="left", validate="one_to_one")
        if frame["issue_id"].isna().any():
            raise SystemExit(f"{issues}: no issue for some rows of {path}")
    from petition_nlp.files.io import detect_text_column

    text = "text" if "text" in frame.columns else detect_text_column(frame.drop(columns=["category", "issue_id"]))
    id_column = "id" if "id" in frame.columns else frame.columns[0]
    return frame, text, id_column


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=15)
    parser.add_argument("--file", default=None)
    parser.add_argument("--issues", default=None, help="STT/id, category, issue_id for the rows of --file")
    parser.add_argument("--dev", action="store_true", help="the sample (tuning) survey and its known issues")
    args = parser.parse_args()
    path = args.file or str(DEV_FILE if args.dev else EVAL_FILE)
    issues = args.issues or (str(DEV_ISSUES) if args.dev else None)

    from petition_nlp import PetitionClassifier
    from petition_nlp.grouping.metrics import compare_with_baselines
    from petition_nlp.grouping.shortlist import group_and_select

    frame, text, id_column = load_survey(path, issues)
    survey = frame.drop(columns=["issue_id", "category"])  # what the tool sees
    model = PetitionClassifier.load()
    model.classify(survey.head(2), text_column=text)  # warm up
    start = time.perf_counter()
    groups, chosen = group_and_select(survey, args.n, text_column=text, model=model)
    seconds = time.perf_counter() - start
    table = compare_with_baselines(frame, groups, chosen, text_column=text, id_column=id_column)
    units = next((c for c in frame.columns if c.lower() in ("unit", "đơn vị")), None)
    print(
        f"{len(frame)} petitions, {frame[units].nunique() if units else '?'} units, "
        f"{frame['issue_id'].nunique()} issues; n = {args.n}; shortlist in {seconds:.2f} s\n"
    )
    columns = list(table.columns)
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for _, row in table.iterrows():
        print("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
