"""Model directories: save with a manifest, verify before loading, promote and roll back.

A model directory holds ``model.pkl.gz`` (a gzip-compressed pickle; directories written by
earlier versions hold ``model.joblib``, still readable) and ``manifest.json``.
:func:`load_model` checks every artefact against the sha256 recorded in the manifest before
unpickling — and unpickles the very bytes it checked — refusing anything modified, truncated
or foreign (the corruption check). Loading cannot run code: the unpickler admits only an
allow-list of types and functions (scikit-learn, NumPy, SciPy, pandas and petition-nlp
classes, and the few helpers a fitted model needs; see :class:`RestrictedUnpickler`) and
refuses anything else *before* it is called, naming it (``refused to load untrusted type
posix.system``). PyTorch weights (the optional neural ensemble) load with
``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import io
import json
import os
import pickle
import platform
import shutil
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = [
    "ModelError",
    "UntrustedModel",
    "RestrictedUnpickler",
    "restricted_loads",
    "save_model",
    "load_model",
    "verify_model_dir",
    "read_manifest",
    "default_model_dir",
    "models_root",
    "user_models_dir",
    "bundled_model_dir",
    "list_models",
    "record_metrics",
    "promote_model",
    "rollback_model",
    "data_fingerprint",
]

MODEL_FILE = "model.pkl.gz"
LEGACY_MODEL_FILE = "model.joblib"
MANIFEST = "manifest.json"
FORMAT_VERSION = 1
TRACKED_LIBRARIES = ("scikit-learn", "numpy", "scipy", "pandas", "joblib", "underthesea", "petition-nlp")
_MODULES = {"scikit-learn": "sklearn", "petition-nlp": "petition_nlp"}  # distribution -> module, where they differ


class ModelError(RuntimeError):
    """A model directory is missing, incomplete, tampered with or unusable."""


class UntrustedModel(ModelError):
    """A model file names a type or function outside the allow-list (it could run code)."""


# ----------------------------------------------------------------------------- restricted unpickling
# Exact (module, name) pairs a fitted model needs beyond the classes admitted by _allowed_class;
# found by loading the bundled model (and a neural one) with a recording unpickler.
_ALLOWED_NAMES = frozenset(
    [("builtins", n) for n in ("slice", "set", "frozenset", "complex", "bytearray", "range", "object", "list", "dict", "tuple", "int", "float", "str", "bytes", "bool")]
    + [("collections", n) for n in ("OrderedDict", "defaultdict", "Counter", "deque")]
    + [("copyreg", "_reconstructor"), ("functools", "partial"), ("re", "_compile")]
    + [(f"numpy.{core}.{mod}", n) for core in ("core", "_core") for mod, n in (
        ("multiarray", "_reconstruct"), ("multiarray", "scalar"), ("numeric", "_frombuffer"))]
    + [("pandas._libs.internals", "_unpickle_block"), ("pandas.core.indexes.base", "_new_Index"),
       ("pandas.core.arrays.categorical", "_new_Categorical"), ("pandas._libs.arrays", "__pyx_unpickle_NDArrayBacked")]
    + [("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_parameter")]  # neural models of earlier versions
)
# Classes are admitted from these packages only (checked on the class's own __module__ too, so
# a name re-exported from elsewhere - petition_nlp.model.modelstore.Path - is refused).
_CLASS_PACKAGES = ("sklearn.", "petition_nlp.", "numpy", "scipy.sparse.", "pandas.")
_DENIED_MODULES = ("sklearn.utils._testing", "sklearn.datasets", "sklearn.externals", "sklearn.utils.parallel", "numpy.testing", "numpy.distutils", "numpy.f2py", "numpy.lib._datasource", "pandas.io", "pandas.util", "pandas.testing", "pandas._testing")
_DENIED_CLASSES = frozenset({"numpy.memmap", "numpy.lib._datasource.DataSource"})


def _safe_torch_bytes(data: bytes) -> Any:
    """Stands in for ``torch.storage._load_from_bytes`` (which loads with weights_only=False)."""
    from petition_nlp.model.neural import load_weights

    return load_weights(data)


_REPLACED = {("torch.storage", "_load_from_bytes"): _safe_torch_bytes}

# Modules moved into the stage sub-packages: models pickled before name them by their old path.
# find_class reads such a name as the new one *before* the allow-list check, so those models load
# unchanged (their bytes, and the checksums over them, stay as they are).
_RENAMED_MODULES = {
    f"petition_nlp.{old}": f"petition_nlp.{new}"
    for old, new in {
        "normalize": "text.normalize", "segment": "text.segment", "crfseg": "text.crfseg",
        "io": "files.io", "layout": "files.layout", "legacy": "files.legacy", "documents": "files.documents",
        "workbooks": "files.workbooks", "safefiles": "files.safefiles", "validation": "files.validation",
        "features": "model.features", "classifier": "model.classifier", "baseline": "model.baseline",
        "neural": "model.neural", "notpetition": "model.notpetition", "training": "model.training",
        "modelstore": "model.modelstore", "batch": "model.batch",
        "catalogue": "grouping.catalogue", "shortlist": "grouping.shortlist", "shortlist_metrics": "grouping.metrics",
        "answered": "grouping.answered", "active": "grouping.active",
        "excel": "reports.workbook", "report": "reports.html", "summary": "reports.summary",
    }.items()
}


def _under(where: str, packages: tuple[str, ...]) -> bool:
    return any(where == p.rstrip(".") or where.startswith(p if p.endswith(".") else p + ".") for p in packages)


def _allowed_class(module: str, obj: Any) -> bool:
    if not isinstance(obj, type):
        return False
    own = getattr(obj, "__module__", "") or ""
    full = f"{own}.{obj.__qualname__}"
    if full in _DENIED_CLASSES:
        return False
    for where in (module, own):
        if not _under(where, _CLASS_PACKAGES) or _under(where, _DENIED_MODULES):
            return False
    import numpy

    if own.startswith("numpy") and issubclass(obj, numpy.memmap):
        return False
    return True


def _find_allowed(module: str, name: str) -> Any:
    """The object ``module.name`` names, if the allow-list admits it; else :class:`UntrustedModel`.

    A module of petition-nlp's earlier flat layout is first read as its new path (:data:`_RENAMED_MODULES`)."""
    module = _RENAMED_MODULES.get(module, module)
    if (module, name) in _REPLACED:
        return _REPLACED[(module, name)]
    if "." in name or name.startswith("__") or not module.replace(".", "").replace("_", "").isalnum():
        raise UntrustedModel(f"{module}.{name}")
    if (module, name) in _ALLOWED_NAMES:
        import importlib

        return getattr(importlib.import_module(module), name)
    if not _under(module, _CLASS_PACKAGES):
        raise UntrustedModel(f"{module}.{name}")
    import importlib

    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        raise UntrustedModel(f"{module}.{name}") from None
    if not _allowed_class(module, obj):
        raise UntrustedModel(f"{module}.{name}")
    return obj


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` whose ``find_class`` admits only the allow-list (see the module doc).

    Every global a pickle names goes through ``find_class`` before it can be called, so a
    payload such as ``os.system`` is refused before any of the file runs.
    """

    def find_class(self, module: str, name: str) -> Any:  # noqa: D401 - pickle API
        return _find_allowed(module, name)


def restricted_loads(data: bytes) -> Any:
    """``pickle.loads`` through :class:`RestrictedUnpickler`."""
    return RestrictedUnpickler(io.BytesIO(data)).load()


def _restricted_joblib_load(data: bytes, filename: str) -> Any:
    """A ``model.joblib`` of an earlier version, through joblib's unpickler with the same allow-list.

    joblib stores arrays as ``NumpyArrayWrapper`` records followed by the raw data; those are
    admitted (numeric data is read as bytes, never unpickled); object arrays, stored as a nested
    pickle, go through the allow-list too.
    """
    import inspect

    from joblib import numpy_pickle, numpy_pickle_utils

    # joblib's private helper that detects the compression (renamed in joblib 1.5)
    open_stream = getattr(numpy_pickle_utils, "_validate_fileobject_and_memmap", None) or getattr(
        numpy_pickle_utils, "_read_fileobject"
    )

    class _Restricted(numpy_pickle.NumpyUnpickler):
        dispatch = numpy_pickle.NumpyUnpickler.dispatch.copy()

        def find_class(self, module: str, name: str) -> Any:
            if (module, name) == ("joblib.numpy_pickle", "NumpyArrayWrapper"):
                return numpy_pickle.NumpyArrayWrapper
            return _find_allowed(module, name)

        def load_build(self) -> None:
            pickle._Unpickler.load_build(self)  # type: ignore[attr-defined]
            wrapper = self.stack[-1]
            if isinstance(wrapper, numpy_pickle.NumpyArrayWrapper):
                self.stack.pop()
                if wrapper.dtype.hasobject:  # nested pickle: restricted as well, whatever joblib's version
                    self.stack.append(RestrictedUnpickler(self.file_handle).load())
                else:
                    args = (self, self.ensure_native_byte_order) if hasattr(self, "ensure_native_byte_order") else (self,)
                    self.stack.append(wrapper.read(*args))

        dispatch[pickle.BUILD[0]] = load_build

    handle = io.BytesIO(data)
    with open_stream(handle, filename, None) as fobj:
        params = inspect.signature(numpy_pickle.NumpyUnpickler.__init__).parameters
        extra = {"ensure_native_byte_order": "auto"} if "ensure_native_byte_order" in params else {}
        if isinstance(fobj, tuple):  # some joblib versions return (fileobj, validated_mmap_mode)
            fobj = fobj[0]
        return _Restricted(filename, fobj, **extra).load()


# ----------------------------------------------------------------------------- where models live
APP_NAME = "petition-nlp"
BUNDLED_DIR = "_bundled_models"  # inside the installed package: the build copies models/default there
_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # petition_nlp/


def checkout_root() -> Path | None:
    """The repository folder when petition-nlp runs from a source checkout (editable install), else None.

    A checkout has ``pyproject.toml`` and ``models/`` beside the package; an installed wheel has
    neither (its parent folder is ``site-packages``).
    """
    root = _PACKAGE_DIR.parent
    return root if (root / "pyproject.toml").is_file() and (root / "models").is_dir() else None


def user_models_dir() -> Path:
    """``models/`` in the user data folder: platformdirs' ``user_data_dir("petition-nlp")``.

    e.g. ``~/.local/share/petition-nlp/models`` on Linux (``$XDG_DATA_HOME`` respected),
    ``%LOCALAPPDATA%\\petition-nlp\\models`` on Windows, ``~/Library/Application Support/petition-nlp/models``
    on macOS.
    """
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False)) / "models"


def models_root() -> Path:
    """Folder where models are written and read: versioned models, ``default/`` and ``previous/``.

    In order: ``PETITION_NLP_MODELS`` (the CLI's ``--models-dir`` sets it); in a source checkout
    the repository's ``models/`` (as the design card asks); otherwise :func:`user_models_dir`.
    Never the installed package folder.
    """
    env = os.environ.get("PETITION_NLP_MODELS")
    if env:
        return Path(env).expanduser()
    checkout = checkout_root()
    return checkout / "models" if checkout is not None else user_models_dir()


def bundled_model_dir() -> Path | None:
    """The default model shipped with petition-nlp (read-only), or None if absent.

    Installed: ``petition_nlp/_bundled_models/default`` inside the package (the wheel carries it);
    in a checkout: the repository's ``models/default`` (the one source the build copies).
    """
    packaged = _PACKAGE_DIR / BUNDLED_DIR / "default"
    if (packaged / MANIFEST).is_file():
        return packaged
    checkout = checkout_root()
    if checkout is not None and (checkout / "models" / "default" / MANIFEST).is_file():
        return checkout / "models" / "default"
    return None


def default_model_dir() -> Path:
    """The default model: ``default/`` in :func:`models_root` if there is one, else the bundled model."""
    own = models_root() / "default"
    if own.exists():
        return own
    return bundled_model_dir() or own


def _is_bundled(path: Path) -> bool:
    """True for the read-only bundled copy inside the installed package."""
    bundled = (_PACKAGE_DIR / BUNDLED_DIR).resolve()
    target = Path(path).resolve()
    return target == bundled or bundled in target.parents


def _writable_root(root: str | Path | None) -> Path:
    """``root`` (default :func:`models_root`), refused if it lies inside the package folder."""
    base = Path(root) if root else models_root()
    resolved = base.resolve()
    if resolved == _PACKAGE_DIR or _PACKAGE_DIR in resolved.parents:
        raise ModelError(f"{base}: models are never written into the installed package; use --models-dir or PETITION_NLP_MODELS")
    return base


def list_models(root: str | Path | None = None) -> list[dict[str, Any]]:
    """Every model directory seen: those in :func:`models_root` (or ``root``) and the bundled one.

    Each entry: ``name``, ``path``, ``location`` (``models folder`` / ``bundled``), ``default``
    (the one loaded when no ``--model`` is given), ``created``, ``rows`` (training rows),
    ``cv_macro_f1``, ``tests`` ({test file: macro-F1} recorded in the manifest, e.g. at promotion),
    ``sha256`` (of the model file; equal values are the same model) and ``error`` (an unreadable manifest).
    Only manifests are read (nothing is unpickled).
    """
    base = Path(root) if root else models_root()
    current = (base / "default") if root else default_model_dir()
    found: list[tuple[str, Path, str]] = []
    if base.is_dir():
        for sub in sorted(base.iterdir()):
            if sub.is_dir() and not sub.name.startswith(".") and ((sub / MANIFEST).exists() or sub.name in ("default", "previous")):
                found.append((sub.name, sub, "models folder"))
    bundled = bundled_model_dir()
    if bundled is not None and all(p.resolve() != bundled.resolve() for _, p, _ in found):
        found.append(("bundled", bundled, "bundled (read-only)" if _is_bundled(bundled) else "bundled: the checkout's models/default"))
    entries = []
    for name, path, location in found:
        entry: dict[str, Any] = {
            "name": name, "path": str(path), "location": location,
            "default": path.resolve() == current.resolve() if current.exists() else False,
            "created": None, "rows": None, "cv_macro_f1": None, "tests": {}, "sha256": None, "error": None,
        }
        try:
            manifest = read_manifest(path)
        except ModelError as exc:
            entry["error"] = str(exc)
            entries.append(entry)
            continue
        metrics = manifest.get("metrics") if isinstance(manifest.get("metrics"), dict) else {}
        cv = metrics.get("cross_validation") if isinstance(metrics.get("cross_validation"), dict) else {}
        tests: dict[str, float] = {}
        for key, value in metrics.items():
            if key == "cross_validation" or not isinstance(value, dict):
                continue
            if isinstance(value.get("macro_f1"), (int, float)):
                tests[key] = value["macro_f1"]
            for sub_key, sub in value.items():
                if isinstance(sub, dict) and isinstance(sub.get("macro_f1"), (int, float)):
                    tests[sub_key] = sub["macro_f1"]
        artefacts = manifest["artefacts"]
        training = manifest.get("training_data") if isinstance(manifest.get("training_data"), dict) else {}
        entry.update(
            created=manifest.get("created"), rows=training.get("rows"), cv_macro_f1=cv.get("macro_f1"), tests=tests,
            sha256=artefacts.get(MODEL_FILE) or artefacts.get(LEGACY_MODEL_FILE),
        )
        entries.append(entry)
    order = {"default": 0, "previous": 1, "bundled": 3}
    entries.sort(key=lambda e: str(e["created"] or ""), reverse=True)  # newest first, then by role (stable)
    entries.sort(key=lambda e: order.get(e["name"], 2))
    return entries


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of the libraries a model depends on, plus Python's."""
    found = {"python": platform.python_version()}
    for name in TRACKED_LIBRARIES:
        module = sys.modules.get(_MODULES.get(name, name))
        known = getattr(module, "__version__", None)  # already imported: no metadata scan (start-up time)
        try:
            found[name] = known if isinstance(known, str) else version(name)
        except PackageNotFoundError:
            found[name] = "unknown"
    return found


def data_fingerprint(texts: list[str], labels: list[str]) -> str:
    """Order-independent sha256 of the (text, label) pairs a model was trained on."""
    digest = hashlib.sha256()
    for row in sorted(f"{t}\x1f{y}" for t, y in zip(texts, labels)):
        digest.update(row.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()


def save_model(model: Any, path: str | Path, *, metadata: dict[str, Any] | None = None) -> Path:
    """Write ``model.pkl.gz`` and ``manifest.json`` into a new directory ``path``, atomically."""
    target = Path(path)
    _writable_root(target)
    if target.exists() and any(target.iterdir()):
        raise ModelError(f"{target}: directory exists and is not empty")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    staging.chmod(0o755)
    try:
        # plain pickle loads several times faster than joblib's pure-Python unpickler (start-up time)
        payload = pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
        (staging / MODEL_FILE).write_bytes(gzip.compress(payload, compresslevel=6, mtime=0))
        manifest = {
            "format": FORMAT_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "artefacts": {MODEL_FILE: _sha256(staging / MODEL_FILE)},
            "labels": [str(c) for c in getattr(model, "classes_", [])],
            "review_threshold": getattr(model, "review_threshold_", None),
            "params": {k: _jsonable(v) for k, v in model.get_params().items()},
            "versions": library_versions(),
            **(metadata or {}),
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)


def read_manifest(path: str | Path) -> dict[str, Any]:
    """The parsed ``manifest.json`` of a model directory (no unpickling)."""
    manifest_path = Path(path) / MANIFEST
    if not manifest_path.is_file():
        raise ModelError(f"{path}: not a model directory (no {MANIFEST})")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"{manifest_path}: unreadable manifest ({exc.__class__.__name__})") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("artefacts"), dict):
        raise ModelError(f"{manifest_path}: manifest has no artefact list")
    return manifest


def record_metrics(path: str | Path, key: str, values: dict[str, Any]) -> bool:
    """Merge ``values`` into ``metrics[key]`` of a model's manifest (e.g. sealed-test figures at promotion).

    The manifest's artefact checksums are untouched. Returns False when the manifest cannot be
    written (a read-only model folder); the figures are then only reported, not recorded.
    """
    manifest_path = Path(path) / MANIFEST
    manifest = read_manifest(path)
    metrics = manifest.setdefault("metrics", {})
    if not isinstance(metrics.get(key), dict):
        metrics[key] = {}
    metrics[key].update(values)
    staging = manifest_path.with_name(f".{MANIFEST}.{os.getpid()}")
    try:
        staging.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        os.replace(staging, manifest_path)
    except OSError:
        staging.unlink(missing_ok=True)
        return False
    return True


def verify_model_dir(path: str | Path, *, read: dict[str, bytes] | None = None) -> dict[str, Any]:
    """Check every artefact against its sha256; returns the manifest or raises ``ModelError``.

    ``read``: artefacts already read into memory (by name); their bytes are checked, not the file.
    """
    root = Path(path)
    manifest = read_manifest(root)
    read = read or {}
    if not {MODEL_FILE, LEGACY_MODEL_FILE} & set(manifest["artefacts"]):
        raise ModelError(f"{root}: manifest does not list {MODEL_FILE}")
    for name, expected in manifest["artefacts"].items():
        file = root / name
        if Path(name).is_absolute() or ".." in Path(name).parts:
            raise ModelError(f"{root}: manifest names a file outside the model directory: {name}")
        if name not in read and not file.is_file():
            raise ModelError(f"{file}: missing model artefact")
        digest = hashlib.sha256(read[name]).hexdigest() if name in read else _sha256(file)
        if digest != expected:
            raise ModelError(
                f"{file}: sha256 does not match the manifest (modified, truncated or foreign file); refusing to load"
            )
    return manifest


def _warn_on_version_change(manifest: dict[str, Any], where: Path) -> None:
    recorded = manifest.get("versions", {})
    current = library_versions()
    for name, was in recorded.items():
        now = current.get(name, "unknown")
        if name == "python" or "unknown" in (was, now):
            continue
        if was.split(".")[0] != now.split(".")[0]:
            warnings.warn(
                f"{where}: model was made with {name} {was}, this is {now} (different major version)",
                stacklevel=3,
            )


@contextmanager
def gc_paused() -> Iterator[None]:
    """Switch the cyclic garbage collector off for the block (restored after, as it was)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def load_model(path: str | Path | None = None) -> Any:
    """Verify then load a model directory (default: :func:`default_model_dir`)."""
    root = Path(path) if path is not None else default_model_dir()
    if not root.exists():
        raise ModelError(f"{root}: model directory not found")
    name = MODEL_FILE if MODEL_FILE in read_manifest(root)["artefacts"] else LEGACY_MODEL_FILE
    try:
        data = (root / name).read_bytes()
    except OSError:
        data = None  # reported by the verification below
    # the bytes unpickled are the very bytes verified (no window for the file to change between)
    manifest = verify_model_dir(root, read={name: data} if data is not None else None)
    _warn_on_version_change(manifest, root)
    try:
        with gc_paused():  # unpickling makes ~10^5 long-lived objects: GC passes over them find nothing
            if name == MODEL_FILE:
                model = restricted_loads(gzip.decompress(data))
            else:
                model = _restricted_joblib_load(data, str(root / name))
    except UntrustedModel as exc:
        raise ModelError(
            f"{root / name}: refused to load untrusted type {exc}; a model file must hold only scikit-learn, "
            "NumPy, SciPy, pandas and petition-nlp objects"
        ) from None
    except ModelError:
        raise
    except Exception as exc:  # verified bytes that still fail: incompatible library versions
        raise ModelError(f"{root / name}: cannot be loaded ({exc.__class__.__name__}: {exc})") from None
    model.manifest_ = manifest
    return model


def _lock(root: Path) -> Any:
    from filelock import FileLock

    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ModelError(f"{root}: cannot create the models folder ({exc.strerror}); use --models-dir or PETITION_NLP_MODELS") from None
    return FileLock(str(root / ".promote.lock"), timeout=120)


def promote_model(candidate: str | Path, *, root: str | Path | None = None) -> Path:
    """Make ``candidate`` the default model; the old default becomes ``previous``.

    The candidate is verified and copied beside the default first, then swapped in by
    renames under a lock file, so two concurrent promotions cannot mix files.
    """
    base = _writable_root(root)
    verify_model_dir(candidate)
    default, previous = base / "default", base / "previous"
    with _lock(base):
        incoming = Path(tempfile.mkdtemp(prefix=".incoming-", dir=base))
        shutil.rmtree(incoming)
        shutil.copytree(candidate, incoming)
        verify_model_dir(incoming)
        trash = base / f".trash-{os.getpid()}"
        if previous.exists():
            os.replace(previous, trash)
        if default.exists():
            os.replace(default, previous)
        os.replace(incoming, default)
        shutil.rmtree(trash, ignore_errors=True)
    return default


def rollback_model(*, root: str | Path | None = None) -> Path:
    """Swap ``default`` and ``previous`` (a second rollback undoes the first); returns the default now in effect.

    Where the bundled model was the default before the first promotion (a fresh user data
    folder: ``default/`` but no ``previous/``), rolling back moves ``default/`` to ``previous/``,
    so the bundled model is the default again; a second rollback moves it back.
    """
    base = _writable_root(root)
    default, previous = base / "default", base / "previous"
    bundled = bundled_model_dir()
    bundled_differs = bundled is not None and bundled.resolve() != default.resolve()
    with _lock(base):
        if previous.exists():
            verify_model_dir(previous)
            if not default.exists():  # the bundled model was in effect: bring the promoted one back
                os.replace(previous, default)
                return default
            swap = base / f".swap-{os.getpid()}"
            os.replace(default, swap)
            os.replace(previous, default)
            os.replace(swap, previous)
            return default
        if default.exists() and bundled_differs:
            verify_model_dir(bundled)
            os.replace(default, previous)
            return bundled
        raise ModelError(f"{previous}: no previous default model to roll back to")


if __name__ == "__main__":  # pragma: no cover - manual check: python -m petition_nlp.model.modelstore DIR
    print(json.dumps(verify_model_dir(sys.argv[1]), ensure_ascii=False, indent=2))
