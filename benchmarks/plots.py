"""Small inline-SVG charts for the benchmark report: no plotting library, no scripts, no external references.

The HTML report must open offline and stay self-contained, and a plotting dependency (matplotlib, plotly) would be
heavy for three kinds of chart. So these functions return ``<svg>`` markup directly: horizontal bar charts (one or
several series, e.g. the preset next to strict), stacked bars (the error taxonomy per suite) and a histogram
(latency, tokens). Every label is HTML-escaped because labels come from run records (suite names, difficulty
labels) and records are untrusted. The markup omits the ``xmlns`` attribute, which inline SVG in HTML does not need.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PALETTE", "Series", "grouped_bars", "histogram", "stacked_bars"]

PALETTE = ("#3b6fb6", "#9dbce3", "#d9822b", "#5a9e4b", "#b6443b", "#8a63b8", "#6f6f6f", "#c9b037", "#2a9d8f")
"""Series colours, chosen to stay distinguishable in print and for common colour-vision deficiencies."""

_WIDTH = 720
_LABEL_W = 220
_BAR_H = 14
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True, slots=True)
class Series:
    """One named series of values, aligned with the chart's labels (None where there is no value)."""

    name: str
    values: Sequence[float | None]
    color: str = ""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _clip_label(label: str, limit: int = 27) -> str:
    # The label column is 220 px at 12 px type: about 28 characters fit, including any "(n=…)" note.
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _svg(height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg class="chart" role="img" aria-label="{_esc(title)}" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" {_FONT}><title>{_esc(title)}</title>' + "".join(body) + "</svg>"
    )


def _legend(series: Sequence[Series], y: int) -> list[str]:
    out: list[str] = []
    x = _LABEL_W
    for index, item in enumerate(series):
        color = item.color or PALETTE[index % len(PALETTE)]
        out.append(f'<rect x="{x}" y="{y}" width="12" height="12" fill="{_esc(color)}"/>')
        out.append(f'<text x="{x + 16}" y="{y + 10}">{_esc(_clip_label(item.name, 40))}</text>')
        x += 28 + 7 * min(len(item.name), 40)
    return out


def grouped_bars(
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    max_value: float = 100.0,
    unit: str = "%",
    notes: Sequence[str] | None = None,
) -> str:
    """Horizontal bars, one group per label and one bar per series (e.g. accuracy under the preset and strict).

    ``notes`` (one per label, e.g. ``n=245``) are written after the label so a 100 % on three items reads as such.
    """
    plot_w = _WIDTH - _LABEL_W - 70
    group_h = _BAR_H * max(1, len(series)) + 8
    top = 26
    height = top + group_h * len(labels) + 30
    body = [f'<text x="0" y="16" font-weight="bold">{_esc(title)}</text>']
    scale = plot_w / max_value if max_value > 0 else 0.0
    for row, label in enumerate(labels):
        y0 = top + row * group_h
        note = f" ({notes[row]})" if notes and row < len(notes) and notes[row] else ""
        body.append(
            f'<text x="{_LABEL_W - 6}" y="{y0 + group_h / 2 + 2:.1f}" text-anchor="end">'
            f"{_esc(_clip_label(label, max(10, 27 - len(note))) + note)}</text>"
        )
        for index, item in enumerate(series):
            value = item.values[row] if row < len(item.values) else None
            y = y0 + index * _BAR_H
            if value is None or not math.isfinite(value):
                body.append(f'<text x="{_LABEL_W + 2}" y="{y + 11}" fill="#888">–</text>')
                continue
            width = max(0.0, min(value, max_value)) * scale
            color = item.color or PALETTE[index % len(PALETTE)]
            body.append(
                f'<rect x="{_LABEL_W}" y="{y}" width="{width:.1f}" height="{_BAR_H - 2}" fill="{_esc(color)}">'
                f"<title>{_esc(f'{label} · {item.name}: {value:.1f}{unit}')}</title></rect>"
            )
            body.append(f'<text x="{_LABEL_W + width + 4:.1f}" y="{y + 10}">{value:.1f}{_esc(unit)}</text>')
    body.append(
        f'<line x1="{_LABEL_W}" y1="{top - 2}" x2="{_LABEL_W}" y2="{top + group_h * len(labels)}" stroke="#999"/>'
    )
    body.extend(_legend(series, top + group_h * len(labels) + 8))
    return _svg(height, title, body)


def stacked_bars(title: str, labels: Sequence[str], segments: Sequence[Series]) -> str:
    """One 100 % bar per label split into segments (counts, shown as shares): the error taxonomy per suite."""
    plot_w = _WIDTH - _LABEL_W - 20
    top = 26
    row_h = 22
    height = top + row_h * len(labels) + 8 + 18 * math.ceil(len(segments) / 4) + 8
    body = [f'<text x="0" y="16" font-weight="bold">{_esc(title)}</text>']
    for row, label in enumerate(labels):
        y = top + row * row_h
        counts = [max(0.0, (s.values[row] if row < len(s.values) else None) or 0.0) for s in segments]
        total = sum(counts)
        count_note = f" (n={total:g})"
        body.append(
            f'<text x="{_LABEL_W - 6}" y="{y + 13}" text-anchor="end">'
            f"{_esc(_clip_label(label, max(10, 27 - len(count_note))) + count_note)}</text>"
        )
        x = float(_LABEL_W)
        for index, (segment, count) in enumerate(zip(segments, counts, strict=True)):
            if count <= 0 or total <= 0:
                continue
            width = plot_w * count / total
            color = segment.color or PALETTE[index % len(PALETTE)]
            tip = f"{label} · {segment.name}: {count:g} ({100 * count / total:.1f}%)"
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{row_h - 6}" fill="{_esc(color)}">'
                f"<title>{_esc(tip)}</title></rect>"
            )
            if width > 34:
                body.append(
                    f'<text x="{x + width / 2:.1f}" y="{y + 12}" text-anchor="middle" fill="#fff">{count:g}</text>'
                )
            x += width
    legend_y = top + row_h * len(labels) + 8
    for index, segment in enumerate(segments):
        color = segment.color or PALETTE[index % len(PALETTE)]
        lx = _LABEL_W + (index % 4) * 120
        ly = legend_y + (index // 4) * 18
        body.append(f'<rect x="{lx}" y="{ly}" width="12" height="12" fill="{_esc(color)}"/>')
        body.append(f'<text x="{lx + 16}" y="{ly + 10}">{_esc(_clip_label(segment.name, 16))}</text>')
    return _svg(height, title, body)


def histogram(title: str, values: Sequence[float], *, bins: int = 20, unit: str = "") -> str:
    """A histogram of ``values`` with its mean, median and 90th percentile written under the title."""
    data = sorted(v for v in values if math.isfinite(v))
    if not data:
        return _svg(40, title, [f'<text x="0" y="16" font-weight="bold">{_esc(title)}</text>', '<text y="34">–</text>'])
    low, high = data[0], data[-1]
    span = high - low
    bins = max(1, min(bins, len(data))) if span > 0 else 1
    counts = [0] * bins
    for value in data:
        index = bins - 1 if span <= 0 else min(bins - 1, int((value - low) / span * bins))
        counts[index] += 1
    mean = sum(data) / len(data)
    median = data[len(data) // 2]
    p90 = data[min(len(data) - 1, math.ceil(0.9 * len(data)) - 1)]
    plot_x, plot_w, plot_h, top = 50, _WIDTH - 70, 140, 40
    height = top + plot_h + 34
    body = [
        f'<text x="0" y="16" font-weight="bold">{_esc(title)}</text>',
        f'<text x="0" y="32" fill="#555">n={len(data)} · mean {mean:.4g}{_esc(unit)} · median {median:.4g}{_esc(unit)}'
        f" · p90 {p90:.4g}{_esc(unit)}</text>",
    ]
    peak = max(counts)
    bar_w = plot_w / bins
    for index, count in enumerate(counts):
        if count == 0:
            continue
        bar_h = plot_h * count / peak
        left = low + span * index / bins
        right = low + span * (index + 1) / bins
        body.append(
            f'<rect x="{plot_x + index * bar_w:.1f}" y="{top + plot_h - bar_h:.1f}" width="{max(1.0, bar_w - 1):.1f}" '
            f'height="{bar_h:.1f}" fill="{PALETTE[0]}">'
            f"<title>{left:.4g}–{right:.4g}{_esc(unit)}: {count}</title></rect>"
        )
    body.append(f'<line x1="{plot_x}" y1="{top + plot_h}" x2="{plot_x + plot_w}" y2="{top + plot_h}" stroke="#999"/>')
    body.append(f'<text x="{plot_x}" y="{top + plot_h + 16}">{low:.4g}{_esc(unit)}</text>')
    body.append(f'<text x="{plot_x + plot_w}" y="{top + plot_h + 16}" text-anchor="end">{high:.4g}{_esc(unit)}</text>')
    body.append(f'<text x="{plot_x - 4}" y="{top + 10}" text-anchor="end">{peak}</text>')
    return _svg(height, title, body)
