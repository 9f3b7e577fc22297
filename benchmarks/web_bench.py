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
    args = parser.parse_args()

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


if __name__ == "__main__":
    main()
