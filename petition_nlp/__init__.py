"""petition-nlp: classify Vietnamese worker petitions and shortlist representative questions.

Public API::

    from petition_nlp import PetitionClassifier, shortlist
    clf = PetitionClassifier.load()            # the bundled default model
    table = clf.classify(["Đề nghị xây nhà ở xã hội cho công nhân KCN"])
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "PetitionClassifier",
    "classify_partition",
    "shortlist",
    "group_and_select",
    "assign_groups",
    "classify_file",
    "iter_table",
    "normalize_text",
    "strip_diacritics",
    "read_table",
    "write_table",
    "InputError",
    "ModelError",
    "load_model",
    "train_model",
    "evaluate_model",
    "evaluate_file",
    "load_labeled",
    "suggest_for_labelling",
    "find_label_issues",
    "build_report",
    "write_workbook",
    "category_summary",
    "CATEGORY_CODES",
]

_LOCATIONS = {
    "PetitionClassifier": "petition_nlp.model.classifier",
    "classify_partition": "petition_nlp.model.classifier",
    "shortlist": "petition_nlp.grouping.shortlist",
    "group_and_select": "petition_nlp.grouping.shortlist",
    "assign_groups": "petition_nlp.grouping.shortlist",
    "classify_file": "petition_nlp.model.batch",
    "iter_table": "petition_nlp.files.io",
    "normalize_text": "petition_nlp.text.normalize",
    "strip_diacritics": "petition_nlp.text.normalize",
    "read_table": "petition_nlp.files.io",
    "write_table": "petition_nlp.files.io",
    "InputError": "petition_nlp.files.io",
    "ModelError": "petition_nlp.model.modelstore",
    "load_model": "petition_nlp.model.modelstore",
    "train_model": "petition_nlp.model.training",
    "evaluate_model": "petition_nlp.model.training",
    "evaluate_file": "petition_nlp.model.training",
    "load_labeled": "petition_nlp.model.training",
    "suggest_for_labelling": "petition_nlp.grouping.active",
    "find_label_issues": "petition_nlp.grouping.active",
    "build_report": "petition_nlp.reports.html",
    "write_workbook": "petition_nlp.reports.workbook",
    "category_summary": "petition_nlp.reports.summary",
    "CATEGORY_CODES": "petition_nlp.resources",
}


def _version() -> str:
    """The installed distribution's version (one source: pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("petition-nlp")
    except PackageNotFoundError:  # imported from a folder that was never installed
        return "0+unknown"


def __getattr__(name: str) -> Any:
    """Import public names lazily, so ``petition-nlp --help`` starts fast."""
    if name == "__version__":
        globals()["__version__"] = value = _version()
        return value
    if name in _LOCATIONS:
        import importlib

        value = getattr(importlib.import_module(_LOCATIONS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'petition_nlp' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
