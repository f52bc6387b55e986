"""Small valid PDFs for tests: one text line per entry, in Helvetica or, for a `Courier` line, in
Courier (11 pt unless a size is given), or pages with no text layer."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def wrap_paragraphs(paragraphs: list[str], width: int = 80) -> list[str]:
    """Hard-wrap paragraphs into lines as a PDF lays them out (no blank line between paragraphs)."""
    return [line for para in paragraphs for line in textwrap.wrap(para, width)]


@dataclass(frozen=True)
class Courier:
    """A line set in Courier, a monospaced font, as a listing is (leading spaces are drawn)."""

    text: str
    size: float = 11.0


Line = str | tuple[str, float] | Courier


def make_pdf(pages: list[list[Line] | None], title: str | None = None) -> bytes:
    """A PDF whose page i shows the lines `pages[i]` top to bottom; None draws a picture, no text.

    A line is its text (set in Helvetica, 11 pt), (text, size in points) in Helvetica, or
    `Courier(text, size=11)` in Courier (a second font resource, /F2); the space between
    baselines grows with the size, as a typesetter's would.

    Example: make_pdf([[("Deltas", 24), "Run:", Courier("make all")], None]) -> a 2-page PDF,
    text on page 1 only, its first line set large, its last in Courier.
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
            ops = ["BT", "/F1 11 Tf", "14 TL", "72 770 Td"]
            font, size = "F1", 11.0
            for line in lines:
                if isinstance(line, Courier):
                    text, line_font, line_size = line.text, "F2", line.size
                else:
                    text, line_size = (line, 11.0) if isinstance(line, str) else line
                    line_font = "F1"
                if (line_font, line_size) != (font, size):
                    font, size = line_font, line_size
                    ops.append(f"/{font} {size:g} Tf {size * 14 / 11:.1f} TL")
                ops.append(f"({_escape(text)}) Tj T*")
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
