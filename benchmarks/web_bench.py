"""Workspace timings (issue 16's acceptance): server time of uploading + classifying the sample
survey, and of rendering one page of a 20,000-row survey.

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
    parser.add_argument("--answered-dev", action="store_true", help="Only: precision/recall of the already-answered threshold on tests/fixtures/answered_dev.csv.")
    args = parser.parse_args()
    if args.answered_dev:
        answered_dev()
        return

    from fastapi.testclient import TestClient

    from petition_nlp import pipeline
    from petition_nlp.modelstore import load_model
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


def answered_dev() -> None:
    """Similarity of each (answered issue, later petition) pair of the dev file and precision /
    recall of the "already answered" link at thresholds around the chosen one."""
    import numpy as np

    from petition_nlp import pipeline
    from petition_nlp.store.workspace import ANSWERED_THRESHOLD

    pairs = pd.read_csv(ROOT / "tests" / "fixtures" / "answered_dev.csv")
    vectors = pipeline.grouping_vectors(pairs["earlier"].tolist() + pairs["later"].tolist())
    n = len(pairs)
    sims = np.asarray(vectors[:n].multiply(vectors[n:]).sum(axis=1)).ravel()
    same = pairs["same"].to_numpy() == 1
    print(f"{n} pairs: same issue {same.sum()} (similarity min {sims[same].min():.3f}), neighbouring issue {(~same).sum()} (max {sims[~same].max():.3f})")
    for t in (0.2, 0.25, ANSWERED_THRESHOLD, 0.35, 0.4, 0.5):
        pred = sims >= t
        tp, fp, fn = int((pred & same).sum()), int((pred & ~same).sum()), int((~pred & same).sum())
        mark = "  <- ANSWERED_THRESHOLD" if t == ANSWERED_THRESHOLD else ""
        print(f"threshold {t:.3f}: precision {tp / max(1, tp + fp):.2f} recall {tp / max(1, tp + fn):.2f}{mark}")


if __name__ == "__main__":
    main()
