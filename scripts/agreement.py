"""Agreement of the blind second labelling pass with the corpus labels (Cohen's kappa).

    python scripts/agreement.py
"""

from pathlib import Path

import pandas as pd
from sklearn.metrics import cohen_kappa_score

LABELED = Path(__file__).resolve().parent.parent / "data" / "labeled"
gold = pd.concat(
    [pd.read_csv(LABELED / f, dtype=str, keep_default_na=False) for f in ("petitions.csv", "test.csv")]
).set_index("id")["label"]
second = pd.read_csv(LABELED / "second_pass.csv", dtype=str, keep_default_na=False)
second = second[second["id"].isin(gold.index)]
first = gold.loc[second["id"]].to_numpy()
agree = (first == second["label2"].to_numpy()).mean()
print(f"rows {len(second)}  agreement {agree:.3f}  Cohen's kappa {cohen_kappa_score(first, second['label2']):.3f}")
