"""Tables and numbers as the summaries print them: one format for every command.

``table`` lays rows out as aligned text or Markdown; ``number`` writes a
distance or a gap (exactly 0 prints as 0). Pure Python.
"""

__all__ = ["number", "table", "header_line"]


def number(value):
    """A distance or gap for a table: exactly 0 prints as 0, anything else with 3 significant digits."""
    return "0" if value == 0 else f"{value:.3g}"


def table(heads, rows, markdown=False):
    """Rows of cells (strings) under ``heads``: aligned plain text, or Markdown with ``markdown=True``.

    Examples:
        >>> print(table(["a", "bb"], [["1", "2"]], markdown=True))
        | a | bb |
        | --- | --- |
        | 1 | 2 |
    """
    if markdown:
        lines = ["| " + " | ".join(heads) + " |", "|" + "|".join(" --- " for _ in heads) + "|"]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(heads)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(heads, widths)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(lines)


def header_line(meta, data_line):
    """The line under a summary's title: what was run (``data_line``), then device and versions from ``meta``."""
    return (f"{data_line} Device: {meta.get('device', '?')}. "
            f"Keras {meta.get('keras', '?')}, TensorFlow {meta.get('tensorflow', '?')}.")
