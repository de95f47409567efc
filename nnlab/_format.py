"""How nnlab prints numbers: rounded, so that round-off in the last bits never shows."""

from __future__ import annotations

#: relative errors below this are printed as "< 1e-08": round-off, whose digits differ between machines
ERROR_FLOOR = 1e-8


def num(v: float, decimals: int = 4) -> str:
    """A number rounded to ``decimals`` places, without trailing zeros or a negative zero."""
    return f"{round(float(v), decimals) + 0.0:g}"


def format_error(e: float) -> str:
    """A relative error in two digits, or ``< 1e-08`` when it is below ``ERROR_FLOOR``."""
    return f"< {ERROR_FLOOR:.0e}" if e < ERROR_FLOOR else f"{e:.1e}"


def count(n: int, noun: str) -> str:
    """``n`` and the noun, in the plural unless n is 1: ``count(1, "linear region")`` is ``"1 linear region"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


class Table(str):
    """A table as nnlab prints it (this string, columns aligned with spaces) that is also a real table: displayed
    in a notebook, it shows as an HTML ``<table>`` with its header cells (``_repr_html_``), which a screen reader
    reads cell by cell with their column (WCAG 1.3.1); ``print`` shows the text, exactly as before.

    Parameters
    ----------
    text : str
        The aligned text.
    header : sequence of str
        The columns' names.
    rows : sequence of sequences
        The cells of each row, as written in ``text``; the first cell of a row names it.
    caption : str, optional
        What the table is (the line above it in the text, if any).
    notes : sequence of str
        Lines that follow the table in the text (a summary), shown under it.
    """

    def __new__(cls, text: str, header, rows, caption: str | None = None, notes=()) -> Table:
        table = super().__new__(cls, text)
        table.header = [str(h) for h in header]
        table.rows = [[str(c) for c in row] for row in rows]
        table.caption, table.notes = caption, [str(n) for n in notes]
        return table

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f'<th scope="col">{escape(h)}</th>' for h in self.header)
        body = "".join("<tr>" + f'<th scope="row">{escape(r[0])}</th>' + "".join(f"<td>{escape(c)}</td>" for c in r[1:])
                       + "</tr>" for r in self.rows)
        caption = f"<caption>{escape(self.caption)}</caption>" if self.caption else ""
        notes = "".join(f"<p>{escape(n)}</p>" for n in self.notes)
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{notes}"

    def _repr_pretty_(self, p, cycle: bool) -> None:
        p.text(str(self))
