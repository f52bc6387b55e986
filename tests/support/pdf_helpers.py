"""Small valid PDFs for tests: one text line per entry, in Helvetica or, for a `Courier` line, in
Courier (11 pt unless a size is given, drawn some character widths right of the margin if an indent
is given), or pages with no text layer."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def wrap_paragraphs(paragraphs: list[str], width: int = 80) -> list[str]:
    """Hard-wrap paragraphs into lines as a PDF lays them out (no blank line between paragraphs)."""
    return [line for para in paragraphs for line in textwrap.wrap(para, width)]


# How far a Courier glyph advances, per point of size (600/1000 of an em, as for every glyph).
COURIER_ADVANCE = 0.6


@dataclass(frozen=True)
class Courier:
    """A line set in Courier, a monospaced font, as a listing is: its leading spaces are drawn,
    and `indent` character widths (0.6 of the size each) move it right of the left margin, as
    TeX and most PDF writers place an indented line of code (a move, no spaces drawn)."""

    text: str
    size: float = 11.0
    indent: float = 0


Line = str | tuple[str, float] | Courier


def _placed(line: Line) -> tuple[str, str, float, float]:
    """(text, font resource, size, points right of the left margin) of a line of `make_pdf`."""
    if isinstance(line, Courier):
        return line.text, "F2", line.size, line.indent * COURIER_ADVANCE * line.size
    text, size = (line, 11.0) if isinstance(line, str) else line
    return text, "F1", size, 0.0


def make_pdf(pages: list[list[Line] | None], title: str | None = None) -> bytes:
    """A PDF whose page i shows the lines `pages[i]` top to bottom; None draws a picture, no text.

    A line is its text (set in Helvetica, 11 pt), (text, size in points) in Helvetica, or
    `Courier(text, size=11, indent=0)` in Courier (a second font resource, /F2) drawn `indent`
    character widths right of the left margin (the move to its line, a `Td`, takes it there; no
    space is drawn); the space between baselines grows with the size, as a typesetter's would.

    Example: make_pdf([[("Deltas", 24), "Run:", Courier("make all", indent=4)], None]) -> a
    2-page PDF, text on page 1 only, its first line set large, its last in Courier, four
    character widths (26.4 points) in.
    """
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the page tree's number is known
    tree = add(b"")
    fonts = {
        name: add(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % base
        )
        for name, base in (("F1", b"Helvetica"), ("F2", b"Courier"))
    }
    kids = []
    for lines in pages:
        if lines is None:
            stream = b"0.2 0.4 0.8 rg 72 400 300 300 re f"
        else:
            placed = [_placed(line) for line in lines]
            # (a first line set in is placed there at once)
            first = placed[0][3] if placed else 0.0
            ops = ["BT", "/F1 11 Tf", "14 TL", f"{72 + first:g} 770 Td"]
            font, size, leading = "F1", 11.0, "14"
            for i, (text, line_font, line_size, move) in enumerate(placed):
                if (line_font, line_size) != (font, size):
                    font, size = line_font, line_size
                    leading = f"{size * 14 / 11:.1f}"
                    ops.append(f"/{font} {size:g} Tf {leading} TL")
                # to the next line: T* when it starts where this one did, else one move down and
                # across, as TeX moves (pypdf reads a move along the baseline after T* as a space)
                after = placed[i + 1][3] if i + 1 < len(placed) else 0.0
                newline = "T*" if after == move else f"{after - move:g} -{leading} Td"
                ops.append(f"({_escape(text)}) Tj {newline}")
            ops.append("ET")
            stream = "\n".join(ops).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        kids.append(
            add(
                f"<< /Type /Page /Parent {tree} 0 R /MediaBox [0 0 612 792] /Resources << "
                f"/Font << /F1 {fonts['F1']} 0 R /F2 {fonts['F2']} 0 R >> >> "
                f"/Contents {content} 0 R >>".encode()
            )
        )
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    objects[tree - 1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} "
        ">>".encode()
    )
    info = add(f"<< /Title ({_escape(title)}) >>".encode("cp1252")) if title else None

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = (
        f"<< /Size {len(objects) + 1} /Root {catalog} 0 R"
        + (f" /Info {info} 0 R" if info else "")
        + " >>"
    )
    out += f"trailer\n{trailer}\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
