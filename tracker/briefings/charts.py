"""Charts for the briefing as PNG images: matplotlib without a display, with a Chinese font if one is installed."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # before pyplot: a worker has no display

from matplotlib import font_manager
from matplotlib import pyplot as plt

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

log = logging.getLogger("tracker.briefings")

# Where Debian's fonts-noto-cjk and common Chinese fonts live, tried when fc-list is missing.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
GREEN, GREY, BLUE = "#12b76a", "#98a2b3", "#175cd3"


@cache
def cjk_font() -> str | None:
    """The family name of an installed font that has Chinese glyphs, registered with matplotlib."""
    candidates = []
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=10, check=False
            ).stdout
            candidates += sorted(line.split(":")[0].strip() for line in out.splitlines() if line.strip())
        except (OSError, subprocess.SubprocessError):
            log.warning("fc-list failed; trying the usual font paths", exc_info=True)
    # Regular weights first: bold ones make small chart labels hard to read.
    candidates = sorted(candidates, key=lambda path: ("Regular" not in path, "Sans" not in path, path))
    for path in [*candidates, *CJK_FONT_FILES]:
        if not Path(path).exists():
            continue
        try:
            font_manager.fontManager.addfont(path)
            return font_manager.FontProperties(fname=path).get_name()
        except (OSError, RuntimeError, ValueError):
            continue
    log.warning("no font with Chinese glyphs found; chart labels may show as boxes")
    return None


def _figure(height: float):
    family = cjk_font()
    params: dict[RcKeyType, Any] = {
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.unicode_minus": False,
    }
    if family:
        params["font.family"] = [family, "DejaVu Sans"]
    with plt.rc_context(params):
        fig, ax = plt.subplots(figsize=(6.3, height), dpi=150)
    return fig, ax, params


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def measures_chart(*, labels: list[str], percents: list[int], title: str, xlabel: str) -> bytes:
    """Completion per measure as horizontal bars, first measure on top."""
    fig, ax, params = _figure(max(1.6, 0.38 * len(labels) + 0.8))
    with plt.rc_context(params):
        bars = ax.barh(list(reversed(labels)), list(reversed(percents)), color=GREEN)
        ax.bar_label(bars, labels=[f"{p}%" for p in reversed(percents)], padding=2)
        ax.set_xlim(0, 105)
        ax.set_xlabel(xlabel)
        ax.set_title(title)
        return _png(fig)


def trend_chart(*, days: list[str], done: list[int], elapsed: list[int], labels: tuple[str, str], title: str) -> bytes:
    """Completion over the campaign against the share of time gone."""
    fig, ax, params = _figure(2.6)
    with plt.rc_context(params):
        positions = list(range(len(days)))
        ax.plot(positions, done, color=GREEN, label=labels[0], linewidth=2)
        ax.plot(positions, elapsed, color=GREY, label=labels[1], linestyle="--")
        step = max(1, len(days) // 6)
        ax.set_xticks(positions[::step], [days[i] for i in positions[::step]])
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(lambda value, _pos: f"{value:.0f}%")
        ax.legend(loc="upper left", frameon=False)
        ax.set_title(title)
        return _png(fig)
