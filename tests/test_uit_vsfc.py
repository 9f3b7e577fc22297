"""Train / evaluate through the CLI on a real, human-labelled corpus nobody here wrote (UIT-VSFC).

Skipped when ../shared/benchmarks/uit_vsfc/ is absent. The figure asserted is a regression
guard (the measured value and the published comparison are in the README).
"""

import json

import pytest

from conftest import UIT, run_cli

pytestmark = pytest.mark.skipif(not (UIT / "train.csv").exists(), reason=f"UIT-VSFC not found at {UIT}")


def test_train_only_and_evaluate_on_uit_vsfc(tmp_path) -> None:
    model = tmp_path / "uit"
    result = run_cli("train", UIT / "train.csv", "--only", "--text-column", "text", "--label-column", "topic", "--output", model)
    assert result.exit_code == 0, result.output
    manifest = json.loads((model / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["labels"]) == ["facility", "lecturer", "others", "training_program"]
    cv = manifest["metrics"]["cross_validation"]
    assert cv["use_idf"] is False  # plain tf wins the cross-validated choice on this corpus (IDF wins on petitions)
    assert cv["macro_f1"] == max(cv["macro_f1_by_use_idf"].values())
    result = run_cli("evaluate", UIT / "test.csv", "--model", model, "--text-column", "text", "--label-column", "topic", "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["rows"] > 3000
    assert metrics["weighted_f1"] >= 0.86 and metrics["macro_f1"] >= 0.74
