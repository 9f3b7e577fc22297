"""Precision / recall of `check-labels` on deliberately flipped labels (tests/fixtures/flipped_labels.csv).

    .venv/bin/python benchmarks/check_labels_eval.py
"""

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    from petition_nlp import find_label_issues

    data = pd.read_csv(ROOT / "tests" / "fixtures" / "flipped_labels.csv", dtype=str, keep_default_na=False)
    found = find_label_issues(data["text"], data["label"])
    flagged = found["label_issue"].to_numpy()
    flipped = (data["label"] != data["true_label"]).to_numpy()
    hits = int((flagged & flipped).sum())
    print(f"rows {len(data)}, flipped {int(flipped.sum())}, flagged {int(flagged.sum())}, correct flags {hits}")
    print(f"precision {hits / max(1, flagged.sum()):.3f}  recall {hits / flipped.sum():.3f}")
    right = (found.loc[flagged & flipped, "suggested_label"] == data.loc[flagged & flipped, "true_label"]).mean()
    print(f"suggested code = original code for {right:.0%} of the correct flags")
    return 0


if __name__ == "__main__":
    sys.exit(main())
