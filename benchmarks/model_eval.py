"""Classification quality on the sealed test split, against two baselines, with and without diacritics.

    .venv/bin/python benchmarks/model_eval.py

Rows: the default model, the keyword-rule baseline (taxonomy keywords, no learning) and
underthesea_core.TextClassifier (Rust TF-IDF + linear SVM) trained on the same
data/labeled/petitions.csv. Columns: macro-F1, weighted F1, accuracy and the smallest
per-code F1, on data/labeled/test.csv and on a copy of it with diacritics removed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import accuracy_score, f1_score

ROOT = Path(__file__).resolve().parent.parent


def scores(y, pred) -> dict[str, float]:
    labels = sorted(set(y))
    per = f1_score(y, pred, labels=labels, average=None, zero_division=0)
    return {
        "macro_f1": f1_score(y, pred, average="macro", labels=labels, zero_division=0),
        "weighted_f1": f1_score(y, pred, average="weighted", zero_division=0),
        "accuracy": accuracy_score(y, pred),
        "min_code_f1": float(np.min(per)),
    }


def main() -> int:
    import underthesea_core

    from petition_nlp import PetitionClassifier
    from petition_nlp.baseline import KeywordRuleClassifier
    from petition_nlp.normalize import strip_diacritics
    from petition_nlp.training import load_labeled

    train = load_labeled([ROOT / "data" / "labeled" / "petitions.csv"])
    test = load_labeled([ROOT / "data" / "labeled" / "test.csv"])
    stripped = [strip_diacritics(t) for t in test.texts]
    peer = underthesea_core.TextClassifier()
    peer.fit(train.texts, train.labels)
    models = {
        "petition-nlp default model": PetitionClassifier.load().predict,
        "keyword rules (taxonomy)": KeywordRuleClassifier().fit().predict,
        "underthesea_core.TextClassifier": lambda texts: np.asarray(peer.predict_batch(list(texts))),
    }
    print(f"test.csv: {len(test.texts)} petitions; trained on {len(train.texts)}\n")
    print("| model | macro-F1 | weighted F1 | accuracy | min per-code F1 | macro-F1 without diacritics |")
    print("|---|---|---|---|---|---|")
    for name, predict in models.items():
        a = scores(test.labels, predict(test.texts))
        b = scores(test.labels, predict(stripped))
        print(f"| {name} | {a['macro_f1']:.3f} | {a['weighted_f1']:.3f} | {a['accuracy']:.3f} | {a['min_code_f1']:.3f} | {b['macro_f1']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
