"""Classification quality on both sealed test splits, against two baselines, with and without diacritics.

    .venv/bin/python benchmarks/model_eval.py

Rows: the default model, the keyword-rule baseline (taxonomy keywords, no learning) and
underthesea_core.TextClassifier (Rust TF-IDF + linear SVM) trained on the same training files
(every data/labeled/petitions*.csv). Columns: macro-F1, weighted F1, accuracy and the smallest
per-code F1, on each test split (data/labeled/test.csv, data/labeled/test_genres.csv) and on a
copy of it with diacritics removed. Then, for the default model on each split, the trust figures
of issue 14: rows flagged needs_review, rows with a second_category, share of the wrong
predictions flagged or with the right second_category, the risk-coverage table and rows set
aside as not_a_petition.
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
    from petition_nlp.model.baseline import KeywordRuleClassifier
    from petition_nlp.model.training import default_test_files, default_training_files, evaluate_model, load_labeled
    from petition_nlp.text.normalize import strip_diacritics

    train = load_labeled(default_training_files())
    model = PetitionClassifier.load()
    peer = underthesea_core.TextClassifier()
    peer.fit(train.texts, train.labels)
    models = {
        "petition-nlp default model": model.predict,
        "keyword rules (taxonomy)": KeywordRuleClassifier().fit().predict,
        "underthesea_core.TextClassifier": lambda texts: np.asarray(peer.predict_batch(list(texts))),
    }
    print(f"trained on {len(train.texts)} rows ({', '.join(p.name for p in default_training_files())})")
    trust = []
    for path in default_test_files():
        test = load_labeled([path])
        stripped = [strip_diacritics(t) for t in test.texts]
        print(f"\n{path.name}: {len(test.texts)} petitions\n")
        print("| model | macro-F1 | weighted F1 | accuracy | min per-code F1 | macro-F1 without diacritics |")
        print("|---|---|---|---|---|---|")
        for name, predict in models.items():
            a = scores(test.labels, predict(test.texts))
            b = scores(test.labels, predict(stripped))
            print(f"| {name} | {a['macro_f1']:.3f} | {a['weighted_f1']:.3f} | {a['accuracy']:.3f} | {a['min_code_f1']:.3f} | {b['macro_f1']:.3f} |")
        m = evaluate_model(model, test.texts, test.labels, test.labels_2 if any(test.labels_2) else None)
        trust.append((path.name, m))
    print("\ndefault model: trust figures (needs_review threshold %.3f, second topic from %.3f)\n"
          % (model.review_threshold_, getattr(model, "second_threshold_", float("nan"))))
    print("| test split | macro-F1 | flagged needs_review | accuracy not flagged | second_category filled | "
          "wrong predictions flagged or right second | accuracy at review 0 / 10 / 20 / 30 % | not_a_petition |")
    print("|---|---|---|---|---|---|---|---|")
    for name, m in trust:
        rc = " / ".join(f"{r['accuracy_not_reviewed']:.3f}" for r in m["risk_coverage"])
        st = m["second_topic"]
        print(f"| {name} | {m['macro_f1']:.3f} | {m['review']['rate']:.1%} | {m['review']['accuracy_not_reviewed']:.3f} | "
              f"{st['rate']:.1%} | {st['errors_flagged_or_second_right']:.1%} of {st['errors']} | {rc} | "
              f"{m['not_a_petition']['rows']} ({m['not_a_petition']['rate']:.1%}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
