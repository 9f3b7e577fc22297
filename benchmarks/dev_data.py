"""Development data shared by the benchmarks: the second writer's paraphrases of the catalogue issues.

``data/dev/catalogue_second_writer.csv`` holds six paraphrases of each of the first 236 catalogue
issues by three paraphrase writers who saw only the issues' titles, concepts and neighbours; the
shipped matcher is never fitted on them. :func:`with_second_writer` adds them to the catalogue's
issues (each paraphrase keeps its writer) and :func:`own_and_other` separates an issue's texts by
writer: the catalogue writer's, and the others'.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from petition_nlp.grouping.catalogue import Issue, load_catalogue, with_paraphrases

SECOND_WRITER = Path(__file__).resolve().parent.parent / "data" / "dev" / "catalogue_second_writer.csv"


def with_second_writer(issues: Sequence[Issue] | None = None) -> tuple[Issue, ...]:
    """The catalogue's issues (or ``issues``) with the second writer's paraphrases appended."""
    return with_paraphrases(load_catalogue() if issues is None else issues, SECOND_WRITER)


def own_and_other(issue: Issue, texts: Sequence[str] | None = None) -> tuple[list[str], list[str]]:
    """``texts`` (default: all the issue's paraphrases, in order) written by the issue's catalogue
    writer, and those written by anyone else."""
    texts = list(issue.paraphrases if texts is None else texts)
    writer = dict(zip(issue.paraphrases, issue.paraphrase_writers))
    first = issue.paraphrase_writers[0] if issue.paraphrase_writers else ""
    return [t for t in texts if writer.get(t, first) == first], [t for t in texts if writer.get(t, first) != first]
