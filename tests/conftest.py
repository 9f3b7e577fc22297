"""Shared fixtures. Tests never use the network; the segmentation cache goes to a temp dir."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LABELED = ROOT / "data" / "labeled"
SAMPLE_XLSX = ROOT / "data" / "raw" / "sample_survey.xlsx"
UIT = ROOT.parent / "shared" / "benchmarks" / "uit_vsfc"

os.environ.setdefault("PETITION_NLP_CACHE_DIR", tempfile.mkdtemp(prefix="petition-nlp-test-cache-"))
os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="session")
def default_model():
    from petition_nlp import PetitionClassifier

    return PetitionClassifier.load()


@pytest.fixture(scope="session")
def corpus() -> pd.DataFrame:
    return pd.read_csv(LABELED / "petitions.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_training(corpus: pd.DataFrame) -> pd.DataFrame:
    """40 rows per code from the training corpus (fast training in tests)."""
    return corpus.groupby("label").sample(40, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="session")
def small_model(small_training: pd.DataFrame):
    from petition_nlp import PetitionClassifier

    return PetitionClassifier(review_threshold=0.5).fit(small_training["text"], small_training["label"])


def run_cli(*args: str, cwd: Path | None = None):
    """Run the CLI in-process with typer's runner; returns the click Result."""
    from typer.testing import CliRunner

    from petition_nlp.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
