"""Build hook: the wheel carries the default model (the rest of the metadata is in pyproject.toml).

``models/default/`` at the top of the repository is the one source of the default model (the
design card keeps it there; ``petition-nlp train --promote`` writes it in a checkout). It is not
inside the package folder, so package-data cannot name it; instead ``build_py`` copies it into the
built package as ``petition_nlp/_bundled_models/default`` - for ``pip install .``, ``pip wheel``
and ``python -m build`` alike (the sdist carries ``models/default`` through MANIFEST.in, so a
wheel built from the sdist gets it the same way). ``pip install -e .`` copies nothing: the
checkout's ``models/`` is read in place (petition_nlp.model.modelstore.bundled_model_dir).
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

MODEL_SOURCE = Path(__file__).resolve().parent / "models" / "default"
MODEL_FILES = ("manifest.json", "model.pkl.gz")
TARGET = ("petition_nlp", "_bundled_models", "default")


class build_py_with_model(build_py):  # noqa: N801 - setuptools command naming
    """``build_py`` that also copies ``models/default/`` into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        missing = [name for name in MODEL_FILES if not (MODEL_SOURCE / name).is_file()]
        if missing:
            raise SystemExit(f"error: {MODEL_SOURCE}: missing {', '.join(missing)}; the wheel must carry the default model")
        target = Path(self.build_lib).joinpath(*TARGET)
        self.mkpath(str(target))
        for name in MODEL_FILES:
            self.copy_file(str(MODEL_SOURCE / name), str(target / name))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if not getattr(self, "editable_mode", False):
            outputs += [str(Path(self.build_lib).joinpath(*TARGET, name)) for name in MODEL_FILES]
        return outputs


setup(cmdclass={"build_py": build_py_with_model})
