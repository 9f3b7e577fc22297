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
    assert streamed[list(frame.columns)].equals(frame)
    assert streamed["category"].tolist() == expected["category"].tolist()
    assert streamed["status"].tolist() == expected["status"].tolist()
