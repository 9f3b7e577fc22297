"""The optional neural ensemble ([neural] extra): skipped where PyTorch is not installed."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from conftest import run_cli
from petition_nlp import PetitionClassifier
from petition_nlp.model.neural import OOV, BiRNNClassifier, MissingExtra

TOY = (
    [f"xin nhà_ở xã_hội cho công_nhân số {i}" for i in range(30)]
    + [f"công_ty nợ bảo_hiểm_xã_hội tháng {i}" for i in range(30)]
)
TOY_LABELS = ["housing"] * 30 + ["social_insurance"] * 30


def test_missing_pytorch_is_one_clear_error(monkeypatch, small_training, tmp_path) -> None:
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(MissingExtra, match=r"pip install 'petition-nlp\[neural\]'"):
        PetitionClassifier(neural_weight=0.4, review_threshold=0.5, use_idf=False).fit(
            small_training["text"], small_training["label"]
        )
    data = tmp_path / "labels.csv"
    small_training.to_csv(data, index=False)
    result = run_cli("train", data, "--only", "--neural-weight", "0.4", "--output", tmp_path / "m")
    assert result.exit_code != 0
    assert "error: the neural ensemble needs PyTorch" in result.stderr
    assert "Traceback" not in result.output + result.stderr


torch = pytest.importorskip("torch")


def test_network_learns_a_toy_task_deterministically_and_survives_pickling() -> None:
    first = BiRNNClassifier(epochs=6, hidden=16, emb_dim=16, random_state=3).fit(TOY, TOY_LABELS)
    second = clone(first).fit(TOY, TOY_LABELS)
    proba = first.predict_proba(TOY)
    assert np.array_equal(proba, second.predict_proba(TOY))  # same seed, same network
    assert list(first.predict(TOY)) == TOY_LABELS
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    restored = pickle.loads(pickle.dumps(first))
    assert restored._network is None  # only tensors and the vocabulary are pickled, not the live module
    assert np.array_equal(restored.predict_proba(TOY), proba)
    assert first.predict_proba([]).shape == (0, 2)
    assert first.get_params()["hidden"] == 16  # constructor arguments stored unchanged
    frame = pd.DataFrame({"norm": TOY, "seg": ["unrelated"] * len(TOY)})
    assert np.array_equal(first.predict_proba(frame), proba)  # reads the "norm" view of a DataFrame


def test_rare_tokens_train_the_unknown_token() -> None:
    # every number appears twice in TOY (once per class); the words 30 times each
    rare = BiRNNClassifier(epochs=1, hidden=8, emb_dim=8, min_count=3).fit(TOY, TOY_LABELS)
    kept = BiRNNClassifier(epochs=1, hidden=8, emb_dim=8, min_count=1).fit(TOY, TOY_LABELS)
    assert "7" not in rare.vocabulary_ and "nhà_ở" in rare.vocabulary_
    assert "7" in kept.vocabulary_
    assert rare._encode(["nhà_ở 7"])[0] == [rare.vocabulary_["nhà_ở"], OOV]


def test_petition_classifier_averages_linear_and_neural(small_training) -> None:
    w = 0.4
    model = PetitionClassifier(neural_weight=w, review_threshold=0.5, use_idf=False).fit(
        small_training["text"], small_training["label"]
    )
    texts = ["Đề nghị xây nhà ở xã hội cho công nhân", "Công ty nợ BHXH sáu tháng"]
    views = model.views(texts)
    linear, neural = model.model_.estimators_
    expected = (1 - w) * linear.predict_proba(views) + w * neural.predict_proba(views)
    np.testing.assert_allclose(model.predict_proba(texts).to_numpy(), expected)
    assert list(model.predict(texts)) == ["housing", "social_insurance"]
    out = model.classify(pd.DataFrame({"id": [1, 2], "text": texts}), text_column="text")
    assert list(out["id"]) == [1, 2] and list(out["category"]) == ["housing", "social_insurance"]


def test_cross_validation_report_describes_the_ensemble(small_training) -> None:
    X, y = small_training["text"], small_training["label"]
    ensemble = PetitionClassifier(neural_weight=0.5, use_idf=False, cv=3).fit(X, y)
    linear = PetitionClassifier(use_idf=False, cv=3).fit(X, y)
    assert ensemble.cv_report_["neural_weight"] == 0.5
    assert ensemble.cv_predictions_.shape == linear.cv_predictions_.shape
    assert not np.allclose(ensemble.cv_predictions_.to_numpy(), linear.cv_predictions_.to_numpy())


def test_network_pickled_before_min_count_still_loads_and_clones() -> None:
    old = BiRNNClassifier(epochs=1, hidden=8, emb_dim=8, min_count=1).fit(TOY, TOY_LABELS)
    state = old.__getstate__()
    del state["min_count"]
    restored = BiRNNClassifier.__new__(BiRNNClassifier)
    restored.__setstate__(state)
    assert restored.get_params()["min_count"] == 1
    assert clone(restored).min_count == 1
    assert np.array_equal(restored.predict_proba(TOY), old.predict_proba(TOY))
