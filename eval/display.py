"""How a metric is shown to people, the same in the Markdown summary and the HTML report."""

from __future__ import annotations


def fmt_value(metric: dict) -> str:
    """A metric value for people: 0.933 (28/30), or a count."""
    v = metric["value"]
    if v is None:
        return "n/a"
    if metric["unit"] == "count":
        return str(int(v))
    return f"{v:.3f} ({metric['numerator']:g}/{metric['denominator']:g})"


def fmt_threshold(metric: dict) -> str:
    """``>= 0.8`` / ``<= 0`` or ''."""
    if metric["threshold"] is None:
        return ""
    return (">= " if metric["higher_is_better"] else "<= ") + f"{metric['threshold']:g}"


def fmt_delta(delta: dict | None, unit: str) -> str:
    """``+0.050 better`` style text."""
    if not delta or delta["delta"] is None:
        return ""
    d = delta["delta"]
    num = f"{d:+.0f}" if unit == "count" else f"{d:+.3f}"
    return num if delta["direction"] == "same" else f"{num} {delta['direction']}"
