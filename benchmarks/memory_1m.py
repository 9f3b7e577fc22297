"""Peak memory of `petition-nlp classify` on 1,000,000 petitions (CSV in, CSV out). Not a test.

    .venv/bin/python benchmarks/memory_1m.py [--rows 1000000] [--distinct 50000]

The input holds ``--rows`` petitions drawn, with light perturbation, from the labelled corpus;
``--distinct`` different texts are cycled (each row keeps its own id and unit), so the run
finishes in minutes: repeated texts are segmented once (segmentation cache), but every row is
still read, normalised, vectorised, classified and written. Memory is the peak resident size
of the CLI process and its worker processes, sampled every 50 ms (summed: shared library pages
count once per process), and the peak of their summed proportional set sizes (PSS: each shared
page split between the processes that share it).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import CLI, ROOT, perturbed_petitions, run_measured  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--distinct", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as d:
        src, out = Path(d) / "in.csv", Path(d) / "out.csv"
        base = perturbed_petitions(args.distinct, seed=11)
        with open(src, "w", encoding="utf-8", newline="") as fh:
            for start in range(0, args.rows, 100_000):
                n = min(100_000, args.rows - start)
                pd.DataFrame(
                    {"id": range(start + 1, start + n + 1), "text": [base[(start + i) % len(base)] for i in range(n)]}
                ).to_csv(fh, index=False, header=start == 0)
        size_mb = src.stat().st_size / 2**20
        seconds, mem = run_measured([CLI, "classify", str(src), "-o", str(out)], track_pss=True)
        with open(out, encoding="utf-8-sig") as fh:
            rows_out = sum(1 for _ in fh) - 1
    result = {
        "rows": args.rows, "distinct_texts": args.distinct, "input_mb": round(size_mb, 1),
        "rows_out": rows_out, "seconds": round(seconds, 1), "peak_memory_mb": round(mem.peak / 2**20, 1),
        "peak_pss_mb": round(mem.peak_pss / 2**20, 1),
        "date": time.strftime("%Y-%m-%d %H:%M"),
    }
    print(json.dumps(result, indent=2))
    (ROOT / "benchmarks" / "memory_1m.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
