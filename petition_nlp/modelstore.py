"""Model directories: save with a manifest, verify before loading, promote and roll back.

A model directory holds ``model.pkl.gz`` (a gzip-compressed pickle; directories written by
earlier versions hold ``model.joblib``, still readable) and ``manifest.json``. Unpickling
runs code, so :func:`load_model` checks every artefact against the sha256 recorded in the
manifest *before* unpickling — and unpickles the very bytes it checked — refusing anything
modified, truncated or foreign. Only load model directories you trust: the manifest
protects against accidents and swapped files, not against someone who can rewrite both the
model and its manifest.
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
    "save_model",
    "load_model",
    "verify_model_dir",
    "read_manifest",
    "default_model_dir",
    "models_root",
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


def models_root() -> Path:
    """Folder holding versioned models and ``default/`` (``PETITION_NLP_MODELS`` overrides)."""
    env = os.environ.get("PETITION_NLP_MODELS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "models"


def default_model_dir() -> Path:
    """The default model directory: ``models/default``."""
    return models_root() / "default"


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
                model = pickle.loads(gzip.decompress(data))
            else:
                import joblib

                model = joblib.load(io.BytesIO(data))
    except Exception as exc:  # verified bytes that still fail: incompatible library versions
        raise ModelError(f"{root / name}: cannot be loaded ({exc.__class__.__name__}: {exc})") from None
    model.manifest_ = manifest
    return model


def _lock(root: Path) -> Any:
    from filelock import FileLock

    root.mkdir(parents=True, exist_ok=True)
    return FileLock(str(root / ".promote.lock"), timeout=120)


def promote_model(candidate: str | Path, *, root: str | Path | None = None) -> Path:
    """Make ``candidate`` the default model; the old default becomes ``previous``.

    The candidate is verified and copied beside the default first, then swapped in by
    renames under a lock file, so two concurrent promotions cannot mix files.
    """
    base = Path(root) if root else models_root()
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
    """Swap ``default`` and ``previous`` (a second rollback undoes the first)."""
    base = Path(root) if root else models_root()
    default, previous = base / "default", base / "previous"
    with _lock(base):
        if not previous.exists():
            raise ModelError(f"{previous}: no previous default model to roll back to")
        verify_model_dir(previous)
        swap = base / f".swap-{os.getpid()}"
        os.replace(default, swap)
        os.replace(previous, default)
        os.replace(swap, previous)
    return default


if __name__ == "__main__":  # pragma: no cover - manual check: python -m petition_nlp.modelstore DIR
    print(json.dumps(verify_model_dir(sys.argv[1]), ensure_ascii=False, indent=2))
