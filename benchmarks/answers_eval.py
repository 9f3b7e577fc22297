"""Issue 17 item 6: the after-session loop, measured (two simulated years).

1. ``answered_in``: survey A = data/eval/grouping_eval.csv uploaded to a temporary store, every
   group of it answered; then survey B = data/eval/answered_eval.csv uploaded. A link is right
   when the linked group's dominant true issue (the most common ``issue_id`` of its members)
   equals the petition's ``issue_id``. Precision = right links / links; recall = right links /
   petitions of B whose issue was raised in A. EVALUATION files: nothing is tuned on them
   (the decision was fitted on the simulation benchmarks/answered_dev.py, ANSWERED_THRESHOLD chosen on
   its blind development pairs, ``--blind``).
2. A new code through the store: the ``other`` rows of the training corpus about pay, chosen by
   the keywords in PAY_WORDS, become ``wages``; a third of them (and of nothing else) is held out.
   For k corrections, k wages rows are uploaded as a survey and set to ``wages`` by an "officer"
   (store.update_petitions), then ``train_model(store=...)`` trains on the corpus without the
   held-out rows plus the store; F1 of ``wages`` on the held-out wages rows + test.csv (whose
   pay rows are left out: labelled ``other`` there).

    python benchmarks/answers_eval.py [--skip-wages] [--steps 10,20,40,80]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from petition_nlp.model.modelstore import load_model  # noqa: E402
from petition_nlp.store import Store  # noqa: E402
from petition_nlp.store import workspace as ws  # noqa: E402

PAY_WORDS = r"lương|thưởng|tiền công|trả công|phụ cấp"


def upload(store: Store, path: Path, model) -> int:
    stored = store.keep_original(path.read_bytes(), path.name)
    sid = store.create_survey(path.name, stored)
    ws.ingest(store, sid, store.original_path(stored), model=model, text_column="text")
    return sid


def answered_eval(model) -> dict:
    a_file, b_file = ROOT / "data/eval/grouping_eval.csv", ROOT / "data/eval/answered_eval.csv"
    a_truth = pd.read_csv(a_file, dtype=str, keep_default_na=False)
    b_truth = pd.read_csv(b_file, dtype=str, keep_default_na=False)
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(tmp)
        a = upload(store, a_file, model)
        frame_a, _ = store.survey_frame(a)
        issue_of_pid = dict(zip(frame_a["petition_id"].astype(int), a_truth["issue_id"]))
        dominant = {}
        for g in store.groups(a):
            ws.record_answer(store, g["group_id"], agency="Sở Lao động – Thương binh và Xã hội", answer="Trả lời mô phỏng.",
                             answered_on="2026-01-15", status="answered", relink=False)
            issues = pd.Series([issue_of_pid[m] for m in g["member_ids"]])
            dominant[g["group_id"]] = issues.mode().sort_values().iloc[0]
        started = time.perf_counter()
        b = upload(store, b_file, model)
        seconds = time.perf_counter() - started
        frame_b, _ = store.survey_frame(b)
        links = store.survey_links(b)
        pids = frame_b["petition_id"].astype(int).tolist()
    a_issues = set(a_truth["issue_id"])
    truth = dict(zip(pids, b_truth["issue_id"]))
    linked = [(pid, link) for pid, link in links.items()]
    right = sum(dominant.get(link["group_id"]) == truth[pid] for pid, link in linked)
    should = sum(truth[p] in a_issues for p in pids)
    right_should = sum(dominant.get(link["group_id"]) == truth[pid] for pid, link in linked if truth[pid] in a_issues)
    return {
        "survey_a_rows": len(a_truth), "survey_a_groups_answered": len(dominant), "survey_b_rows": len(b_truth),
        "b_rows_whose_issue_was_raised_in_a": should, "links": len(linked), "right_links": right,
        "precision": round(right / len(linked), 4) if linked else None,
        "recall": round(right_should / should, 4) if should else None,
        "threshold": ws.ANSWERED_THRESHOLD, "survey_b_upload_seconds": round(seconds, 2),
    }


def wages_eval(model, steps: list[int]) -> dict:
    from petition_nlp.model.training import default_test_file, default_training_files, train_model

    frames = {p: pd.read_csv(p, dtype=str, keep_default_na=False) for p in default_training_files()}
    pay = []
    for p, f in frames.items():
        hit = (f["label"] == "other") & f["text"].str.contains(PAY_WORDS, case=False, regex=True)
        pay += [(p, i) for i in f.index[hit]]
    pay_texts = [frames[p].at[i, "text"] for p, i in pay]
    held = set(range(0, len(pay), 3))  # every third pay row held out
    pool = [k for k in range(len(pay)) if k not in held]
    test = pd.read_csv(default_test_file(), dtype=str, keep_default_na=False)
    test = test[~test["text"].str.contains(PAY_WORDS, case=False, regex=True)][["text", "label"]]
    test = pd.concat([test, pd.DataFrame({"text": [pay_texts[k] for k in sorted(held)], "label": "wages"})], ignore_index=True)
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        held_keys = {pay[k] for k in held}
        for p, f in frames.items():  # the corpus without the held-out rows (they stay "other" in it)
            keep = [i for i in f.index if (p, i) not in held_keys]
            target = tmp / p.name
            f.loc[keep].to_csv(target, index=False)
            files.append(target)
        for k in steps:
            k = min(k, len(pool))
            data = tmp / f"store-{k}"
            store = Store(data)
            survey = tmp / f"wages-{k}.csv"
            pd.DataFrame({"text": [pay_texts[j] for j in pool[:k]]}).to_csv(survey, index=False)
            sid = upload(store, survey, model)
            rows, _ = store.petitions(sid)
            store.update_petitions([(r["id"], r["version"]) for r in rows if r["status"] == "ok"], category="wages",
                                   officer="benchmark", allowed_categories=None)
            started = time.perf_counter()
            trained, target, report = train_model(files, only=True, store=store, output=tmp / f"model-{k}")
            from petition_nlp.model.training import evaluate_model

            m = evaluate_model(trained, test["text"].tolist(), test["label"].tolist())
            results.append({
                "corrections": k, "wages_f1": round(m["per_class"].get("wages", {}).get("f1", 0.0), 4),
                "wages_precision": round(m["per_class"].get("wages", {}).get("precision", 0.0), 4),
                "wages_recall": round(m["per_class"].get("wages", {}).get("recall", 0.0), 4),
                "macro_f1": round(m["macro_f1"], 4), "overridden": report["validation"]["overridden_by_corrections"],
                "seconds": round(time.perf_counter() - started, 1),
            })
            print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    reached = next((r["corrections"] for r in results if r["wages_f1"] >= 0.8), None)
    return {"pay_rows": len(pay), "held_out_wages": len(held), "test_rows": len(test), "steps": results, "corrections_for_f1_0.8": reached}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-wages", action="store_true")
    parser.add_argument("--skip-answered", action="store_true")
    parser.add_argument("--steps", default="10,20,40,80,126")
    args = parser.parse_args()
    model = load_model()
    out = {}
    if not args.skip_answered:
        out["answered_in"] = answered_eval(model)
        print(json.dumps(out["answered_in"], ensure_ascii=False), file=sys.stderr, flush=True)
    if not args.skip_wages:
        out["wages"] = wages_eval(model, [int(s) for s in args.steps.split(",")])
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
