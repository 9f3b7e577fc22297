"""Real-data benchmark: UIT-VSFC topic classification through the CLI (train on train.csv, evaluate on test.csv).

    .venv/bin/python benchmarks/uit_vsfc.py [--neural-weight 0.4]

Reads ../shared/benchmarks/uit_vsfc/ (never copied into the project). Prints weighted and
macro F1 for petition-nlp and, side by side on the same split, underthesea_core.TextClassifier,
plus training times (CLI train includes 5-fold cross-validation, which also chooses ``use_idf``;
the API fit alone excludes it and reuses the chosen value). With ``--neural-weight W`` the linear
model is also trained and evaluated averaged with the BiLSTM (``train --neural-weight W``; needs
the ``[neural]`` extra; W = 0.4 was chosen on dev.csv).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
UIT = ROOT.parent / "shared" / "benchmarks" / "uit_vsfc"
CLI = str(Path(sys.executable).parent / "petition-nlp")


def run_cli(train: pd.DataFrame, weight: float) -> tuple[str, float, float, str]:
    """Train through the CLI (cold cache), evaluate on test.csv, time the final fit alone."""
    from petition_nlp import PetitionClassifier

    with tempfile.TemporaryDirectory() as d:
        model_dir = Path(d) / "uit-model"
        env = {**os.environ, "PETITION_NLP_CACHE_DIR": str(Path(d) / "cache")}  # cold: segmentation included
        extra = ["--neural-weight", str(weight)] if weight else []
        t0 = time.perf_counter()
        subprocess.run([CLI, "train", str(UIT / "train.csv"), "--only", "--text-column", "text", "--label-column", "topic",
                        "--output", str(model_dir), *extra], check=True, env=env)
        train_cli = time.perf_counter() - t0
        out = subprocess.run([CLI, "evaluate", str(UIT / "test.csv"), "--model", str(model_dir), "--text-column", "text",
                              "--label-column", "topic", "--json"], check=True, capture_output=True, text=True, env=env)
        metrics = json.loads(out.stdout)
        manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
        params = {k: v for k, v in manifest["params"].items() if k in PetitionClassifier().get_params()}
        params["review_threshold"] = 0.5  # no cross-validation: time of the final fit alone
        params["use_idf"] = manifest["metrics"]["cross_validation"].get("use_idf", params.get("use_idf"))
        for k in ("word_ngram_range", "syllable_ngram_range", "char_ngram_range"):
            if params.get(k) is not None:
                params[k] = tuple(params[k])
        clf = PetitionClassifier(**params)
        views = clf.views(train["text"].tolist())  # cached by the CLI run
        t0 = time.perf_counter()
        clf.fit(views, train["topic"].tolist())
        fit_only = time.perf_counter() - t0
    name = f"petition-nlp + BiLSTM, weight {weight}" if weight else "petition-nlp"
    return (f"{name} (CLI train --only, evaluate)", metrics["weighted_f1"], metrics["macro_f1"],
            f"{train_cli:.1f} s with 5-fold CV and cold segmentation; final fit alone {fit_only:.1f} s")


def main() -> int:
    if not (UIT / "train.csv").exists():
        print(f"UIT-VSFC not found at {UIT}; nothing to do")
        return 0
    from sklearn.metrics import f1_score

    import underthesea_core

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--neural-weight", type=float, default=0.0, help="also run the linear + BiLSTM ensemble")
    args = parser.parse_args()
    train = pd.read_csv(UIT / "train.csv")
    test = pd.read_csv(UIT / "test.csv")
    rows = []
    for weight in [0.0] + ([args.neural_weight] if args.neural_weight else []):
        rows.append(run_cli(train, weight))
    peer = underthesea_core.TextClassifier()
    t0 = time.perf_counter()
    peer.fit(train["text"].tolist(), train["topic"].tolist())
    peer_fit = time.perf_counter() - t0
    pred = peer.predict_batch(test["text"].tolist())
    rows.append(("underthesea_core.TextClassifier", f1_score(test["topic"], pred, average="weighted"),
                 f1_score(test["topic"], pred, average="macro"), f"{peer_fit:.1f} s"))
    print(f"UIT-VSFC topic: train {len(train)}, test {len(test)}\n")
    print("| model | weighted F1 | macro F1 | training time |")
    print("|---|---|---|---|")
    for name, w, m, t in rows:
        print(f"| {name} | {w:.4f} | {m:.4f} | {t} |")
    print("| published best (Bi-LSTM, Nguyen et al. 2018) | 0.896 | – | – |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
