"""Tables and numbers as the summaries print them: one format for every command.

``table`` lays rows out as aligned text or Markdown; ``number`` writes a
distance or a gap (exactly 0 prints as 0). Pure Python.
"""

__all__ = ["number", "table", "header_line", "backend_label"]

FRAMEWORKS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


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


def backend_label(meta):
    """The framework that trained, with its version, from run metadata: "TensorFlow 2.21.0", "JAX 0.7.2".

    Metadata written before other backends (no ``backend_version``) name TensorFlow's version under "tensorflow".

    Examples:
        >>> backend_label({"backend": "jax", "backend_version": "0.7.2"})
        'JAX 0.7.2'
        >>> backend_label({"tensorflow": "2.16.1"})
        'TensorFlow 2.16.1'
    """
    name = meta.get("backend", "tensorflow")
    version = meta.get("backend_version") or (meta.get("tensorflow") if name == "tensorflow" else None) or "?"
    return f"{FRAMEWORKS.get(name, name)} {version}"


def header_line(meta, data_line):
    """The line under a summary's title: what was run (``data_line``), then device and versions from ``meta``."""
    return f"{data_line} Device: {meta.get('device', '?')}. Keras {meta.get('keras', '?')}, {backend_label(meta)}."
