"""Numbers and statistics in APA style (Publication Manual, 7th ed., sections 6.32-6.52).

Every sentence of the drafted text and every number cell of the report's tables goes
through these functions, so the rules live in one place:

- counts below 10 as words ("five models"), 10 and above as numerals ("81 clients"),
  with thousands separators (APA 6.32-6.33); numbers with units or statistics stay numerals;
- a true minus sign (U+2212), never a hyphen-minus, in text and tables;
- no leading zero for statistics that cannot exceed 1 in absolute value (r, p, pd,
  proportions: APA 6.36), a leading zero otherwise (b, beta, SD);
- a probability of direction at or above .9995 reads "> .999" (three decimals cannot
  show it), in text and in tables alike;
- statistic symbols set in italics (r, p, M, SD, SE, N, n, b, R², pd, k); Greek letters
  (beta, eta) upright (APA 6.45). The text is kept plain: :func:`segments` marks the
  italic runs, and :func:`html` and :func:`markdown` render them.
"""

from __future__ import annotations

import math
import re

from markupsafe import Markup, escape

MINUS = "\u2212"
WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
#: statistic symbols set in italics when followed by a spaced relation (' = ', ' < ', ...)
ITALIC = ("pd", "R\u00b2", "SD", "SE", "M", "N", "n", "r", "p", "b", "k")
_ITALIC_RE = re.compile(
    r"(?<![\w\u0394\-<])(" + "|".join(re.escape(s) for s in ITALIC) + r")(?= [=<>\u2264\u2265] )"
)


def words(n: int) -> str:
    """3 -> 'three'; 12 -> '12'; 1200 -> '1,200' (APA 6.32: words below 10)."""
    n = int(n)
    return WORDS[n] if 0 <= n < 10 else f"{n:,}"


def count(n: int, noun: str, plural: str | None = None) -> str:
    """(5, 'model') -> 'five models'; (1, 'model') -> 'one model'; (81, 'client') ->
    '81 clients'."""
    n = int(n)
    return f"{words(n)} {noun if n == 1 else plural or noun + 's'}"


def every(n: int, noun: str, plural: str | None = None) -> str:
    """'all five models', 'both models', 'the model': 'all' as English says it."""
    n = int(n)
    if n == 1:
        return f"the {noun}"
    if n == 2:
        return f"both {plural or noun + 's'}"
    return f"all {count(n, noun, plural)}"


def decimal(value: float, digits: int = 2) -> str:
    """-0.241 -> '\u22120.24'; NaN -> ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = f"{value:.{digits}f}"
    if float(text) == 0:  # no "-0.00"
        text = text.lstrip("-")
    return text.replace("-", MINUS)


def bounded(value: float, digits: int = 2) -> str:
    """A statistic that cannot exceed 1 in absolute value, without its leading zero:
    0.024 -> '.02'; -0.3 -> '\u2212.30'; 1 -> '1.00'."""
    text = decimal(value, digits)
    return text.replace("0.", ".", 1) if text.lstrip(MINUS).startswith("0.") else text


def probability(value: float, digits: int = 3) -> str:
    """A probability with its relation: 0.9864 -> '= .986'; 0.99996 -> '> .999';
    0.0002 -> '< .001'."""
    top = 1 - 0.5 * 10**-digits
    if value >= top:
        return "> ." + "9" * digits
    if value < 0.5 * 10**-digits:
        return "< ." + "0" * (digits - 1) + "1"
    return "= " + bounded(value, digits)


def probability_cell(value: float, digits: int = 3) -> str:
    """A probability in a table cell: '.986', '> .999', '< .001'; NaN -> ''."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = probability(value, digits)
    return text[2:] if text.startswith("= ") else text


def share(value: float) -> str:
    """0.148 -> '15%'."""
    return f"{value:.0%}"


def interval(lower: float, upper: float, level: float, digits: int = 2, is_bounded=False) -> str:
    """'95% CrI [\u22120.05, 0.44]'."""
    form = bounded if is_bounded else decimal
    return f"{level:.0%} CrI [{form(lower, digits)}, {form(upper, digits)}]"


def segments(text: str) -> list[tuple[str, bool]]:
    """The text cut into (run, italic) pieces: the statistic symbols of :data:`ITALIC`
    followed by a relation are italic."""
    pieces, last = [], 0
    for match in _ITALIC_RE.finditer(text):
        if match.start() > last:
            pieces.append((text[last : match.start()], False))
        pieces.append((match.group(1), True))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], False))
    return pieces


def html(text: str) -> Markup:
    """Escaped HTML with the statistic symbols in ``<i>``."""
    return Markup("").join(
        Markup("<i>{}</i>").format(run) if italic else escape(run)
        for run, italic in segments(str(text))
    )


def markdown(text: str) -> str:
    """Markdown with the statistic symbols in ``*...*``."""
    return "".join(f"*{run}*" if italic else run for run, italic in segments(str(text)))
