"""Tamper-evident models: verification before unpickling, version warnings, promotion and rollback."""

import json
import shutil
import threading
from pathlib import Path

import pytest

from petition_nlp.model.modelstore import (
    ModelError,
    load_model,
    promote_model,
    rollback_model,
    verify_model_dir,
)


@pytest.fixture()
def saved(tmp_path, small_model):
    return small_model.save(tmp_path / "m")


def test_save_writes_manifest_with_hashes_and_versions(saved) -> None:
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["artefacts"]) == {"model.pkl.gz"}
    assert len(manifest["artefacts"]["model.pkl.gz"]) == 64
    assert {"scikit-learn", "underthesea", "python"} <= set(manifest["versions"])
    assert sorted(manifest["labels"]) == sorted(["housing", "social_insurance", "skills_training", "security", "party_building", "other"])
    assert load_model(saved).predict(["Đề nghị xây nhà ở xã hội"])[0] == "housing"


def test_modified_model_is_refused_before_unpickling(saved) -> None:
    data = bytearray((saved / "model.pkl.gz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (saved / "model.pkl.gz").write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(saved)


def test_truncated_model_is_refused(saved) -> None:
    data = (saved / "model.pkl.gz").read_bytes()
    (saved / "model.pkl.gz").write_bytes(data[:100])
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(saved)


def test_foreign_pickle_is_refused(saved, tmp_path) -> None:
    import gzip
    import pickle

    class Evil:
        def __reduce__(self):
            return (open, (str(tmp_path / "pwned"), "w"))

    (saved / "model.pkl.gz").write_bytes(gzip.compress(pickle.dumps(Evil())))
    with pytest.raises(ModelError):
        load_model(saved)
    assert not (tmp_path / "pwned").exists()  # the payload never ran


def test_manifest_cannot_point_outside(saved) -> None:
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    manifest["artefacts"]["../escape"] = "0" * 64
    (saved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelError, match="outside"):
        verify_model_dir(saved)


def test_missing_directory_and_manifest(tmp_path) -> None:
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="no manifest.json"):
        load_model(tmp_path / "empty")


def test_major_version_change_warns(saved) -> None:
    manifest = json.loads((saved / "manifest.json").read_text(encoding="utf-8"))
    manifest["versions"]["scikit-learn"] = "0.24.2"
    (saved / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.warns(UserWarning, match="scikit-learn 0.24.2"):
        load_model(saved)


def test_promote_and_rollback(tmp_path, saved) -> None:
    root = tmp_path / "models"
    first = shutil.copytree(saved, tmp_path / "first")
    promote_model(first, root=root)
    assert not (root / "previous").exists()
    second = shutil.copytree(saved, tmp_path / "second")
    manifest = json.loads((second / "manifest.json").read_text(encoding="utf-8"))
    manifest["note"] = "second"
    (second / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    promote_model(second, root=root)
    assert json.loads((root / "default" / "manifest.json").read_text())["note"] == "second"
    rollback_model(root=root)
    assert "note" not in json.loads((root / "default" / "manifest.json").read_text())
    assert json.loads((root / "previous" / "manifest.json").read_text())["note"] == "second"


def test_concurrent_promotions_never_mix_files(tmp_path, saved) -> None:
    root = tmp_path / "models"
    candidates = []
    for k in range(4):
        c = shutil.copytree(saved, tmp_path / f"c{k}")
        manifest = json.loads((c / "manifest.json").read_text(encoding="utf-8"))
        manifest["note"] = f"c{k}"
        (c / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        candidates.append(c)
    errors = []

    def go(c):
        try:
            promote_model(c, root=root)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(c,)) for c in candidates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for name in ("default", "previous"):
        verify_model_dir(root / name)  # both complete and consistent
    assert not [p for p in root.iterdir() if p.name.startswith((".incoming", ".trash", ".swap"))]


def test_promote_refuses_a_broken_candidate(tmp_path, saved) -> None:
    root = tmp_path / "models"
    promote_model(saved, root=root)
    broken = shutil.copytree(saved, tmp_path / "broken")
    (broken / "model.pkl.gz").write_bytes(b"junk")
    with pytest.raises(ModelError):
        promote_model(broken, root=root)
    verify_model_dir(root / "default")
    assert not (root / "previous").exists()


def test_model_directory_of_earlier_versions_still_loads(tmp_path, small_model) -> None:
    """Directories written before model.pkl.gz hold model.joblib: verified, then loaded."""
    import hashlib

    import joblib

    legacy = tmp_path / "legacy"
    legacy.mkdir()
    joblib.dump(small_model, legacy / "model.joblib", compress=3)
    digest = hashlib.sha256((legacy / "model.joblib").read_bytes()).hexdigest()
    (legacy / "manifest.json").write_text(json.dumps({"format": 1, "artefacts": {"model.joblib": digest}}), encoding="utf-8")
    assert load_model(legacy).predict(["Đề nghị xây nhà ở xã hội"])[0] == "housing"
    (legacy / "model.joblib").write_bytes(b"junk")
    with pytest.raises(ModelError, match="sha256 does not match"):
        load_model(legacy)


def test_saved_models_do_not_need_pyarrow(saved) -> None:
    """pyarrow is optional for pandas: a model pickled with a pandas "str" index would not load
    where it is missing (it is installed here by the dask extra, not by the base install)."""
    import gzip

    for directory in (saved, Path(__file__).resolve().parent.parent / "models" / "default"):
        assert b"pyarrow" not in gzip.decompress((directory / "model.pkl.gz").read_bytes()), directory


@pytest.mark.parametrize("enabled", [True, False])
def test_load_model_leaves_the_garbage_collector_as_it_found_it(saved, enabled) -> None:
    import gc

    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        load_model(saved)
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()


# ----------------------------------------------------------------------------- loading cannot run code
def _rewrite_with_manifest(directory: Path, payload: bytes, name: str = "model.pkl.gz") -> None:
    """Replace the model file and update the manifest to match, as whoever ships a directory can."""
    import hashlib

    (directory / name).write_bytes(payload)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["artefacts"] = {name: hashlib.sha256(payload).hexdigest()}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


class _TouchFile:
    """Unpickling this would run ``os.system("touch PATH")``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.path}",))


def test_model_carrying_code_is_refused_by_the_cli_and_nothing_runs(saved, tmp_path) -> None:
    import gzip
    import pickle

    from conftest import SAMPLE_XLSX, run_cli

    marker = tmp_path / "pwned"
    _rewrite_with_manifest(saved, gzip.compress(pickle.dumps({"model": _TouchFile(marker)})))
    verify_model_dir(saved)  # the manifest is consistent: only the allow-list stands in the way
    result = run_cli("classify", SAMPLE_XLSX, "--model", saved)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and "refused to load untrusted type posix.system" in lines[0]
    assert "Traceback" not in result.output
    assert not marker.exists()


@pytest.mark.parametrize(
    "payload, named",
    [
        (lambda: __import__("builtins").getattr, "builtins.getattr"),
        (lambda: __import__("subprocess").Popen, "subprocess.Popen"),
        (lambda: __import__("numpy").memmap, "numpy.memmap"),
        (lambda: __import__("pathlib").Path, "pathlib.Path"),
        (lambda: __import__("builtins").eval, "builtins.eval"),
    ],
)
def test_untrusted_globals_are_named(saved, payload, named) -> None:
    import gzip
    import pickle

    _rewrite_with_manifest(saved, gzip.compress(pickle.dumps([1, payload()])))
    with pytest.raises(ModelError, match=f"refused to load untrusted type {named}"):
        load_model(saved)


def test_allow_list_refuses_reexported_and_dotted_names() -> None:
    from petition_nlp.model.modelstore import RestrictedUnpickler, UntrustedModel

    unpickler = RestrictedUnpickler(__import__("io").BytesIO(b""))
    for module, name in [
        ("petition_nlp.model.modelstore", "shutil"),  # a module imported by an allowed one
        ("petition_nlp.model.modelstore", "Path"),  # a class re-exported from pathlib
        ("petition_nlp.model.modelstore", "shutil.rmtree"),  # protocol 4 dotted lookup
        ("sklearn.utils._testing", "TempMemmap"),
        ("numpy.testing._private.utils", "runstring"),
        ("petition_nlp.files.io", "write_table"),  # a function, not a class
    ]:
        with pytest.raises(UntrustedModel):
            unpickler.find_class(module, name)
    assert unpickler.find_class("sklearn.pipeline", "Pipeline").__name__ == "Pipeline"


def test_bundled_model_loads_through_the_allow_list() -> None:
    """The bundled model was pickled before the move (it names petition_nlp.classifier and
    petition_nlp.features): it loads through the rename map, its bytes unchanged."""
    from petition_nlp.model.modelstore import default_model_dir

    model = load_model(default_model_dir())
    assert model.predict(["Đề nghị công ty đóng BHXH đầy đủ cho công nhân"])[0] == "social_insurance"


def _under_old_module_paths(data: bytes) -> bytes:
    """A protocol-3 pickle (named globals) as the flat layout wrote it: each class's module by its old path
    (``petition_nlp.classifier`` for ``petition_nlp.model.classifier``, ...)."""
    from petition_nlp.model.modelstore import _RENAMED_MODULES

    for old, new in _RENAMED_MODULES.items():
        data = data.replace(b"c" + new.encode() + b"\n", b"c" + old.encode() + b"\n")
    assert b"cpetition_nlp.classifier\n" in data and b"petition_nlp.model." not in data
    return data


@pytest.mark.parametrize("kind", ["model.pkl.gz", "model.joblib"])
def test_model_pickled_under_the_old_module_paths_still_loads(saved, tmp_path, small_model, kind) -> None:
    """Models saved before the modules moved into sub-packages (the bundled one, users' models,
    model.joblib of earlier versions) name the old paths; they load unchanged."""
    import gzip
    import pickle

    import joblib

    if kind == "model.pkl.gz":
        payload = gzip.compress(_under_old_module_paths(pickle.dumps(small_model, protocol=3)))
    else:
        joblib.dump(small_model, tmp_path / "plain.joblib", protocol=3)
        payload = _under_old_module_paths((tmp_path / "plain.joblib").read_bytes())
    _rewrite_with_manifest(saved, payload, name=kind)
    model = load_model(saved)
    assert type(model).__module__ == "petition_nlp.model.classifier"
    assert model.predict(["Đề nghị xây nhà ở xã hội"])[0] == "housing"


def test_old_module_paths_admit_no_more_than_the_new_ones() -> None:
    from petition_nlp.model.modelstore import RestrictedUnpickler, UntrustedModel

    unpickler = RestrictedUnpickler(__import__("io").BytesIO(b""))
    assert unpickler.find_class("petition_nlp.features", "KeywordFeatures").__module__ == "petition_nlp.model.features"
    for module, name in [
        ("petition_nlp.io", "write_table"),  # a function, under its old module path
        ("petition_nlp.modelstore", "Path"),  # re-exported from pathlib
        ("petition_nlp.nosuchmodule", "Thing"),
    ]:
        with pytest.raises(UntrustedModel):
            unpickler.find_class(module, name)


def test_legacy_joblib_model_is_restricted_too(tmp_path, small_model) -> None:
    """model.joblib of earlier versions: arrays (numeric and object) load, foreign types do not."""
    import hashlib

    import joblib
    import numpy as np

    legacy = tmp_path / "legacy"
    legacy.mkdir()
    joblib.dump({"m": small_model, "objects": np.array(["a", None, 3], dtype=object)}, legacy / "x.joblib")
    joblib.dump(small_model, legacy / "model.joblib")
    digest = hashlib.sha256((legacy / "model.joblib").read_bytes()).hexdigest()
    (legacy / "manifest.json").write_text(json.dumps({"format": 1, "artefacts": {"model.joblib": digest}}), encoding="utf-8")
    assert load_model(legacy).predict(["Đề nghị xây nhà ở xã hội"])[0] == "housing"
    from petition_nlp.model.modelstore import _restricted_joblib_load

    loaded = _restricted_joblib_load((legacy / "x.joblib").read_bytes(), "x.joblib")
    assert loaded["objects"].tolist() == ["a", None, 3]
    marker = tmp_path / "pwned"
    joblib.dump({"m": _TouchFile(marker)}, legacy / "evil.joblib")
    evil = (legacy / "evil.joblib").read_bytes()
    _rewrite_with_manifest(legacy, evil, name="model.joblib")
    with pytest.raises(ModelError, match="refused to load untrusted type posix.system"):
        load_model(legacy)
    # hidden inside an object array (a nested pickle in joblib's format)
    joblib.dump(np.array([_TouchFile(marker)], dtype=object), legacy / "evil2.joblib")
    _rewrite_with_manifest(legacy, (legacy / "evil2.joblib").read_bytes(), name="model.joblib")
    with pytest.raises(ModelError, match="refused to load untrusted type posix.system"):
        load_model(legacy)
    assert not marker.exists()


def test_neural_weights_load_with_weights_only(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    import gzip
    import pickle

    from petition_nlp.model.modelstore import restricted_loads
    from petition_nlp.model.neural import load_weights

    weights = {"w": torch.ones(2, 3)}
    # earlier neural models pickled tensors directly: their torch.storage loader is replaced by
    # one that uses weights_only=True
    old = restricted_loads(pickle.dumps({"state": weights}))
    assert torch.equal(old["state"]["w"], weights["w"])

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    import io

    buffer = io.BytesIO()
    torch.save({"w": torch.ones(1), "x": Evil()}, buffer)
    with pytest.raises(ModelError, match="refused or unreadable"):
        load_weights(buffer.getvalue())
    assert not (tmp_path / "pwned").exists()
    del gzip


def test_neural_network_pickles_its_weights_as_bytes(corpus) -> None:
    pytest.importorskip("torch")
    import pickle

    import numpy as np

    from petition_nlp.model.modelstore import restricted_loads
    from petition_nlp.model.neural import BiRNNClassifier

    rows = corpus.groupby("label").sample(10, random_state=0)
    net = BiRNNClassifier(epochs=1).fit(rows["text"].tolist(), rows["label"].to_numpy())
    data = pickle.dumps(net)
    assert b"_load_from_bytes" not in data  # no nested weights_only=False load in the file
    again = restricted_loads(data)
    assert np.allclose(net.predict_proba(["Đề nghị xây nhà ở"]), again.predict_proba(["Đề nghị xây nhà ở"]))
