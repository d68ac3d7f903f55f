"""The design system's colour pairs meet WCAG AA (4.5:1 for text), read from the theme source."""

import re
from pathlib import Path

import pytest

THEME = Path(__file__).resolve().parent.parent / "theme" / "static_src" / "src" / "styles.css"
TOKENS = dict(re.findall(r"--color-([a-z0-9-]+):\s*(#[0-9a-f]{6})", THEME.read_text()))
TOKENS["white"] = "#ffffff"

# (text, background) as the components use them.
PAIRS = [
    ("ink", "white"), ("ink", "canvas"), ("muted", "white"), ("muted", "canvas"),
    ("white", "brand-700"), ("white", "brand-800"), ("brand-700", "white"),
    ("brand-700", "brand-50"), ("brand-700", "canvas"), ("brand-800", "brand-100"),
    ("ok-700", "ok-50"), ("warn-800", "warn-50"), ("danger-700", "danger-50"),
    ("danger-700", "white"), ("white", "danger-700"),
]  # fmt: skip


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_aa_on_their_backgrounds(text, background):
    assert contrast(TOKENS[text], TOKENS[background]) >= 4.5


def test_the_contrast_formula_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48
