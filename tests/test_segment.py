"""Word segmentation: the fast CRF decoder equals underthesea, and the on-disk cache works."""

from __future__ import annotations

import json
import random

import pandas as pd
import pytest
from underthesea import word_tokenize

from petition_nlp.text import crfseg
from petition_nlp.text import segment
from petition_nlp.text.normalize import normalize_text
from petition_nlp.text.segment import SegmentCache, segment_texts

EDGE_CASES = [
    "ok",
    "Đề nghị UBND tỉnh Bắc Ninh sớm xây dựng nhà ở xã hội cho CNLĐ KCN Quế Võ",
    "cty no bhxh 6 thang roi!!! bao gio moi chot so ???",
    "Lương 4.500.000đ/tháng (chưa tính OT), 02/05/2024 nghỉ; email: a.b@cty.vn",
    "... --- ==> :)",
    "2021 2022 2023",
    "H'Mông Tp. Hồ Chí Minh v.v.",
    "  ",
]


@pytest.fixture(scope="module")
def fast() -> crfseg.CRFSegmenter:
    segmenter = crfseg.load_segmenter()
    assert segmenter is not None, "the installed underthesea model should be readable"
    return segmenter


def test_fast_segmenter_equals_underthesea_on_the_corpus(fast, corpus: pd.DataFrame) -> None:
    raw = corpus["text"].tolist()[:600]
    texts = raw + [normalize_text(t) for t in raw] + EDGE_CASES
    mismatches = [t for t in texts if fast.segment(t) != word_tokenize(t, format="text")]
    assert mismatches == []


def test_fast_segmenter_tags_word_starts(fast) -> None:
    assert fast.segment("chung cư cho công nhân lao động") == "chung_cư cho công_nhân lao_động"
    assert fast.tag([]) == []
    assert fast.tag(["công", "nhân"]) == [True, False]


def test_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported feature template"):
        crfseg.CRFSegmenter(["W[0]"], set(), {}, ((0.0, 0.0), (0.0, 0.0)))


def test_without_python_crfsuite_falls_back_to_underthesea(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PETITION_NLP_CACHE_DIR", str(tmp_path))  # no kept model read either
    monkeypatch.setitem(__import__("sys").modules, "pycrfsuite", None)
    assert crfseg.load_segmenter.__wrapped__() is None


def test_large_batches_use_the_fast_path_with_the_same_result(monkeypatch, corpus) -> None:
    texts = [normalize_text(t) for t in corpus["text"].tolist()[: segment.FAST_MIN_TEXTS]]
    expected = [word_tokenize(t, format="text") if t.strip() else "" for t in texts]
    calls = []
    real = crfseg.CRFSegmenter.segment
    monkeypatch.setattr(crfseg.CRFSegmenter, "segment", lambda self, t: calls.append(t) or real(self, t))
    assert segment_texts(texts, n_jobs=1, cache=False) == expected
    assert len(calls) >= len(set(texts)) - 1  # blank texts skip segmentation


def test_cache_is_read_back_and_can_be_disabled(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PETITION_NLP_CACHE_DIR", str(tmp_path))
    texts = ["chung cư cho công nhân", "bảo hiểm xã hội", "chung cư cho công nhân"]
    first = segment_texts(texts, n_jobs=1)
    assert first == ["chung_cư cho công_nhân", "bảo_hiểm_xã_hội", "chung_cư cho công_nhân"]
    assert (tmp_path / "segments.sqlite").exists()

    def no_segmentation(todo, *, n_jobs):
        raise AssertionError(f"segmented again: {todo}")

    monkeypatch.setattr(segment, "_segment_parallel", no_segmentation)
    assert segment_texts(texts, n_jobs=1) == first  # all from the cache
    monkeypatch.setenv("PETITION_NLP_CACHE", "0")
    with pytest.raises(AssertionError, match="segmented again"):
        segment_texts(texts, n_jobs=1)


def test_cache_is_bounded(tmp_path) -> None:
    cache = SegmentCache(tmp_path / "seg.sqlite", max_entries=10)
    for i in range(3):
        cache.put_many({SegmentCache.key(f"text {i} {j}"): "x" for j in range(6)})
    keys = [SegmentCache.key(f"text {i} {j}") for i in range(3) for j in range(6)]
    kept = cache.get_many(keys)
    assert 0 < len(kept) <= 10
    assert all(k in kept for k in keys[-6:])  # the newest entries survive


ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"


def _random_texts(rng: random.Random, n: int) -> list[str]:
    pieces = [*ALPHABET, *ALPHABET.upper(), " ", " ", " ", ".", ",", "-", "/", ":", "(", ")", "%", "'", "0", "1", "9",
              "@", "_", "=>", "...", "http://", "www.", "Tp.", "v.v", "x", "\u0301", "\u00a0", "🙂"]
    texts = []
    for _ in range(n):
        length = rng.randint(0, 60)
        texts.append("".join(rng.choice(pieces) for _ in range(length)))
    return texts


def test_fast_segmenter_equals_underthesea_on_random_text(fast) -> None:
    """Random syllable soup with symbols, URLs, numbers, combining marks and emoji."""
    rng = random.Random(20261202)
    texts = _random_texts(rng, 1500)
    assert [t for t in texts if fast.segment(t) != word_tokenize(t, format="text")] == []


def test_model_read_is_kept_beside_the_cache_and_a_broken_copy_is_rebuilt(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PETITION_NLP_CACHE_DIR", str(tmp_path))
    first = crfseg.load_segmenter.__wrapped__()
    (kept,) = tmp_path.glob("crfseg-*.json")
    text = "cty no bhxh 6 thang roi bao gio moi chot so"

    def no_model_read():
        raise AssertionError("read the model again")

    monkeypatch.setattr(crfseg, "_read_model", no_model_read)
    second = crfseg.load_segmenter.__wrapped__()
    assert second is not None and second.segment(text) == first.segment(text) == word_tokenize(text, format="text")

    kept.write_text("{not json", encoding="utf-8")
    assert crfseg.load_segmenter.__wrapped__() is None  # rebuilding needs the model read: refused here
    monkeypatch.undo()
    monkeypatch.setenv("PETITION_NLP_CACHE_DIR", str(tmp_path))
    assert crfseg.load_segmenter.__wrapped__() is not None
    assert json.loads(kept.read_text(encoding="utf-8"))["templates"] == first.templates


def test_memos_stay_bounded_and_results_unchanged(monkeypatch, corpus) -> None:
    monkeypatch.setattr(crfseg, "_MEMO_LIMIT", 50)
    segmenter = crfseg.load_segmenter.__wrapped__()
    texts = [normalize_text(t) for t in corpus["text"].tolist()[:150]]
    assert [segmenter.segment(t) for t in texts] == [word_tokenize(t, format="text") for t in texts]
    assert all(len(memo) <= 50 for memo in segmenter._memo.values())
    assert len(segmenter._token_memo) <= 50
