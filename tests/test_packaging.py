"""Installable like any Python package (issue 19).

Fast tests: where models are read and written (checkout, user data folder, PETITION_NLP_MODELS,
--models-dir), the bundled fallback, rollback to it, `petition-nlp models` and `--version`.

The slow test installs what users install: it builds the sdist and the wheel (offline, with this
venv's setuptools), installs the wheel with --no-deps into a fresh virtual environment whose
dependencies come from this venv's site-packages through a .pth file (no network, no
reinstalling), and from a temporary folder runs classify, shortlist, train --promote, rollback
and the Python API with HOME / XDG_DATA_HOME in a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

from petition_nlp.model import modelstore
from petition_nlp.model.modelstore import (
    ModelError,
    bundled_model_dir,
    default_model_dir,
    list_models,
    models_root,
    promote_model,
    record_metrics,
    rollback_model,
)
from conftest import LABELED, ROOT, run_cli

CODES = ["housing", "social_insurance", "skills_training", "security", "party_building", "other"]


def _tree_digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture()
def saved(tmp_path, small_model) -> Path:
    return small_model.save(tmp_path / "candidate")


# ----------------------------------------------------------------------------- where models live
def test_checkout_keeps_the_repository_models_folder(monkeypatch) -> None:
    monkeypatch.delenv("PETITION_NLP_MODELS", raising=False)
    assert modelstore.checkout_root() == ROOT
    assert models_root() == ROOT / "models"
    assert default_model_dir() == ROOT / "models" / "default"
    assert bundled_model_dir() == ROOT / "models" / "default"  # in a checkout: the one source itself


def test_installed_copy_writes_to_the_user_data_folder(tmp_path, monkeypatch) -> None:
    """Without a checkout around the package, models go to platformdirs' user_data_dir, never the package."""
    monkeypatch.delenv("PETITION_NLP_MODELS", raising=False)
    monkeypatch.setattr(modelstore, "checkout_root", lambda: None)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    if sys.platform.startswith("linux"):
        assert models_root() == tmp_path / "xdg" / "petition-nlp" / "models"
    assert models_root() == modelstore.user_models_dir()
    assert modelstore._PACKAGE_DIR not in models_root().parents
    monkeypatch.setenv("PETITION_NLP_MODELS", str(tmp_path / "elsewhere"))
    assert models_root() == tmp_path / "elsewhere"


def test_empty_models_folder_falls_back_to_the_bundled_model(tmp_path, monkeypatch, saved) -> None:
    monkeypatch.setenv("PETITION_NLP_MODELS", str(tmp_path / "models"))
    assert default_model_dir() == bundled_model_dir()
    promote_model(saved)
    assert default_model_dir() == tmp_path / "models" / "default"


def test_rollback_returns_to_the_bundled_model_and_back(tmp_path, monkeypatch, saved) -> None:
    root = tmp_path / "models"
    monkeypatch.setenv("PETITION_NLP_MODELS", str(root))
    bundled_before = _tree_digest(bundled_model_dir())
    with pytest.raises(ModelError, match="no previous default model"):
        rollback_model()  # nothing promoted: nothing to roll back
    promote_model(saved)
    assert not (root / "previous").exists()
    assert rollback_model() == bundled_model_dir()  # the promoted model is kept as previous
    assert default_model_dir() == bundled_model_dir() and (root / "previous").exists() and not (root / "default").exists()
    assert rollback_model() == root / "default"  # a second rollback undoes the first
    assert default_model_dir() == root / "default" and not (root / "previous").exists()
    assert _tree_digest(bundled_model_dir()) == bundled_before


def test_nothing_is_written_into_the_installed_package(tmp_path, saved, small_model) -> None:
    inside = modelstore._PACKAGE_DIR / modelstore.BUNDLED_DIR
    with pytest.raises(ModelError, match="never written into the installed package"):
        promote_model(saved, root=inside)
    with pytest.raises(ModelError, match="never written into the installed package"):
        rollback_model(root=modelstore._PACKAGE_DIR)
    with pytest.raises(ModelError, match="never written into the installed package"):
        small_model.save(inside / "trained")
    assert not inside.exists()


def test_unwritable_models_folder_is_one_clear_error(tmp_path, saved) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match="cannot create the models folder"):
        promote_model(saved, root=blocker / "models")


def test_list_models_reports_manifest_figures(tmp_path, monkeypatch, saved) -> None:
    root = tmp_path / "models"
    monkeypatch.setenv("PETITION_NLP_MODELS", str(root))
    assert record_metrics(saved, "test", {"test.csv": {"macro_f1": 0.5, "rows": 10}})
    modelstore.verify_model_dir(saved)  # the artefact checksums still hold
    promote_model(saved)
    (root / "broken").mkdir()
    (root / "broken" / "manifest.json").write_text("{", encoding="utf-8")
    entries = {e["name"]: e for e in list_models()}
    assert set(entries) == {"default", "broken", "bundled"}
    assert entries["default"]["default"] and not entries["bundled"]["default"]
    assert entries["default"]["tests"] == {"test.csv": 0.5}
    assert entries["default"]["rows"] is None  # saved without training metadata
    assert entries["bundled"]["rows"] == json.loads((bundled_model_dir() / "manifest.json").read_text())["training_data"]["rows"]
    assert entries["broken"]["error"] and "unreadable manifest" in entries["broken"]["error"]
    assert [e["name"] for e in list_models()][0] == "default"


def test_models_command_and_models_dir_option(tmp_path, monkeypatch, saved) -> None:
    monkeypatch.delenv("PETITION_NLP_MODELS", raising=False)
    root = tmp_path / "mine"
    promote_model(saved, root=root)
    result = run_cli("models", "--models-dir", root, "--json")
    assert result.exit_code == 0, result.output
    entries = json.loads(result.stdout)
    assert [e["name"] for e in entries if e["default"]] == ["default"]
    assert entries[0]["path"] == str(root / "default")
    assert "PETITION_NLP_MODELS" not in os.environ  # --models-dir lasts for its command only
    table = run_cli("models", "list", "--models-dir", root)
    assert table.exit_code == 0 and f"models folder: {root}" in table.stdout
    assert "* default" in table.stdout and "bundled" in table.stdout
    # classify's default model follows --models-dir (a damaged default there is refused, naming it)
    texts = tmp_path / "in.txt"
    texts.write_text("Đề nghị công ty đóng BHXH đầy đủ cho công nhân\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert run_cli("classify", texts, "-o", out, "--models-dir", root).exit_code == 0
    damaged = tmp_path / "damaged"
    shutil.copytree(root / "default", damaged / "default")
    (damaged / "default" / "model.pkl.gz").write_bytes(b"x")
    refused = run_cli("classify", texts, "-o", out, "--models-dir", damaged)
    assert refused.exit_code == 2 and str(damaged / "default") in refused.stderr
    assert run_cli("rollback", "--models-dir", root).exit_code == 0
    assert not (root / "default").exists() and (root / "previous").exists()


def test_version_comes_from_the_package_metadata() -> None:
    import petition_nlp

    result = run_cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"petition-nlp {version('petition-nlp')}" == f"petition-nlp {petition_nlp.__version__}"


# ----------------------------------------------------------------------------- install what users install
def _venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


SOURCES = ["pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "CHANGELOG.md", "Makefile", "petition_nlp", "models/default", "data/labeled"]


def _source_copy(target: Path) -> Path:
    """The files a build reads, copied out of the checkout (the build writes its egg-info and
    build/ there, not in the repository, so concurrent test runs cannot collide)."""
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "_bundled_models")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=skip)
        elif source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _build_wheel(out: Path) -> Path:
    """sdist, then the wheel from the unpacked sdist (as `python -m build` does), offline."""
    source = _source_copy(out.parent / "source")
    try:
        import build  # noqa: F401

        cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)]
    except ImportError:  # the [dev] extra not installed: pip builds the wheel straight from the tree
        cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(source)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    wheels = list(out.glob("petition_nlp-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.mark.slow
def test_wheel_installs_and_runs_from_any_folder(tmp_path) -> None:
    wheel = _build_wheel(tmp_path / "dist")
    names = zipfile.ZipFile(wheel).namelist()
    assert "petition_nlp/_bundled_models/default/manifest.json" in names
    assert "petition_nlp/_bundled_models/default/model.pkl.gz" in names
    assert not any(n.startswith(("models/", "data/", "tests/")) for n in names)
    sdists = list((tmp_path / "dist").glob("petition_nlp-*.tar.gz"))
    assert len(sdists) <= 1  # built by `build`, whose wheel came from this sdist
    if sdists:
        import tarfile

        with tarfile.open(sdists[0]) as sdist:
            members = {m.split("/", 1)[1] for m in sdist.getnames() if "/" in m}
        assert {"models/default/manifest.json", "models/default/model.pkl.gz", "setup.py", "CHANGELOG.md"} <= members
        assert not any(m.startswith(("models/previous", "petition_nlp/_bundled_models")) for m in members)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = _venv_python(venv)
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True).stdout.strip())
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # dependencies: this venv's site-packages, appended after the new venv's own (added after the
    # install so pip never sees the editable petition-nlp there)
    (site / "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")

    home = tmp_path / "home"
    work = tmp_path / "work"  # cwd: not the repository
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PETITION_NLP", "PYTHON", "VIRTUAL_ENV"))}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"), XDG_CACHE_HOME=str(home / "cache"),
               PETITION_NLP_CACHE_DIR=str(home / "cache" / "petition-nlp"), PATH=f"{python.parent}{os.pathsep}{env.get('PATH', '')}",
               PIP_NO_INDEX="1")
    user_models = home / "data" / "petition-nlp" / "models"

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(a) for a in args], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        if ok:
            assert done.returncode == 0, f"{args}: {done.stdout[-1500:]}\n{done.stderr[-1500:]}"
        return done

    where = json.loads(run(python, "-c", (
        "import json, petition_nlp, petition_nlp.model.modelstore as m; "
        "print(json.dumps([petition_nlp.__file__, petition_nlp.__version__, str(m.models_root()), str(m.bundled_model_dir()), "
        "str(m.default_model_dir()), m.checkout_root() is None]))")).stdout)
    package = Path(where[0]).parent
    assert package == site / "petition_nlp"  # the installed copy, not the checkout
    assert where[1] == version("petition-nlp")
    assert where[2] == str(user_models)
    assert where[3] == where[4] == str(package / "_bundled_models" / "default") and where[5]
    bundled = package / "_bundled_models" / "default"
    bundled_before = _tree_digest(bundled)
    site_before = {p for p in site.rglob("*") if "__pycache__" not in p.parts}

    script = python.parent / ("petition-nlp.exe" if os.name == "nt" else "petition-nlp")
    assert run(script, "--version").stdout.strip() == f"petition-nlp {version('petition-nlp')}"

    # classify and shortlist a file in the working folder, with the bundled model
    corpus = pd.read_csv(LABELED / "petitions.csv", dtype=str, keep_default_na=False)
    sample = corpus.groupby("label").head(4).reset_index(drop=True)
    sample[["text"]].rename(columns={"text": "Nội dung kiến nghị"}).to_csv(work / "survey.csv", index=False)
    run(script, "classify", "survey.csv", "-o", "out.csv")
    out = pd.read_csv(work / "out.csv", dtype=str, keep_default_na=False)
    assert len(out) == len(sample) and set(out["category"]) <= set(CODES)
    assert (out["category"] == sample["label"]).mean() >= 0.8
    shortlist = run(script, "shortlist", "survey.csv", "-n", "3", "-o", "short.csv")
    assert len(pd.read_csv(work / "short.csv", dtype=str)) == 3, shortlist.stderr
    listing = json.loads(run(script, "models", "--json").stdout)
    assert [(e["name"], e["default"]) for e in listing] == [("bundled", True)]

    # train on a tiny labelled set (team-written rows of data/labeled, provenance kept) and promote
    train = corpus.drop(sample.index).groupby("label").sample(8, random_state=0)
    train.to_csv(work / "labelled.csv", index=False)
    test = pd.read_csv(LABELED / "test.csv", dtype=str, keep_default_na=False).groupby("label").head(3)
    test.to_csv(work / "test.csv", index=False)
    # no data/labeled/ to add; a tiny set, so the per-code quality floor of --promote is lowered
    trained = run(script, "train", "labelled.csv", "--promote", "--test", "test.csv", "--force", "--min-f1", "0", "--min-examples", "2")
    assert "promoted to default" in trained.stdout
    assert (user_models / "default" / "manifest.json").is_file() and not (user_models / "previous").exists()
    manifest = json.loads((user_models / "default" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["training_data"]["rows"] == len(train)
    assert manifest["metrics"]["test"]["test.csv"]["rows"] == len(test)
    assert _tree_digest(bundled) == bundled_before
    assert {p for p in site.rglob("*") if "__pycache__" not in p.parts} == site_before  # nothing written into site-packages
    listing = {e["name"]: e for e in json.loads(run(script, "models", "--json").stdout)}
    assert listing["default"]["default"] and not listing["bundled"]["default"]
    assert listing["default"]["path"] == str(user_models / "default")

    # without --test, an installed copy says where the test split is instead of failing obscurely
    no_test = run(script, "train", "labelled.csv", "--promote", "--min-f1", "0", "--min-examples", "2", ok=False)
    assert no_test.returncode == 2 and "--test" in no_test.stderr and "Traceback" not in no_test.stderr

    # rollback: back to the bundled model, then forward again, then back
    assert "bundled" in run(script, "rollback").stdout
    assert [e["name"] for e in json.loads(run(script, "models", "--json").stdout) if e["default"]] == ["bundled"]
    assert "restored from previous" in run(script, "rollback").stdout
    run(script, "rollback")
    assert _tree_digest(bundled) == bundled_before

    # the Python API from the installed copy: the default model in effect is the bundled one again
    api = run(python, "-c", (
        "from petition_nlp import PetitionClassifier; clf = PetitionClassifier.load(); "
        "print(clf.manifest_['artefacts']['model.pkl.gz']); "
        "print(clf.classify(['Đề nghị công ty đóng BHXH đầy đủ cho công nhân'])['category'][0])"))
    sha, category = api.stdout.split()
    assert sha == json.loads((bundled / "manifest.json").read_text())["artefacts"]["model.pkl.gz"]
    assert category == "social_insurance"
    assert not (work / "models").exists() and not (package.parent / "models").exists()
    shutil.rmtree(venv)
