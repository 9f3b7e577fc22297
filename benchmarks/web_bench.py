"""Workspace timings (issue 16's acceptance): server time of uploading + classifying the sample
survey, of rendering one page of a 20,000-row survey, and of saving an answer of an earlier survey
when that 20,000-row survey came after it (its "already answered" links are recomputed).

    python benchmarks/web_bench.py [--runs 5]

Server time is measured around the request through FastAPI's TestClient (in-process, no
network), after the warm-up ``petition-nlp serve`` does at start (model loaded, each stage run
once on two made-up petitions), with the segmentation cache off (PETITION_NLP_CACHE=0) so every
upload segments its texts afresh. The 20,000-row survey is
stored directly (the sample survey's rows repeated with a row suffix, their classification
copied), because the figure is about rendering a page, not classifying."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw" / "sample_survey.xlsx"


def main() -> None:
    os.environ["PETITION_NLP_CACHE"] = "0"
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--answered-dev", action="store_true", help="Only: precision/recall of the already-answered decision on the dev pairs (tests/fixtures/answered_dev*.csv).")
    args = parser.parse_args()
    if args.answered_dev:
        answered_dev()
        return

    from fastapi.testclient import TestClient

    from petition_nlp import pipeline
    from petition_nlp.model.modelstore import load_model
    from petition_nlp.web.app import create_app, warm_up

    model = load_model()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(tmp, model=model)
        client = TestClient(app)
        t = time.perf_counter()
        warm_up(app.app)
        print(f"warm-up at server start (model load + one pass of each stage): {time.perf_counter() - t:.2f} s")
        data = SAMPLE.read_bytes()
        upload = []
        for _ in range(args.runs):
            t = time.perf_counter()
            r = client.post("/api/surveys", files={"file": ("sample_survey.xlsx", data)})
            upload.append(time.perf_counter() - t)
            assert r.status_code == 201, r.text
        print(f"upload + classify + group + store, sample survey ({r.json()['rows']} rows): "
              f"median {statistics.median(upload):.2f} s, first {upload[0]:.2f} s, max {max(upload):.2f} s over {args.runs} runs")

        store = app.app.state.store
        frame, info, column = pipeline.load_survey(SAMPLE)
        grouped = pipeline.group_survey(pipeline.classify_survey(frame, column, model), column)
        reps = -(-args.rows // len(grouped))
        big = pd.concat([grouped] * reps, ignore_index=True).iloc[: args.rows].copy()
        big[column] = [f"{t} (#{i})" for i, t in enumerate(big[column])]
        big["group_id"] = [f"{g}-{i // len(grouped)}" if g else "" for i, g in enumerate(big["group_id"])]
        sid = store.create_survey("big.xlsx", "big.xlsx")
        t = time.perf_counter()
        store.fill_survey(sid, big, text_column=column, unit_column="Đơn vị", original_columns=list(frame.columns))
        print(f"store {len(big)} rows: {time.perf_counter() - t:.2f} s")
        for label, url in [
            ("page 1", f"/surveys/{sid}"),
            ("page 150, least sure first", f"/surveys/{sid}?sort=confidence&page_no=150"),
            ("filter topic + needs_review + search", f"/surveys/{sid}?category=housing&needs_review=true&q=KCN"),
            ("API 100 rows, offset 15000", f"/api/surveys/{sid}/petitions?limit=100&offset=15000"),
        ]:
            times = []
            for k in range(args.runs + 1):
                t = time.perf_counter()
                r = client.get(url)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200
            print(f"{args.rows} rows, {label}: first {times[0]:.3f} s (topic chart drawn), then median {statistics.median(times[1:]):.3f} s")

        # saving an answer of the first survey: the big survey, uploaded after it, is relinked
        from petition_nlp.store import workspace as ws

        first = store.groups(1)[0]["group_id"]
        body = {"agency": "Sở Xây dựng", "answer": "Đang rà soát quỹ đất.", "answered_on": "2026-12-01", "status": "answered"}
        t = time.perf_counter()
        r = client.put(f"/api/groups/{first}/answer", json=body, headers={"X-CSRF-Token": client.cookies.get("pnlp_csrf") or ""})
        put = time.perf_counter() - t
        assert r.status_code == 200, r.text
        app.app.state.relinker.wait()
        after = time.perf_counter() - t
        print(f"save an answer (PUT) with a {args.rows}-row later survey: {put:.3f} s; its links updated in the background "
              f"{after:.2f} s after the save began")
        t = time.perf_counter()
        ws.record_answer(store, first, **{**body, "answer": "Đã bố trí quỹ đất."})
        print(f"the same save done at once (library/CLI, record_answer(relink=True)): {time.perf_counter() - t:.2f} s")


def _dev_pairs() -> pd.DataFrame:
    """The dev pairs for the "already answered" threshold: tests/fixtures/answered_dev.csv (36 pairs,
    column ``same``) and answered_dev2.csv (column ``relation``: same / neighbour /
    unrelated_same_topic), as ``earlier, later, same``."""
    fixtures = ROOT / "tests" / "fixtures"
    first = pd.read_csv(fixtures / "answered_dev.csv", dtype=str, keep_default_na=False)
    parts = [pd.DataFrame({"earlier": first["earlier"], "later": first["later"], "same": first["same"] == "1"})]
    second = fixtures / "answered_dev2.csv"
    if second.exists():
        more = pd.read_csv(second, dtype=str, keep_default_na=False)
        parts.append(pd.DataFrame({"earlier": more["earlier"], "later": more["later"], "same": more["relation"] == "same"}))
    return pd.concat(parts, ignore_index=True)


def answered_dev(target_precision: float = 0.95) -> None:
    """The dev pairs, two ways. First the pair rule used before the survey-level simulation:
    cosine similarity of each (answered issue, later petition) pair with the catalogue veto, and
    precision / recall at each threshold (its rule: the lowest threshold whose precision reaches
    ``target_precision``). Then the shipped decision (:mod:`petition_nlp.grouping.answered`, chosen on
    ``benchmarks/answered_dev.py``), each pair as a petition facing a one-member answered group."""
    import numpy as np

    from petition_nlp import pipeline
    from petition_nlp.grouping import answered as am

    pairs = _dev_pairs()
    n = len(pairs)
    vectors, issues = pipeline.grouping_signals(pairs["earlier"].tolist() + pairs["later"].tolist())
    sims = np.asarray(vectors[:n].multiply(vectors[n:]).sum(axis=1)).ravel()
    vetoed = (issues[:n] != "") & (issues[n:] != "") & (issues[:n] != issues[n:])
    same = pairs["same"].to_numpy()
    print(f"{n} pairs: same issue {same.sum()}, other issue {(~same).sum()}; catalogue names different issues "
          f"for {int((vetoed & same).sum())} same / {int((vetoed & ~same).sum())} other pairs")
    chosen = None
    for t in np.round(np.arange(0.15, 0.751, 0.05), 2):
        pred = (sims >= t) & ~vetoed
        tp, fp, fn = int((pred & same).sum()), int((pred & ~same).sum()), int((~pred & same).sum())
        precision = tp / max(1, tp + fp)
        if chosen is None and precision >= target_precision:
            chosen = t
        print(f"pair rule, cosine >= {t:.2f}: precision {precision:.3f} recall {tp / max(1, tp + fn):.3f}")
    print(f"pair rule: lowest threshold with precision >= {target_precision}: {chosen}")
    probability = np.zeros(n)
    for i, (earlier, later) in enumerate(zip(pairs["earlier"], pairs["later"])):
        found = am.match_answered([later], ["same"], [([earlier], "same")], threshold=0.0)  # one topic: the pair is the question
        probability[i] = found[0][2] if found else 0.0
    for t in sorted({0.5, 0.7, am.LINK_THRESHOLD}):
        pred = probability >= t
        tp, fp, fn = int((pred & same).sum()), int((pred & ~same).sum()), int((~pred & same).sum())
        mark = "  <- LINK_THRESHOLD (shipped)" if t == am.LINK_THRESHOLD else ""
        print(f"shipped decision, probability >= {t:.2f}: precision {tp / max(1, tp + fp):.3f} recall {tp / max(1, tp + fn):.3f}{mark}")


if __name__ == "__main__":
    main()
