"""underthesea's word-segmentation CRF, decoded with memoised feature scores.

``underthesea.word_tokenize`` builds about 43 feature strings per syllable in Rust, hands them
to Python as a list of lists, and passes them back to the Rust tagger; that round trip costs
more than the tagging itself. A petition repeats the same syllables, pairs and triples, so this
module scores each template *group* (one, two or three neighbouring syllables) once per distinct
key and remembers it. It reads underthesea's own model files (templates, dictionary, CRFsuite
weights through ``python-crfsuite``) and gives exactly ``word_tokenize(text, format="text")``:
:func:`load_segmenter` checks that on probe sentences and returns ``None`` (callers then use
underthesea directly) when the model files or their template grammar are not what it knows.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["CRFSegmenter", "load_segmenter", "is_loaded"]

_TEMPLATE = re.compile(r"T\[(-?\d+)(?:,(-?\d+))?\](?:\.(lower|isdigit|istitle|is_in_dict))?$")
_BOS, _EOS = None, ""  # padding sentinels; a real token is never None or empty
_MEMO_LIMIT = 30_000  # per span width; with the model itself ~50 MB a process at most
_PROBES = (
    "Đề nghị UBND tỉnh Bắc Ninh sớm xây dựng nhà ở xã hội cho công nhân KCN Quế Võ.",
    "cty no bhxh 6 thang roi, bao gio moi chot so cho anh em?",
    "Lương 4.500.000đ/tháng, làm thêm 2-3 giờ mỗi ngày; có được hỗ trợ tiền trọ không ạ",
    "ok",
)


def _istitle(span: str) -> bool:
    # underthesea_core's rule: no space-separated word starts with a lower-case letter
    return not any(word[:1].islower() for word in span.split(" "))


class CRFSegmenter:
    """Word segmentation equal to underthesea's CRF model, faster on batches.

    Args:
        templates: feature templates (``"T[-1,0].lower"`` ...), as in underthesea's ``features.bin``.
        dictionary: lower-cased words for the ``is_in_dict`` templates.
        weights: attribute string -> weight for ``B-W`` + weight for ``I-W`` * 1j.
        transitions: ((B->B, B->I), (I->B, I->I)) transition weights.
    """

    def __init__(
        self,
        templates: Sequence[str],
        dictionary: set[str],
        weights: dict[str, complex],
        transitions: tuple[tuple[float, float], tuple[float, float]],
    ) -> None:
        self.templates = list(templates)
        self.dictionary = dictionary
        self.weights = weights
        self.transitions = transitions
        spans: dict[tuple[int, int], list[tuple[str, str]]] = {}
        for name in self.templates:
            m = _TEMPLATE.match(name)
            if m is None:
                raise ValueError(f"unsupported feature template {name!r}")
            a = int(m.group(1))
            b = int(m.group(2)) if m.group(2) is not None else a
            spans.setdefault((a, b), []).append((name, m.group(3) or ""))
        # Templates over the same number of neighbouring syllables share one memo: the key is
        # those syllables, the value one complex score (B + I*1j) per span offset.
        widths: dict[int, list[tuple[int, list[tuple[str, str]]]]] = {}
        for (a, b), group in sorted(spans.items()):
            widths.setdefault(b - a + 1, []).append((a, group))
        self._offsets = dict(sorted(widths.items()))  # width -> [(first offset, templates)]
        self._pad = max(max(abs(a), abs(b)) for a, b in spans)
        self._memo: dict[int, dict[tuple, tuple[complex, ...]]] = {w: {} for w in widths}
        self._token_memo: dict[str, str] = {}

    def _span_scores(
        self, width: int, key: tuple[str | None, ...]
    ) -> tuple[complex, ...]:
        if _BOS in key or _EOS in key:
            edge = "BOS" if _BOS in key else "EOS"
            values = dict.fromkeys(("", "lower", "isdigit", "istitle", "is_in_dict"), edge)
        else:
            span = " ".join(key)  # type: ignore[arg-type]
            lower = span.lower()
            values = {"": span, "lower": lower, "isdigit": str(span.isdigit()),
                      "istitle": str(_istitle(span)), "is_in_dict": str(lower in self.dictionary)}
        scores = []
        for _, group in self._offsets[width]:
            score = 0j  # B-W score + I-W score * 1j: one addition updates both exactly
            for name, fn in group:
                w = self.weights.get(f"{name}={values[fn]}")
                if w is not None:
                    score += w
            scores.append(score)
        result = tuple(scores)
        memo = self._memo[width]
        if len(memo) >= _MEMO_LIMIT:
            memo.clear()
        memo[key] = result
        return result

    def tag(self, tokens: Sequence[str]) -> list[bool]:
        """For each syllable, True when it starts a word (``B-W``), False when it continues one."""
        n = len(tokens)
        if n == 0:
            return []
        pad = self._pad
        padded = [_BOS] * pad + list(tokens) + [_EOS] * pad
        score = [0j] * n  # B-W score + I-W score * 1j, per syllable
        for width, offsets in self._offsets.items():
            get = self._memo[width].get
            keys = list(zip(*(padded[k:] for k in range(width))))
            rows = [get(key) or self._span_scores(width, key) for key in keys]
            for j, (a, _) in enumerate(offsets):
                window = rows[pad + a : pad + a + n]  # the span starting at pos + a, per pos
                score = [x + r[j] for x, r in zip(score, window)]
        score_b = [x.real for x in score]
        score_i = [x.imag for x in score]
        # Viterbi over the two labels
        (bb, bi), (ib, ii) = self.transitions
        best_b, best_i = score_b[0], score_i[0]
        back: list[tuple[bool, bool]] = []
        for pos in range(1, n):
            to_b_from_b, to_b_from_i = best_b + bb, best_i + ib
            to_i_from_b, to_i_from_i = best_b + bi, best_i + ii
            b_prev_is_b = to_b_from_b >= to_b_from_i
            i_prev_is_b = to_i_from_b >= to_i_from_i
            back.append((b_prev_is_b, i_prev_is_b))
            best_b = (to_b_from_b if b_prev_is_b else to_b_from_i) + score_b[pos]
            best_i = (to_i_from_b if i_prev_is_b else to_i_from_i) + score_i[pos]
        label = best_b >= best_i
        labels = [label]
        for b_prev_is_b, i_prev_is_b in reversed(back):
            label = b_prev_is_b if label else i_prev_is_b
            labels.append(label)
        labels.reverse()
        return labels

    def tokenize(self, text: str) -> list[str]:
        """Syllables and symbols as underthesea's ``regex_tokenize.tokenize`` gives them."""
        from underthesea.pipeline.word_tokenize import regex_tokenize as rt

        memo = self._token_memo
        tokens = []
        for match in rt.patterns.finditer(rt.normalize_characters_in_text(text)):
            token = match.group(0)
            normal = memo.get(token)
            if normal is None:
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                normal = memo[token] = rt.token_normalize(token)
            tokens.append(normal)
        return tokens

    def segment(self, text: str) -> str:
        """Segment one text: words joined by ``_``, like ``word_tokenize(text, format="text")``."""
        tokens = self.tokenize(text)
        words: list[str] = []
        for k, (token, begins) in enumerate(zip(tokens, self.tag(tokens))):
            if begins or k == 0:
                words.append(token)
            else:
                words[-1] = f"{words[-1]}_{token}"
        return " ".join(w.replace(" ", "_") for w in words)


def _model_dir() -> Path:
    import underthesea.pipeline.word_tokenize as wt

    return Path(wt.__file__).parent / "models" / "ws_crf_vlsp2013_20230727"


def _read_model() -> dict[str, Any] | None:
    """underthesea's model files as plain data, or None when they are not the kind known here."""
    import joblib
    import pycrfsuite

    folder = _model_dir()
    tagger = pycrfsuite.Tagger()
    tagger.open(str(folder / "models.bin"))
    try:
        if sorted(tagger.labels()) != ["B-W", "I-W"]:
            return None
        info = tagger.info()
    finally:
        tagger.close()
    weights: dict[str, list[float]] = {}
    for (attribute, label), w in info.state_features.items():
        weights.setdefault(attribute, [0.0, 0.0])[label == "I-W"] += w
    t = info.transitions
    return {
        "templates": list(joblib.load(folder / "features.bin")),
        "dictionary": sorted(joblib.load(folder / "dictionary.bin")),
        "weights": weights,
        "transitions": [[t.get(("B-W", "B-W"), 0.0), t.get(("B-W", "I-W"), 0.0)],
                         [t.get(("I-W", "B-W"), 0.0), t.get(("I-W", "I-W"), 0.0)]],
    }


def _from_data(data: dict[str, Any]) -> CRFSegmenter:
    (bb, bi), (ib, ii) = data["transitions"]
    return CRFSegmenter(
        data["templates"],
        set(data["dictionary"]),
        {a: complex(b, i) for a, (b, i) in data["weights"].items()},
        ((bb, bi), (ib, ii)),
    )


def _cache_file() -> Path | None:
    from .segment import cache_enabled, cache_dir, segmenter_version

    if not cache_enabled():
        return None
    model = (_model_dir() / "models.bin").stat()
    stamp = hashlib.sha256(f"{segmenter_version()}|{model.st_size}|{model.st_mtime_ns}".encode())
    return cache_dir() / f"crfseg-{stamp.hexdigest()[:16]}.json"


@lru_cache(maxsize=1)
def load_segmenter() -> CRFSegmenter | None:
    """The segmenter for the installed underthesea model, or None when it cannot be matched.

    None means: the model files are missing or unknown, ``python-crfsuite`` is absent, or the
    result differs from ``underthesea.word_tokenize`` on the probe sentences. The model read
    (~0.6 s) is kept as JSON beside the segmentation cache once it passed the probes, so later
    processes load in a fraction of that (``PETITION_NLP_CACHE=0`` turns this off too).
    """
    try:
        cached = _cache_file()
        if cached is not None and cached.is_file():
            try:
                return _from_data(json.loads(cached.read_text(encoding="utf-8")))
            except (ValueError, KeyError, TypeError, OSError):
                pass  # unreadable: rebuild it below
        from underthesea import word_tokenize

        data = _read_model()
        if data is None:
            return None
        segmenter = _from_data(data)
        for probe in _PROBES:
            if segmenter.segment(probe) != word_tokenize(probe, format="text"):
                return None
        if cached is not None:
            try:
                cached.parent.mkdir(parents=True, exist_ok=True)
                partial = cached.with_suffix(f".{os.getpid()}.part")
                partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
                os.replace(partial, cached)  # atomic: concurrent processes never read half a file
            except OSError:
                pass
        return segmenter
    except Exception:  # any mismatch with what this module knows: use underthesea itself
        return None


def is_loaded() -> bool:
    """True once :func:`load_segmenter` has run in this process (whatever it returned)."""
    return load_segmenter.cache_info().currsize > 0
