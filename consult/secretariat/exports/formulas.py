"""Citizen text a spreadsheet would run as a formula, made inert (OWASP ASVS 1.2.10): CSV and XLSX."""

# Every character that starts a formula once NFKC-normalised (=, +, -, @, tab, CR): the ASCII ones and
# their full-width, small, superscript and subscript forms (⩵ and ⩶ normalise to == and ===).
# A set, so a cell costs one look-up and no normalisation; tests/secretariat/test_exports.py checks it
# against unicodedata over every code point, so a newer Unicode cannot silently add one.
FORMULA_STARTERS = frozenset("=+-@\t\r\u207a\u207c\u208a\u208c\u2a75\u2a76\ufb29"
                             "\ufe62\ufe63\ufe66\ufe6b\uff0b\uff0d\uff1d\uff20")


def inert(value: str) -> str:
    """A cell Excel will show as text: a leading ', when the text could start a formula."""
    if value and value[0] in FORMULA_STARTERS:
        return "'" + value
    return value
