"""How shares and their intervals are shown on pages (staff and public alike)."""


def pct(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


def ci(interval) -> str:
    return "—" if interval is None else f"{100 * interval[0]:.1f}–{100 * interval[1]:.1f}%"
