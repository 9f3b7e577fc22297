"""Print the per-code and per-style count tables for data/labeled/README.md.

    python scripts/corpus_stats.py
"""

from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
train = pd.read_csv(ROOT / "data/labeled/petitions.csv", dtype=str, keep_default_na=False)
test = pd.read_csv(ROOT / "data/labeled/test.csv", dtype=str, keep_default_na=False)
for column in ("label", "style"):
    print(f"<!-- counts:{column} -->")
    print(f"| {column} | petitions.csv | test.csv |")
    print("|---|---|---|")
    for key in sorted(set(train[column]) | set(test[column])):
        print(f"| `{key}` | {(train[column] == key).sum()} | {(test[column] == key).sum()} |")
    print(f"| **total** | **{len(train)}** | **{len(test)}** |")
    print("<!-- /counts -->\n")
