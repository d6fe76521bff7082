"""The board report's charts as PNG images, for the PDF and the DOCX alike.

matplotlib is heavy (about a second to import) and only the background build draws charts,
so it is imported inside ``_draw`` with the non-interactive Agg backend, never when a module
is imported: no request path loads it (``tests/governance/test_board_report_documents.py``
imports the URL configuration and checks). Each chart is also described in words (its alt
text) and printed beside its data table, so nothing is only in the picture. A value hidden
by suppression is not drawn: its bar is missing, and the alt text and table say "hidden".
"""

from __future__ import annotations

import base64
import io
import threading

# pyplot keeps global state; two builds in one process must not draw at once.
_LOCK = threading.Lock()
HIDDEN = "hidden"


def warm() -> None:
    """Import matplotlib and draw one small chart, loading its fonts: what the first chart
    of a process would otherwise pay (``prevent_portal.core.renderers``)."""
    _draw(["warm-up"], [1], "")


def _words(value, unit: str) -> str:
    return HIDDEN if value is None else f"{value} {unit}".strip()


def _draw(labels: list[str], values: list[int], unit: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    with _LOCK:
        height = max(1.6, 0.42 * len(labels) + 0.8)
        figure, axes = plt.subplots(figsize=(6.3, height), dpi=110)
        try:
            positions = list(range(len(labels)))
            axes.barh(positions, values, color="#1d70b8")
            axes.set_yticks(positions, labels=labels, fontsize=8)
            axes.invert_yaxis()
            axes.set_xlabel(unit, fontsize=8)
            axes.tick_params(axis="x", labelsize=8)
            for position, value in zip(positions, values, strict=True):
                axes.annotate(
                    str(value),
                    (value, position),
                    xytext=(3, 0),
                    textcoords="offset points",
                    va="center",
                    fontsize=8,
                )
            axes.spines[["top", "right"]].set_visible(False)
            axes.margins(x=0.12)
            figure.tight_layout()
            buffer = io.BytesIO()
            # No timestamps or software name: the same figures give the same bytes.
            figure.savefig(buffer, format="png", metadata={"Software": None})
        finally:
            plt.close(figure)
    return buffer.getvalue()


def bar_chart(*, key: str, title: str, unit: str, rows: list[tuple[str, int | None]]) -> dict:
    """A horizontal bar chart of ``rows`` (label, value or None when hidden): its title, its
    alt text (every value in words), its rows for the data table, and the image as a data
    URI (nothing to fetch when WeasyPrint prints it or the browser previews it). No image
    when there is nothing to draw."""
    shown = [(label, value) for label, value in rows if value is not None]
    alt = f"Bar chart: {title}. " + (
        "; ".join(f"{label}: {_words(value, unit)}" for label, value in rows) + "."
        if rows
        else "No figures."
    )
    image = ""
    if shown:
        png = _draw([label for label, _ in shown], [value for _, value in shown], unit)
        image = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return {"key": key, "title": title, "unit": unit, "alt": alt, "rows": rows, "image": image}
