"""Property-based tests for normalisation and the text pipeline (hypothesis)."""

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petition_nlp.text.normalize import fix_tone_placement, normalize_text, strip_diacritics

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
vietnamese_text = st.text(alphabet=st.sampled_from(list(VIETNAMESE + VIETNAMESE.upper() + " ,.?!0123456789")), max_size=120)
any_text = st.text(max_size=200)


@given(any_text)
@settings(max_examples=400)
def test_normalize_never_raises_and_is_nfc(text: str) -> None:
    out = normalize_text(text)
    assert isinstance(out, str)
    assert unicodedata.is_normalized("NFC", out)


@given(st.one_of(any_text, vietnamese_text))
@settings(max_examples=400)
def test_normalize_is_idempotent(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(vietnamese_text)
def test_nfd_and_nfc_normalise_identically(text: str) -> None:
    assert normalize_text(unicodedata.normalize("NFD", text)) == normalize_text(unicodedata.normalize("NFC", text))


@given(vietnamese_text)
def test_tone_fix_keeps_letters(text: str) -> None:
    assert strip_diacritics(fix_tone_placement(text)) == strip_diacritics(text)


@given(any_text)
def test_strip_diacritics_never_raises(text: str) -> None:
    assert isinstance(strip_diacritics(text), str)


PETITION_PARTS = st.sampled_from(
    [
        "Đề nghị xây dựng nhà ở xã hội cho công nhân",
        "công ty nợ BHXH nhiều tháng",
        "mong được học nghề hàn",
        "khu trọ hay mất trộm xe máy",
        "kết nạp Đảng cho công nhân",
        "tăng lương tối thiểu vùng",
        "hoà", "thuỷ", "khoẻ", "KCN", "ạ",
    ]
)


@given(st.lists(PETITION_PARTS, min_size=1, max_size=5), st.sampled_from(["", " ", "\t", "\n ", "   "]))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_classification_ignores_unicode_form_and_whitespace(default_model, parts, pad) -> None:
    text = " ".join(parts)
    variants = [text, unicodedata.normalize("NFD", text), pad + text + pad, text.replace(" ", "  ")]
    proba = default_model.predict_proba(variants).to_numpy()
    assert (abs(proba - proba[0]) < 1e-9).all()
