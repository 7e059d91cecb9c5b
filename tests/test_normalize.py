"""normalize.py: what PDFs and converters garble, mapped back; amounts as printed."""

from __future__ import annotations

import pytest

from helpers.core.normalize import cid_ratio, is_amount, normalize_text, parse_amount


@pytest.mark.parametrize(
    "raw,expected",
    [
        ("⾏政运⾏", "行政运行"),  # U+2F8F KANGXI RADICAL WALK
        ("⼀般公共预算财政拨款⽀出决算表", "一般公共预算财政拨款支出决算表"),  # U+2F00, U+2F40
        ("⾦额单位：万元", "金额单位：万元"),  # U+2FA6
        ("⻓期", "长期"),  # U+2ED3, CJK radicals supplement
        ("⻋辆", "车辆"),  # U+2ECB
        ("行政运行", "行政运行"),  # ordinary ideographs untouched
    ],
)
def test_radicals_become_ideographs(raw, expected):
    assert normalize_text(raw) == expected


def test_full_width_digits_and_signs_become_ascii():
    assert normalize_text("１，２３４．５６") == "1，234.56"  # the full-width comma stays punctuation
    assert normalize_text("－１２．３") == "-12.3"
    assert normalize_text("占比８５．３％") == "占比85.3%"
    assert normalize_text("合\u3000计\u00a0") == "合 计 "
    assert normalize_text("（表１）") == "（表1）"  # full-width brackets are kept as printed


@pytest.mark.parametrize(
    "cell,expected",
    [
        ("1,568.88", 1568.88),
        ("3,061.55", 3061.55),
        ("12,345,678.9", 12345678.9),
        ("0", 0.0),
        ("0.00", 0.0),
        ("29.3", 29.3),
        ("-12.30", -12.3),
        ("−5", -5.0),  # U+2212 minus sign
        (" 1,407.17 ", 1407.17),
        ("１，５６８．８８".replace("，", ","), 1568.88),  # full-width digits, ASCII separator
        ("１５６８．８８", 1568.88),
        ("-", 0.0),
        ("—", 0.0),
        ("－", 0.0),  # full-width hyphen-minus
        ("--", 0.0),
    ],
)
def test_parse_amount(cell, expected):
    assert parse_amount(cell) == expected


@pytest.mark.parametrize("cell", [None, "", "   ", "\u3000"])
def test_blank_is_none_never_zero(cell):
    assert parse_amount(cell) is None
    assert not is_amount(cell)


@pytest.mark.parametrize("cell", ["栏次", "合计", "万元", "12万元", "1.2.3", "1,23", "30207邮电费", "abc", "10%"])
def test_non_amount_text_raises(cell):
    assert not is_amount(cell)
    with pytest.raises(ValueError, match="not an amount"):
        parse_amount(cell)


@pytest.mark.parametrize("cell", ["1,568.88", "0", "0.00", "-", "—", "-3.5", "2013101"])
def test_is_amount(cell):
    assert is_amount(cell)


def test_cid_ratio():
    assert cid_ratio("") == 0.0
    assert cid_ratio("行政运行") == 0.0
    assert cid_ratio("(cid:123)(cid:45)") == 1.0
    assert 0.4 < cid_ratio("(cid:1)abcdefg") < 0.6


def test_full_width_thousands_separators_in_a_figure_cell():
    """`2，940.05` typed with a Chinese input method is a figure; a full-width comma elsewhere is punctuation."""
    assert parse_amount("2，940.05") == 2940.05 and is_amount("2，940.05")
    assert parse_amount("-1，234，567") == -1234567.0
    for text in ("12，主要原因", "2，94", "29，40.05", "1，2345"):
        assert not is_amount(text)
        with pytest.raises(ValueError):
            parse_amount(text)
