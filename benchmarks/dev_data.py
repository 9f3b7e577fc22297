"""Development data shared by the benchmarks: a development writer's paraphrases of the catalogue issues.

``data/dev/catalogue_third_writer.csv`` holds four paraphrases (report, spoken, chat, indirect) of each
catalogue issue by four paraphrase writers (the fourth for the eight issues added later) who saw only
the issues' titles, concepts and neighbours — never the catalogue's paraphrases, nor those of ``petition_nlp/data/issue_paraphrases.csv``
(the second writers', which the shipped matcher learns from). The shipped matcher is never fitted
on them: they stand for petitions written by strangers. :func:`with_dev_writer` adds them to the
catalogue's issues (each paraphrase keeps its writer) and :func:`own_and_other` separates an issue's
texts: those of the writers the shipped matcher learns from, and the development writers'.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from petition_nlp.grouping.catalogue import Issue, load_catalogue, with_paraphrases

DEV_WRITER = Path(__file__).resolve().parent.parent / "data" / "dev" / "catalogue_third_writer.csv"


def with_dev_writer(issues: Sequence[Issue] | None = None) -> tuple[Issue, ...]:
    """The catalogue's issues (or ``issues``) with the development writer's paraphrases appended."""
    return with_paraphrases(load_catalogue() if issues is None else issues, DEV_WRITER)


@lru_cache(maxsize=1)
def dev_writers() -> frozenset[str]:
    """The writers of the development file (``writer`` column; none when the file is absent)."""
    if not DEV_WRITER.is_file():
        return frozenset()
    with open(DEV_WRITER, encoding="utf-8", newline="") as handle:
        return frozenset((row.get("writer") or "").strip() for row in csv.DictReader(handle))


def own_and_other(issue: Issue, texts: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """``texts`` (default: all the issue's paraphrases, in order) written by the writers the shipped
    matcher learns from, and those written by the development writers."""
    texts = list(issue.paraphrases if texts is None else texts)
    writer = dict(zip(issue.paraphrases, issue.paraphrase_writers))
    dev = dev_writers()
    return [t for t in texts if writer.get(t, "") not in dev], [t for t in texts if writer.get(t, "") in dev]
