"""The public API: every exported name resolves; chunked file classification equals in-memory."""

import pandas as pd

import petition_nlp
from conftest import FIXTURES
from petition_nlp import classify_file, read_table


def test_every_public_name_resolves() -> None:
    for name in petition_nlp.__all__:
        assert getattr(petition_nlp, name) is not None, name


def test_streaming_in_small_chunks_equals_in_memory(tmp_path, default_model) -> None:
    source = FIXTURES / "hostile" / "bad_rows.csv"
    out = tmp_path / "out.csv"
    summary, info = classify_file(source, out, model=default_model, chunk_rows=2)
    streamed = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame, _ = read_table(source)
    expected = default_model.classify(frame).astype(str).replace({"nan": ""})
    assert len(streamed) == len(frame) == len(summary)
    assert streamed[list(frame.columns)].equals(frame.astype(str))  # source_row: read back as text
    assert streamed["category"].tolist() == expected["category"].tolist()
    assert streamed["status"].tolist() == expected["status"].tolist()


def test_parallel_stream_equals_single_process_in_order(default_model) -> None:
    """Chunks classified by worker processes come back in order, empty and unusable chunks included."""
    import copy

    texts = [
        "Đề nghị xây nhà ở xã hội cho công nhân",
        "Công ty nợ BHXH 6 tháng",
        "",
        "Mở lớp học nghề hàn buổi tối",
        "Khu trọ hay mất trộm xe máy",
        "12345",
        "Kết nạp Đảng cho công nhân trẻ",
    ]
    frames = [pd.DataFrame({"text": texts[:2]}), pd.DataFrame({"text": ["", "   "]}),
              pd.DataFrame({"text": []}), pd.DataFrame({"text": texts[2:]})]
    parallel = copy.copy(default_model)
    parallel.n_jobs = 2
    single = copy.copy(default_model)
    single.n_jobs = 1
    ticks: list[int] = []
    got = list(parallel.classify_stream(frames, text_column="text", progress=ticks.append))
    want = list(single.classify_stream(frames, text_column="text"))
    assert [len(f) for f in got] == [2, 2, 0, 5]
    assert sum(ticks) == 9
    for a, b in zip(got, want):
        assert a["text"].tolist() == b["text"].tolist()
        assert a["category"].tolist() == b["category"].tolist()
        assert a["confidence"].fillna(-1).tolist() == b["confidence"].fillna(-1).tolist()
    assert got[0]["category"].tolist() == ["housing", "social_insurance"]
    assert got[1]["status"].tolist() == ["empty", "empty"]
    assert "category" not in frames[0].columns  # the caller's frames are left as they were
