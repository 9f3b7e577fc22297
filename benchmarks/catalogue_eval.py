"""How well the issue matcher recognises catalogue issues, measured on the catalogue itself.

    .venv/bin/python benchmarks/catalogue_eval.py [--folds 4]

Two cross-validations over ``petition_nlp/data/issue_catalogue.jsonl`` (no evaluation survey is
read, so ``IssueMatcher.min_score`` can be chosen here without touching the evaluation data):

* paraphrase folds: every issue keeps part of its paraphrases for training and is asked to
  recognise the rest (wording it has not seen) -> match accuracy and how often a held-out
  paraphrase is wrongly matched to a *near-miss* issue;
* issue folds: whole issues are held out, so their paraphrases raise an issue the matcher does
  not know -> how often such a petition is (wrongly) matched to some issue anyway.

* the development writer, with ``data/dev/catalogue_third_writer.csv`` (development data: the shipped
  matcher is not fitted on them): the matcher is fitted on the catalogue as shipped (its own and
  ``issue_paraphrases.csv``'s paraphrases) and asked to recognise the development writer's
  paraphrases -- the nearest thing here to petitions written by a stranger. (The other way round,
  fitted on the development writer's four paraphrases, is printed too.)

For each candidate ``min_score`` it prints the share of known-issue paraphrases matched to the
right issue, matched to a wrong one, and the share of unknown-issue paraphrases matched at all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedKFold

from petition_nlp.grouping.catalogue import IssueMatcher, _plain, _training_rows, load_catalogue

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dev_data import DEV_WRITER, with_dev_writer  # noqa: E402

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
    threshold_table("known", known_top, known_right, unknown_top)
    if DEV_WRITER.is_file():
        writer_folds(with_dev_writer(issues))
    print(f"current default min_score {IssueMatcher().min_score:+.1f}")
    return 0


def threshold_table(name: str, top: np.ndarray, right: np.ndarray, unknown_top: np.ndarray | None = None) -> None:
    """For each candidate ``min_score``: the share of texts matched to the right issue, to a wrong
    one, not matched (and of ``unknown_top``, texts of issues the matcher does not know, matched)."""
    extra = ("", "") if unknown_top is None else (" unknown: matched (false) |", "---|")
    print(f"| min_score | {name}: matched right | {name}: matched wrong | {name}: unmatched |{extra[0]}")
    print(f"|---|---|---|---|{extra[1]}")
    for t in THRESHOLDS:
        matched = top >= t
        tail = "" if unknown_top is None else f" {np.mean(unknown_top >= t):.3f} |"
        print(f"| {t:+.1f} | {np.mean(matched & right):.3f} | {np.mean(matched & ~right):.3f} | {np.mean(~matched):.3f} |{tail}")


def writer_folds(issues) -> None:
    """The matcher fitted as shipped (titles and the catalogue writers' paraphrases) and scored on
    the development writer's paraphrases of the same issues; and, for comparison, the other way round."""
    from dev_data import own_and_other

    catalogue_texts, catalogue_ids, dev_texts, dev_ids = [], [], [], []
    for issue in issues:
        own, other = own_and_other(issue)
        catalogue_texts += [issue.title, *own]
        catalogue_ids += [issue.id] * (1 + len(own))
        dev_texts += other
        dev_ids += [issue.id] * len(other)
    if not dev_texts:
        return
    fitted = IssueMatcher(**PARAMS).fit(_plain(catalogue_texts), catalogue_ids)
    scores = fitted.decision_function((), plain=_plain(dev_texts))
    top, right = scores.max(axis=1), fitted.issue_ids_[scores.argmax(axis=1)] == np.array(dev_ids)
    print(f"development writer ({DEV_WRITER.name}): {len(dev_texts)} paraphrases of {len(set(dev_ids))} issues; "
          f"best issue right {right.mean():.3f} (matcher fitted on the catalogue, as shipped)")
    threshold_table("dev writer", top, right)
    known = set(dev_ids)  # the other way round: fitted on titles + the development writer, scored on the others'
    reverse = IssueMatcher(**PARAMS).fit(
        _plain([i.title for i in issues if i.id in known] + dev_texts), [i.id for i in issues if i.id in known] + dev_ids
    )
    own_texts = [t for i in issues if i.id in known for t in own_and_other(i)[0]]
    own_ids = [i.id for i in issues if i.id in known for _ in own_and_other(i)[0]]
    back = reverse.issue_ids_[reverse.decision_function((), plain=_plain(own_texts)).argmax(axis=1)] == np.array(own_ids)
    print(f"the other way round (fitted on titles + the development writer, scored on the shipped writers' {len(own_texts)}): "
          f"best issue right {back.mean():.3f}")


if __name__ == "__main__":
    raise SystemExit(main())
