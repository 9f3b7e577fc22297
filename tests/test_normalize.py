import unicodedata

import pytest

from petition_nlp.text.normalize import (
    expand_abbreviations,
    fix_tone_placement,
    normalize_text,
    strip_diacritics,
)
from petition_nlp.resources import load_abbreviations


@pytest.mark.parametrize(
    "given, expected",
    [
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("Uỷ ban", "Ủy ban"),
        ("hoàng", "hoàng"),  # closed syllable: unchanged
        ("quý", "quý"),  # qu + y
        ("giữa", "giữa"),  # gi + ưa
        ("người", "người"),
        ("khuỷu", "khuỷu"),
        ("Hoà Bình", "Hòa Bình"),
    ],
)
def test_tone_placement(given: str, expected: str) -> None:
    assert fix_tone_placement(given) == expected


def test_old_and_new_tone_placement_normalise_the_same() -> None:
    assert normalize_text("Xã hội hoá, thuỷ sản, sức khoẻ") == normalize_text("Xã hội hóa, thủy sản, sức khỏe")


def test_nfd_input_gives_nfc_output() -> None:
    nfd = unicodedata.normalize("NFD", "Đề nghị xây nhà ở xã hội")
    out = normalize_text(nfd)
    assert out == unicodedata.normalize("NFC", out)
    assert out == normalize_text("Đề nghị xây nhà ở xã hội")


@pytest.mark.parametrize(
    "abbrev, expansion",
    [
        ("BHXH", "bảo hiểm xã hội"),
        ("bhxh", "bảo hiểm xã hội"),
        ("NƠXH", "nhà ở xã hội"),
        ("NOXH", "nhà ở xã hội"),
        ("noxh", "nhà ở xã hội"),
        ("CNLĐ", "công nhân lao động"),
        ("CNLD", "công nhân lao động"),
        ("KCN", "khu công nghiệp"),
        ("PCCC", "phòng cháy chữa cháy"),
        ("LĐLĐ", "liên đoàn lao động"),
        ("CĐCS", "công đoàn cơ sở"),
        ("ko", "không"),
        ("dc", "được"),
    ],
)
def test_abbreviations_expand_case_and_diacritic_insensitively(abbrev: str, expansion: str) -> None:
    assert normalize_text(f"đề nghị {abbrev} hỗ trợ") == f"đề nghị {expansion} hỗ trợ"


def test_case_sensitive_abbreviations_leave_ordinary_words_alone() -> None:
    # "CA" (công an) is expanded only in capitals: "ca" is a work shift.
    assert normalize_text("CA phường") == "công an phường"
    assert normalize_text("tan ca muộn") == "tan ca muộn"


def test_abbreviation_file_has_at_least_40_domain_entries() -> None:
    rows = load_abbreviations()
    assert len(rows) >= 40
    required = {"BHXH", "BHYT", "BHTN", "CNLĐ", "NLĐ", "CNVCLĐ", "KCN", "KCX", "NƠXH", "LĐLĐ", "CĐCS", "DN",
                "UBND", "HĐND", "PCCC", "ANTT", "TNGT"}
    assert required <= {a for a, _, _ in rows}


def test_expansions_contain_no_abbreviation_keys() -> None:
    """Guarantees idempotence: expanding twice changes nothing."""
    for _, expansion, _ in load_abbreviations():
        assert expand_abbreviations(expansion.lower()) == expansion.lower()


def test_strip_diacritics() -> None:
    assert strip_diacritics("Đề nghị xây nhà ở xã hội") == "De nghi xay nha o xa hoi"


def test_punctuation_and_whitespace_are_cleaned() -> None:
    assert normalize_text("  Đề   nghị!!!  (gấp)\n\tnhé...  ") == "đề nghị gấp nhé"


def test_non_string_input_is_accepted() -> None:
    assert normalize_text(None) == ""  # type: ignore[arg-type]
    assert normalize_text(12345) == "12345"  # type: ignore[arg-type]
