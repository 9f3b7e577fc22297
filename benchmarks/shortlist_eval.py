"""Shortlist quality on the evaluation survey with known issues (tests/fixtures/shortlist_eval.csv).

    .venv/bin/python benchmarks/shortlist_eval.py [-n 15]

Prints a Markdown table: distinct issues among the shortlisted, coverage (share of all
petitions whose issue is on the shortlist) against the best possible under the same seats,
and the adjusted Rand index of the grouping against issue_id, for our shortlist and for
two baselines (random picks within the quotas, k-means medoids on the same features).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=15)
    parser.add_argument("--file", default=str(ROOT / "tests" / "fixtures" / "shortlist_eval.csv"))
    args = parser.parse_args()

    from petition_nlp import PetitionClassifier
    from petition_nlp.shortlist import group_and_select
    from petition_nlp.shortlist_metrics import compare_with_baselines

    frame = pd.read_csv(args.file, dtype=str, keep_default_na=False)
    survey = frame.drop(columns=["issue_id", "category"])  # what the tool sees
    model = PetitionClassifier.load()
    groups, chosen = group_and_select(survey, args.n, text_column="text", model=model)
    table = compare_with_baselines(frame, groups, chosen, text_column="text")
    print(f"{len(frame)} petitions, {frame['unit'].nunique()} units, {frame['issue_id'].nunique()} issues; n = {args.n}\n")
    columns = list(table.columns)
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for _, row in table.iterrows():
        print("| " + " | ".join("" if pd.isna(v) else str(v) for v in row) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
