"""Benchmarks for petition-nlp (not a test). Writes benchmarks/results.json and results.md.

    .venv/bin/python benchmarks/run.py              # full run (about 35 minutes on 2 cores)
    .venv/bin/python benchmarks/run.py --quick      # 1k / 10k only, fewer repeats

Every figure is the median of several runs. Petitions for the large sizes are drawn from
the labelled corpus with light perturbation (a unit prefix, a dropped or repeated word),
so every text is distinct and nothing generated is gibberish. The segmentation cache is
disabled for throughput figures, so every text is really segmented.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLI = str(BIN / "petition-nlp")
LABELED = ROOT / "data" / "labeled"
SAMPLE = ROOT / "data" / "raw" / "sample_survey.xlsx"
UNITS = ["CĐCS Công ty May Hòa Bình", "CĐ Trường THCS Lê Lợi", "CĐCS Công ty Điện tử Sao Mai", "CĐCS Cảng Cái Lân",
         "CĐCS Bệnh viện Đa khoa tỉnh", "CĐCS Công ty Gỗ Phú Tài", "CĐCS Công ty Thủy sản Minh Phú"]


def perturbed_petitions(n: int, seed: int = 0) -> list[str]:
    """``n`` distinct petitions drawn from the labelled corpus with light perturbation."""
    base = pd.read_csv(LABELED / "petitions.csv", dtype=str)["text"].tolist()
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = rng.choice(base).split()
        op = rng.random()
        if op < 0.3 and len(words) > 6:
            del words[rng.randrange(len(words))]
        elif op < 0.6:
            k = rng.randrange(len(words))
            words.insert(k, words[k])
        text = " ".join(words)
        out.append(f"{rng.choice(UNITS)} (phiếu {i + 1}): {text}")
    return out


class PeakRSS:
    """Samples the resident memory of a process and all its descendants (Linux /proc).

    ``peak``: the largest sum of resident sizes (shared library pages count once per process);
    ``peak_pss``: the largest sum of proportional set sizes (shared pages split between the
    processes sharing them), when ``track_pss`` and the kernel has ``smaps_rollup``.
    """

    def __init__(self, pid: int, *, track_pss: bool = False) -> None:
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.track_pss, self.peak_pss = track_pss, 0
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as fh:
                        ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry))
                except (OSError, ValueError, IndexError):
                    pass
        todo, seen = [self.pid], []
        while todo:
            p = todo.pop()
            seen.append(p)
            todo.extend(children.get(p, []))
        return seen

    @staticmethod
    def _field(path: str, name: str) -> int:
        try:
            with open(path) as fh:
                for line in fh:
                    if line.startswith(name):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            tree = self._tree()
            self.peak = max(self.peak, sum(self._field(f"/proc/{p}/status", "VmRSS:") for p in tree))
            if self.track_pss:
                pss = sum(self._field(f"/proc/{p}/smaps_rollup", "Pss:") for p in tree)
                self.peak_pss = max(self.peak_pss, pss)
            time.sleep(0.05)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def run_measured(cmd: list[str], env: dict[str, str] | None = None, *, track_pss: bool = False) -> tuple[float, PeakRSS]:
    """Wall time of a command and the memory sampler that watched its process tree."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with PeakRSS(proc.pid, track_pss=track_pss) as mem:
        _, err = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed: {err.decode()[-500:]}")
    return time.perf_counter() - start, mem


def run_timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and peak memory (bytes, summed resident size of the process tree) of a command."""
    seconds, mem = run_measured(cmd, env)
    return seconds, mem.peak


def median_of(fn: Callable[[], float], runs: int) -> float:
    return statistics.median(fn() for _ in range(runs))


def no_cache_env() -> dict[str, str]:
    return {**os.environ, "PETITION_NLP_CACHE": "0"}


def segmentation_alone(texts: list[str], *, ours: bool = False) -> float:
    """Seconds to segment the normalised texts on one core, model load excluded.

    ``ours=False``: ``underthesea.word_tokenize`` (the issue's floor); ``ours=True``: the same
    CRF decoded by ``petition_nlp.text.crfseg`` (identical output), starting with an empty memo.
    """
    from petition_nlp.text import crfseg
    from petition_nlp.text.normalize import normalize_text
    from petition_nlp.text.segment import _word_tokenize

    norm = [normalize_text(t) for t in texts]
    if ours:
        segmenter = crfseg.load_segmenter.__wrapped__()
        assert segmenter is not None, "crfseg cannot read the installed underthesea model"
        segment = segmenter.segment
    else:
        segment = _word_tokenize()  # underthesea.word_tokenize(text, format="text")
        segment("khởi động")  # load the model before timing
    start = time.perf_counter()
    for text in norm:
        if text.strip():
            segment(text)
    return time.perf_counter() - start


def bench_classify(sizes: list[int], runs: int, tmp: Path, results: dict) -> None:
    from petition_nlp import PetitionClassifier

    os.environ["PETITION_NLP_CACHE"] = "0"
    model = PetitionClassifier.load()
    for n in sizes:
        texts = perturbed_petitions(n, seed=n)
        src = tmp / f"in_{n}.csv"
        pd.DataFrame({"id": range(1, n + 1), "text": texts}).to_csv(src, index=False)
        r = max(1, runs if n <= 10_000 else (runs + 1) // 2)
        cli_times, cli_mem = [], []
        for _ in range(r):
            t, m = run_timed([CLI, "classify", str(src), "-o", str(tmp / "out.csv")], env=no_cache_env())
            cli_times.append(t)
            cli_mem.append(m)
        api_times, seg_shares = [], []
        for _ in range(r):
            frame = pd.read_csv(src, dtype=str, keep_default_na=False)
            t0 = time.perf_counter()
            model.classify(frame, text_column="text")
            api_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            views = model.views(frame["text"].tolist())
            t1 = time.perf_counter()
            model.predict_proba(views)
            seg_shares.append((t1 - t0) / (time.perf_counter() - t0))
        m = min(n, 10_000)
        seg_times = [segmentation_alone(texts[:m]) * (n / m) for _ in range(r if n <= 10_000 else 1)]
        ours_times = [segmentation_alone(texts[:m], ours=True) * (n / m) for _ in range(r if n <= 10_000 else 1)]
        results["classify"][str(n)] = {
            "cli_petitions_per_s": round(n / statistics.median(cli_times), 1),
            "api_petitions_per_s": round(n / statistics.median(api_times), 1),
            "segmentation_alone_1core_per_s": round(n / statistics.median(seg_times), 1),
            "crfseg_alone_1core_per_s": round(n / statistics.median(ours_times), 1),
            "share_of_api_time_in_preprocessing": round(statistics.median(seg_shares), 3),
            "cli_peak_memory_mb": round(statistics.median(cli_mem) / 2**20, 1),
            "runs": r,
        }
        row = results["classify"][str(n)]
        row["cli_vs_segmentation"] = round(row["cli_petitions_per_s"] / row["segmentation_alone_1core_per_s"], 2)
        row["api_vs_cli"] = round(row["api_petitions_per_s"] / row["cli_petitions_per_s"], 2)
        print(f"classify {n}: {row}", flush=True)


def bench_cold_start(runs: int, tmp: Path, results: dict) -> None:
    one = tmp / "one.txt"
    one.write_text("Đề nghị xây dựng nhà ở xã hội cho công nhân khu công nghiệp\n", encoding="utf-8")
    bare = [sys.executable, "-c",
            "import pandas, sklearn, joblib, numpy; from underthesea import word_tokenize; "
            "word_tokenize('Đề nghị xây dựng nhà ở xã hội cho công nhân khu công nghiệp')"]
    cli = [CLI, "classify", str(one)]
    bare_times, cli_times = [], []
    for _ in range(runs):  # interleaved, so a drift in the machine's speed hits both alike
        bare_times.append(run_timed(bare, env=no_cache_env())[0])
        cli_times.append(run_timed(cli, env=no_cache_env())[0])
    bare_t, cli_t = statistics.median(bare_times), statistics.median(cli_times)
    results["cold_start"] = {"bare_python_s": round(bare_t, 3), "cli_classify_one_s": round(cli_t, 3), "ratio": round(cli_t / bare_t, 2)}
    print("cold start", results["cold_start"], flush=True)


def bench_training(runs: int, results: dict) -> None:
    from petition_nlp import PetitionClassifier
    from petition_nlp.model.training import load_labeled

    data = load_labeled([LABELED / "petitions.csv"])
    model = PetitionClassifier()
    views = model.views(data.texts)  # cached once: training shares one segmentation pass
    chosen_idf = PetitionClassifier.load().use_idf_

    def fit(auto: bool) -> float:
        # without CV: a fixed review threshold and the IDF setting the CV chose on this corpus
        clf = PetitionClassifier() if auto else PetitionClassifier(review_threshold=0.5, use_idf=chosen_idf)
        t0 = time.perf_counter()
        clf.fit(views, data.labels)
        return time.perf_counter() - t0

    os.environ["PETITION_NLP_CACHE"] = "0"
    t0 = time.perf_counter()
    PetitionClassifier().views(data.texts)
    seg = time.perf_counter() - t0
    results["training"] = {
        "rows": len(data.texts),
        "segmentation_s": round(seg, 2),
        "fit_s": round(median_of(lambda: fit(False), runs), 2),
        "fit_with_cv_s": round(median_of(lambda: fit(True), runs), 2),
    }
    print("training", results["training"], flush=True)


def bench_shortlist(runs: int, tmp: Path, results: dict) -> None:
    results["shortlist"] = {}
    # the machine is shared: keep its load beside the figures (the 17.2 s 145 -> 15 CLI figure of
    # 2026-12-03 09:20 could not be reproduced later with the same code: 5-7 s; nothing recorded the load)
    results["shortlist_load_avg"] = {"start": round(os.getloadavg()[0], 2)}
    # shortlisting segments each text once and reuses it for grouping through the on-disk cache:
    # measure with the cache on but cold (a new, empty cache folder for every run)

    def cold_env() -> dict[str, str]:
        return {**os.environ, "PETITION_NLP_CACHE": "1", "PETITION_NLP_CACHE_DIR": tempfile.mkdtemp(dir=tmp)}

    if SAMPLE.exists():
        t = median_of(lambda: run_timed([CLI, "shortlist", str(SAMPLE), "-n", "15", "-o", str(tmp / "s.csv")], env=cold_env())[0], runs)
        results["shortlist"]["145_to_15_cli_s"] = round(t, 2)
    from petition_nlp import PetitionClassifier, group_and_select
    from petition_nlp.files.io import read_table

    model = PetitionClassifier.load()
    os.environ["PETITION_NLP_CACHE"] = "1"

    def cold(fn: Callable[[], object]) -> float:
        os.environ["PETITION_NLP_CACHE_DIR"] = tempfile.mkdtemp(dir=tmp)
        return _time(fn)

    if SAMPLE.exists():
        survey, _ = read_table(SAMPLE)
        model.classify(survey.head(2))  # "model loaded": its word segmenter too (loaded on first use)
        t = median_of(lambda: cold(lambda: group_and_select(survey, 15, model=model)), runs)
        results["shortlist"]["145_to_15_api_s"] = round(t, 2)
    big = tmp / "big.csv"
    pd.DataFrame({"id": range(1, 20_001), "text": perturbed_petitions(20_000, seed=7)}).to_csv(big, index=False)
    frame = pd.read_csv(big, dtype=str)
    results["shortlist"]["20000_to_50_api_s"] = round(cold(lambda: group_and_select(frame, 50, text_column="text", model=model)), 2)
    t = median_of(lambda: run_timed([CLI, "shortlist", str(big), "-n", "50", "-o", str(tmp / "s2.csv")], env=cold_env())[0], max(1, runs // 2))
    results["shortlist"]["20000_to_50_cli_s"] = round(t, 2)
    results["shortlist_load_avg"]["end"] = round(os.getloadavg()[0], 2)
    print("shortlist", results["shortlist"], "load average", results["shortlist_load_avg"], flush=True)


def bench_peers(runs: int, results: dict) -> None:
    """Our model vs underthesea_core.TextClassifier on the same split (petitions -> test)."""
    import underthesea_core
    from sklearn.metrics import f1_score

    from petition_nlp import PetitionClassifier
    from petition_nlp.model.training import load_labeled

    train = load_labeled([LABELED / "petitions.csv"])
    test = load_labeled([LABELED / "test.csv"])
    ours = PetitionClassifier.load()
    os.environ["PETITION_NLP_CACHE"] = "0"
    t_ours = median_of(lambda: _time(lambda: ours.predict(test.texts)), runs)
    pred = ours.predict(test.texts)
    peer = underthesea_core.TextClassifier()
    t0 = time.perf_counter()
    peer.fit(train.texts, train.labels)
    peer_fit = time.perf_counter() - t0
    t_peer = median_of(lambda: _time(lambda: peer.predict_batch(test.texts)), runs)
    peer_pred = peer.predict_batch(test.texts)
    results["peers"] = {
        "test_rows": len(test.texts),
        "ours_macro_f1": round(f1_score(test.labels, pred, average="macro"), 4),
        "underthesea_core_macro_f1": round(f1_score(test.labels, peer_pred, average="macro"), 4),
        "ours_petitions_per_s": round(len(test.texts) / t_ours, 1),
        "underthesea_core_petitions_per_s": round(len(test.texts) / t_peer, 1),
        "underthesea_core_fit_s": round(peer_fit, 3),
    }
    r = results["peers"]
    r["macro_f1_ratio"] = round(r["ours_macro_f1"] / r["underthesea_core_macro_f1"], 3)
    r["throughput_ratio"] = round(r["ours_petitions_per_s"] / r["underthesea_core_petitions_per_s"], 4)
    print("peers", r, flush=True)


def _time(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def markdown(results: dict) -> str:
    lines = ["| measure | value |", "|---|---|"]
    for n, row in results.get("classify", {}).items():
        lines.append(f"| classify {int(n):,} petitions, CLI (petitions/s) | {row['cli_petitions_per_s']:,} |")
        lines.append(f"| classify {int(n):,} petitions, API (petitions/s) | {row['api_petitions_per_s']:,} |")
        lines.append(f"| underthesea segmentation alone, 1 core (petitions/s) | {row['segmentation_alone_1core_per_s']:,} |")
        lines.append(f"| the same CRF through petition_nlp.text.crfseg, 1 core (petitions/s) | {row['crfseg_alone_1core_per_s']:,} |")
        lines.append(f"| CLI / segmentation alone; API / CLI ({int(n):,}) | {row['cli_vs_segmentation']} ; {row['api_vs_cli']} |")
        lines.append(f"| share of API time in preprocessing + segmentation ({int(n):,}) | {row['share_of_api_time_in_preprocessing']:.0%} |")
        lines.append(f"| peak memory, CLI incl. workers ({int(n):,}) | {row['cli_peak_memory_mb']} MB |")
    if "cold_start" in results:
        c = results["cold_start"]
        lines.append(f"| cold start: classify 1 petition vs bare import+segment | {c['cli_classify_one_s']} s vs {c['bare_python_s']} s (×{c['ratio']}) |")
    if "training" in results:
        t = results["training"]
        lines.append(f"| training on {t['rows']} rows: segmentation / fit / fit with CV | {t['segmentation_s']} s / {t['fit_s']} s / {t['fit_with_cv_s']} s |")
    for k, v in results.get("shortlist", {}).items():
        how = "CLI, incl. start-up" if k.endswith("_cli_s") else "API, model loaded"
        lines.append(f"| shortlist {k.rsplit('_', 2)[0].replace('_to_', ' → ')} ({how}, incl. classification) | {v} s |")
    if "peers" in results:
        p = results["peers"]
        lines.append(f"| macro-F1 on test.csv: ours vs underthesea_core.TextClassifier | {p['ours_macro_f1']} vs {p['underthesea_core_macro_f1']} (×{p['macro_f1_ratio']}) |")
        lines.append(f"| predict throughput: ours vs underthesea_core.TextClassifier | {p['ours_petitions_per_s']:,} vs {p['underthesea_core_petitions_per_s']:,} /s |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1k and 10k only, 2 runs each")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default=None, help="comma-separated classify sizes (default 1000,10000,100000)")
    parser.add_argument("--only", default="classify,cold,training,shortlist,peers")
    args = parser.parse_args()
    runs = 2 if args.quick else args.runs
    sizes = [int(s) for s in (args.sizes or ("1000,10000" if args.quick else "1000,10000,100000")).split(",")]
    results: dict = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "date": time.strftime("%Y-%m-%d %H:%M"),
        "classify": {},
    }
    out_json = ROOT / "benchmarks" / "results.json"
    if out_json.exists():
        previous = json.loads(out_json.read_text(encoding="utf-8"))
        results = {**previous, **{k: v for k, v in results.items() if k != "classify"}, "classify": previous.get("classify", {})}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        todo = set(args.only.split(","))
        if "classify" in todo:
            bench_classify(sizes, runs, tmp, results)
        if "cold" in todo:
            bench_cold_start(max(3, runs), tmp, results)
        if "training" in todo:
            bench_training(runs, results)
        if "shortlist" in todo:
            bench_shortlist(runs, tmp, results)
        if "peers" in todo:
            bench_peers(runs, results)
    out_json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (ROOT / "benchmarks" / "results.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
