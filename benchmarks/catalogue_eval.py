"""How well the issue matcher recognises catalogue issues, measured on the catalogue itself.

    .venv/bin/python benchmarks/catalogue_eval.py [--folds 4]

Two cross-validations over ``petition_nlp/data/issue_catalogue.jsonl`` (no evaluation survey is
read, so ``IssueMatcher.min_score`` can be chosen here without touching the evaluation data):

* paraphrase folds: every issue keeps part of its paraphrases for training and is asked to
  recognise the rest (wording it has not seen) -> match accuracy and how often a held-out
  paraphrase is wrongly matched to a *near-miss* issue;
* issue folds: whole issues are held out, so their paraphrases raise an issue the matcher does
  not know -> how often such a petition is (wrongly) matched to some issue anyway.

* writer folds, with the second writer's paraphrases of ``data/dev/catalogue_second_writer.csv``
  (development data: the shipped matcher is not fitted on them): the matcher is trained on the
  catalogue (titles and its writer's paraphrases) and asked to recognise the second writer's --
  the nearest thing here to petitions written by a stranger. (The other way round, trained on the
  second writer's six paraphrases, is printed too.)

For each candidate ``min_score`` it prints the share of known-issue paraphrases matched to the
right issue, matched to a wrong one, and the share of unknown-issue paraphrases matched at all.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedKFold

from petition_nlp.grouping.catalogue import IssueMatcher, _plain, _training_rows, load_catalogue, with_paraphrases

SECOND_WRITER = Path(__file__).resolve().parent.parent / "data" / "dev" / "catalogue_second_writer.csv"

PARAMS: dict = {}
"""Settings of the matchers fitted here (``--C``)."""
THRESHOLDS = (-0.6, -0.5, -0.4, -0.3, -0.2, -0.1, 0.0, 0.1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--C", type=float, default=None, help="the SVM's C (default: IssueMatcher's)")
    args = parser.parse_args()
    if args.C is not None:
        PARAMS["C"] = args.C
    issues = load_catalogue()
    texts, labels = _training_rows(issues)
    plain = np.array(_plain(texts), dtype=object)
    labels = np.array(labels)
    near = {i.id: set(i.near_miss) for i in issues}
    print(f"{len(issues)} issues, {len(texts)} texts (titles + paraphrases)")

    known_top, known_right, known_near = [], [], []
    for train, test in StratifiedKFold(args.folds, shuffle=True, random_state=0).split(plain, labels):
        matcher = IssueMatcher(**PARAMS).fit(plain[train].tolist(), labels[train])
        scores = matcher.decision_function((), plain=plain[test].tolist())
        best = matcher.issue_ids_[scores.argmax(axis=1)]
        known_top.append(scores.max(axis=1))
        known_right.append(best == labels[test])
        known_near.append(np.array([b in near.get(g, ()) for b, g in zip(best, labels[test])]))
    known_top, known_right, known_near = map(np.concatenate, (known_top, known_right, known_near))

    unknown_top = []
    for train, test in GroupKFold(args.folds).split(plain, labels, groups=labels):
        matcher = IssueMatcher(**PARAMS).fit(plain[train].tolist(), labels[train])
        unknown_top.append(matcher.decision_function((), plain=plain[test].tolist()).max(axis=1))
    unknown_top = np.concatenate(unknown_top)

    print(f"best issue right (no threshold): {known_right.mean():.3f}; wrong best issue is a near miss: "
          f"{known_near.sum()} of {(~known_right).sum()}")
    print("| min_score | known: matched right | known: matched wrong | known: unmatched | unknown: matched (false) |")
    print("|---|---|---|---|---|")
    for t in THRESHOLDS:
        matched = known_top >= t
        print(f"| {t:+.1f} | {np.mean(matched & known_right):.3f} | {np.mean(matched & ~known_right):.3f} | "
              f"{np.mean(~matched):.3f} | {np.mean(unknown_top >= t):.3f} |")
    if SECOND_WRITER.is_file():
        writer_folds(with_paraphrases(issues, SECOND_WRITER))
    print(f"current default min_score {IssueMatcher().min_score:+.1f}")
    return 0


def writer_folds(issues) -> None:
    """Train without one writer's paraphrases, test on them (every writer who wrote paraphrases
    for issues another writer also covers)."""
    print("writer folds (data/dev/catalogue_second_writer.csv):")
    texts, labels, writers = [], [], []
    for issue in issues:
        for text, writer in [(issue.title, "title"), *zip(issue.paraphrases, issue.paraphrase_writers)]:
            texts.append(text)
            labels.append(issue.id)
            writers.append(writer)
    plain, labels, writers = np.array(_plain(texts), dtype=object), np.array(labels), np.array(writers)
    tops, rights = [], []
    for writer in sorted(set(writers) - {"title"}):
        test = writers == writer
        if not np.isin(labels[test], labels[~test & (writers != "title")]).all():
            continue  # the writer's issues have no other writer's paraphrases: nothing to learn from
        matcher = IssueMatcher(**PARAMS).fit(plain[~test].tolist(), labels[~test])
        scores = matcher.decision_function((), plain=plain[test].tolist())
        right = matcher.issue_ids_[scores.argmax(axis=1)] == labels[test]
        print(f"writer fold {writer}: {test.sum()} paraphrases, best issue right {right.mean():.3f}")
        tops.append(scores.max(axis=1))
        rights.append(right)
    if not tops:
        return
    top, right = np.concatenate(tops), np.concatenate(rights)
    print("| min_score | other writer: matched right | matched wrong | unmatched |")
    print("|---|---|---|---|")
    for t in THRESHOLDS:
        matched = top >= t
        print(f"| {t:+.1f} | {np.mean(matched & right):.3f} | {np.mean(matched & ~right):.3f} | {np.mean(~matched):.3f} |")


if __name__ == "__main__":
    raise SystemExit(main())
