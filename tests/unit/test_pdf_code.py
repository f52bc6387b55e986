"""Code in PDFs: lines set in monospaced type are code blocks, unless that type is the body's,
indented as their places on the page tell."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

from qa.readings import convert
from qa.readings.convert import Imported, convert_pdf
from qa.readings.corpus import read_reading
from qa.readings.importers import add_reading
from qa.readings.pdftext import TextPiece, _kept_span, line_starts, monospaced_lines, pdf_pages
from qa.readings.records import parse_reading
from tests.support.pdf_helpers import Courier, make_pdf, wrap_paragraphs

BEFORE = wrap_paragraphs(
    [
        "A word count is the first thing an editor asks for, and a short program gives it for "
        "any file of notes. The program below reads the whole file and splits it on spaces.",
    ]
)
AFTER = wrap_paragraphs(
    [
        "Reading the whole file at once is fine for notes of a few pages; a book would be read "
        "line by line instead, and the counts of its lines added up.",
    ]
)
# A listing that the rules for prose would misread: an indented line, a line ending in a hyphen
# (joined to the next as a split word), and a short line without final punctuation before a
# capitalised one (a heading).
LISTING = [
    "LIMIT = 1000",
    "Path = str",
    "def word_count(path: Path) -> int:",
    "    words = open(path).read().split()",
    "    return min(len(words), LIMIT)",
    'total = word_count("notes.txt") + word_count("draft-',
    'notes.txt")',
]
CODE_BLOCK = "\n".join("    " + line for line in LISTING)


def _handout(listing: list) -> bytes:
    return make_pdf([["Counting words", *BEFORE, *listing, *AFTER]])


def _paragraphs(imported: Imported) -> list[tuple[str, str | None, int | None, bool]]:
    """(text, section, page, code) of each paragraph of a converted PDF, as the index reads it."""
    reading = parse_reading(imported.file_text(), "doc")
    return [(reading.text[p.start : p.end], p.section, p.page, p.code) for p in reading.paragraphs]


def _headings(imported: Imported) -> list[str]:
    return [line[3:] for line in imported.body.splitlines() if line.startswith("## ")]


def test_a_listing_in_courier_is_one_code_block_its_lines_kept():
    imported = convert_pdf(_handout([Courier(line) for line in LISTING]), "words.pdf")
    assert imported.title == "Counting words"
    assert f"\n\n{CODE_BLOCK}\n\n" in imported.body  # lines as they are, the indent kept
    assert _paragraphs(imported) == [
        (" ".join(BEFORE), None, 1, False),
        (CODE_BLOCK.strip(), None, 1, True),
        (" ".join(AFTER), None, 1, False),
    ]
    assert _headings(imported) == []
    # The same lines in the body's type are read as prose, as ever: a heading, a rejoined word.
    plain = convert_pdf(_handout(LISTING), "words.pdf")
    assert "LIMIT = 1000" in _headings(plain) and 'word_count("draftnotes.txt")' in plain.body


@pytest.mark.parametrize("placed", [False, True])
def test_a_document_typed_in_courier_throughout_reads_as_it_would_in_any_type(placed: bool):
    """A text file printed to PDF: monospaced type is its body type and marks no code; its title,
    sections and paragraphs are those of the same lines in Helvetica, whether its indented lines
    are drawn with spaces or placed (`placed`) where their spaces would end."""
    lines = [
        "Week 3 Reading Notes",
        "Deltas",
        *wrap_paragraphs(
            [
                "Deltas form where a river slows and drops the sediment it carries, and they grow "
                "for as long as more sediment arrives than the sea takes away.",
                "Dams upstream hold the sediment back.",
            ]
        ),
        "Mangrove belts",
        *wrap_paragraphs(["Mangroves trap sediment and shield the coast from storm surges."]),
        *LISTING,
    ]
    typed = convert_pdf(make_pdf([[_courier(line, placed) for line in lines]]), "notes.pdf")
    plain = convert_pdf(make_pdf([lines]), "notes.pdf")
    assert typed.title == plain.title == "Week 3 Reading Notes"
    assert typed.body == plain.body
    assert _headings(typed) == ["Deltas", "Mangrove belts"]
    assert not any(code for *_, code in _paragraphs(typed))


def _courier(line: str, placed: bool = True) -> Courier:
    """`line` in Courier, its leading spaces drawn, or (`placed`) none drawn and the line placed
    as far right as they would take it, as TeX and most PDF writers place code."""
    if not placed:
        return Courier(line)
    return Courier(line.lstrip(" "), indent=len(line) - len(line.lstrip(" ")))


# A Python function nested three deep: its indentation is its meaning.
NESTED = [
    "def mean_grade(scores: list[int]) -> float:",
    "    total = 0",
    "    for score in scores:",
    "        if score < 0:",
    "            raise ValueError(score)",
    "        total += score",
    "    return total / len(scores)",
    "print(mean_grade([3, 4, 5]))",
]
NESTED_BLOCK = "\n".join("    " + line for line in NESTED)


def test_a_listing_placed_by_position_gets_its_indentation_back():
    """Each line drawn by a move, with no spaces: pypdf gives them flush left, and the block gets
    a space for each Courier character width (6.6 points at 11 pt) a line starts right of the
    leftmost one."""
    imported = convert_pdf(_handout([_courier(line) for line in NESTED]), "grades.pdf")
    assert f"\n\n{NESTED_BLOCK}\n\n" in imported.body
    assert _paragraphs(imported) == [
        (" ".join(BEFORE), None, 1, False),
        (NESTED_BLOCK.strip(), None, 1, True),
        (" ".join(AFTER), None, 1, False),
    ]
    # the same listing drawn with its spaces reads the same: spaces pypdf gives are kept as they
    # are, and add nothing to a line's place
    drawn = convert_pdf(_handout([_courier(line, placed=False) for line in NESTED]), "grades.pdf")
    assert drawn.body == imported.body


def test_a_listing_set_in_from_the_margin_starts_at_column_zero():
    """Column 0 is the block's leftmost line, not the page's margin: a listing set in (as TeX
    sets an example, or one inside a list) is no more indented than its own lines make it."""
    listing = [Courier(line.lstrip(), indent=3 + len(line) - len(line.lstrip())) for line in NESTED]
    imported = convert_pdf(_handout(listing), "grades.pdf")
    assert f"\n\n{NESTED_BLOCK}\n\n" in imported.body


def test_a_line_in_another_size_sits_on_the_columns_of_most_lines():
    """A comment set smaller (9 pt Courier, 5.4 points a character) 26.4 points in is four
    columns of the 11 pt lines in, not five of its own."""
    listing = [
        Courier("for score in scores:"),
        Courier("# negative scores are refused", size=9, indent=26.4 / 5.4),
        Courier("check(score)", indent=4),
        Courier("total += score", indent=4),
    ]
    imported = convert_pdf(_handout(listing), "grades.pdf")
    assert (
        "\n\n    for score in scores:\n        # negative scores are refused\n"
        "        check(score)\n        total += score\n\n"
    ) in imported.body


def test_a_listing_whose_widths_are_not_known_stays_flush_left(monkeypatch):
    """A monospaced font whose widths cannot be read gives no columns: the block stays as pypdf
    gave it, still one code block."""
    monkeypatch.setattr(convert, "_advance", lambda font: math.nan)
    imported = convert_pdf(_handout([_courier(line) for line in NESTED]), "grades.pdf")
    flush = "\n".join("    " + line.lstrip() for line in NESTED)
    assert f"\n\n{flush}\n\n" in imported.body
    assert (flush.strip(), None, 1, True) in _paragraphs(imported)


def test_a_listing_with_a_line_of_unknown_place_stays_flush_left(monkeypatch):
    """One line whose place is not known (it begins inside a piece pypdf reports): the block
    cannot be laid on columns, and stays as pypdf gave it."""

    def starts(text, pieces):
        found = line_starts(text, pieces)
        return {i: piece for i, piece in found.items() if "raise" not in piece.text}

    monkeypatch.setattr(convert, "line_starts", starts)
    imported = convert_pdf(_handout([_courier(line) for line in NESTED]), "grades.pdf")
    flush = "\n".join("    " + line.lstrip() for line in NESTED)
    assert f"\n\n{flush}\n\n" in imported.body


def _code_blocks(lines: list[str], starts: list[TextPiece | None]) -> list[str]:
    """The code blocks `pdf_pages` makes of a page of a prose line and then `lines`, all set in
    monospaced type, each beginning with the piece in `starts` (None: not known)."""
    text = "\n".join(["Run the program below:", *lines])
    placed = {i: piece for i, piece in enumerate(starts, 1) if piece is not None}
    (page,), _ = pdf_pages(
        [text], [1], monospaced=[frozenset(range(1, len(lines) + 1))], starts=[placed]
    )
    return [content for kind, content in page.blocks if kind == "code"]


def _at(x: float, width: float = 6.0) -> TextPiece:
    return TextPiece("", True, x, width)  # (only the place counts here)


@pytest.mark.parametrize(
    "starts, block",
    [
        ([_at(72), _at(96), _at(120), _at(72)], "if x:\n    if y:\n        z()\nw()"),
        # the leftmost line is column 0, wherever the block is
        ([_at(300), _at(312), _at(300), _at(300)], "if x:\n  if y:\nz()\nw()"),
        # between two columns, the nearer one
        ([_at(72), _at(97.9), _at(121.1), _at(72)], "if x:\n    if y:\n        z()\nw()"),
        # the width of most lines
        (
            [_at(72), _at(96), _at(120, 4.0), _at(72)],
            "if x:\n    if y:\n        z()\nw()",
        ),
        # a line's place not known, a width that is no positive number, a place that is no
        # number, or a line more than 40 columns in: the block as pypdf gave it
        ([_at(72), None, _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96, 0.0), _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96, -6.0), _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96, math.nan), _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96, math.inf), _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(math.nan), _at(120), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96), _at(72 + 41 * 6), _at(72)], "if x:\nif y:\nz()\nw()"),
        ([_at(72), _at(96), _at(72 + 40 * 6), _at(72)], f"if x:\n    if y:\n{' ' * 40}z()\nw()"),
    ],
)
def test_code_lines_are_indented_by_their_places(starts, block):
    assert _code_blocks(["if x:", "if y:", "z()", "w()"], starts) == [block]


def test_a_code_line_keeps_the_leading_spaces_pypdf_gives_it():
    """A line pypdf gives with spaces keeps exactly those; only lines flush left are indented."""
    lines = ["if x:", "  if y:", "z()"]
    assert _code_blocks(lines, [_at(72), _at(72), _at(96)]) == ["if x:\n  if y:\n    z()"]


def test_code_keeps_its_words_whatever_its_places():
    """Only leading spaces are ever added: each line, stripped, is the line pypdf gave."""
    lines = ["x = {'a':  1}", "y = [1,\t2]", "z"]
    (block,) = _code_blocks(lines, [_at(96), _at(78), _at(72)])
    assert [line.lstrip() for line in block.split("\n")] == lines
    assert block == "    x = {'a':  1}\n y = [1,\t2]\nz"


@pytest.mark.parametrize(
    "text, pieces, starts",
    [
        ("", [], {}),
        # the piece each line begins with; empty pieces (pypdf reports some) begin none
        (
            "Run it:\nmake all\n",
            [
                TextPiece("Run it:\n", False, 72),
                TextPiece("", False, 0),
                TextPiece("make", True, 90),
                TextPiece(" all\n", True, 90),
            ],
            {0: TextPiece("Run it:\n", False, 72), 1: TextPiece("make", True, 90)},
        ),
        # a line that begins inside a piece has no place of its own
        (
            "a = 1\nb = 2",
            [TextPiece("a = 1\nb = 2", True, 72)],
            {0: TextPiece("a = 1\nb = 2", True, 72)},
        ),
        # pieces that do not spell the text: no places
        ("make all\n", [TextPiece("make", True, 72)], {}),
    ],
)
def test_line_starts(text, pieces, starts):
    assert line_starts(text, pieces) == starts


def _pdf(value):
    """The PDF object pypdf would read for a Python value: a dict's keys and a str are names, a
    list is an array."""
    if isinstance(value, dict):
        return DictionaryObject({NameObject(key): _pdf(item) for key, item in value.items()})
    if isinstance(value, list):
        return ArrayObject(_pdf(item) for item in value)
    if isinstance(value, str):
        return NameObject(value)
    return FloatObject(value) if isinstance(value, float) else NumberObject(value)


@pytest.mark.parametrize(
    "font, advance",
    [
        # TeX's typewriter type lists its widths, 525 thousandths of the size each (0: unused)
        ({"/Subtype": "/Type1", "/Widths": [525, 525, 0, 525]}, 0.525),
        # a Type3 font (matplotlib's) in its own units
        (
            {"/Subtype": "/Type3", "/FontMatrix": [0.002, 0, 0, 0.002, 0, 0], "/Widths": [301]},
            0.602,
        ),
        # a composite font: its descendant's widths, as runs and ranges, else its default
        (
            {"/Subtype": "/Type0", "/DescendantFonts": [{"/W": [32, [602, 602], 40, 50, 602]}]},
            0.602,
        ),
        ({"/Subtype": "/Type0", "/DescendantFonts": [{"/DW": 500}]}, 0.5),
        # a standard font (Courier) lists none
        ({"/Subtype": "/Type1", "/BaseFont": "/Courier"}, 0.6),
        # a damaged dictionary: not known
        ({"/Subtype": "/Type1", "/Widths": "/Oops"}, math.nan),
        ({"/Subtype": "/Type0", "/DescendantFonts": []}, math.nan),
        ({"/Subtype": "/Type0", "/DescendantFonts": [{"/W": [32, 40]}]}, math.nan),
    ],
)
def test_the_advance_of_a_monospaced_font_is_read_from_its_widths(font, advance):
    assert convert._advance(_pdf(font)) == pytest.approx(advance, nan_ok=True)


def test_a_lab_sheet_mostly_of_code_keeps_its_code():
    """Four fifths of the text in Courier is no body type: the prose is in another type."""
    listing = [
        f"    step_{n} = run_step({n}, input=data, verbose=True, retries=3)" for n in range(9)
    ]
    imported = convert_pdf(make_pdf([[*BEFORE, *map(Courier, listing)]]), "lab.pdf")
    assert [code for *_, code in _paragraphs(imported)] == [False, True]


def test_long_code_lines_do_not_change_where_prose_paragraphs_end():
    """A paragraph ends at a line that stops short of a full line of prose after a sentence's end;
    the listing's longer lines are no measure of a full line."""
    prose = [
        "The survey counted the plants of every plot in the valley, wet or dry, in 2019.",
        "Each count was checked twice by a second person before it was written down.",
    ]
    listing = [
        f"plot_{n} = count_plants(survey, plot={n}, season='dry', checked_by=second_person, "
        "recount_if_lower=True)"
        for n in range(6)
    ]
    imported = convert_pdf(make_pdf([[*prose, *map(Courier, listing)]]), "survey.pdf")
    assert _paragraphs(imported)[0] == (" ".join(prose), None, 1, False)


def test_a_courier_block_of_sentences_stays_text():
    verse = [
        "The rain in the plain falls on the roofs of the town,",
        "and the wind in the hills blows the leaves from the trees.",
    ]
    imported = convert_pdf(_handout([Courier(line) for line in verse]), "verse.pdf")
    assert (" ".join(verse), None, 1, False) in _paragraphs(imported)
    assert not any(code for *_, code in _paragraphs(imported))


def test_code_lines_are_kept_at_a_page_end_and_a_running_header_in_courier_is_dropped():
    """A listing's last line is no page number ("42" printed by it) and a closing brace that ends
    most pages is no running footer; a header repeated at the top of every page still goes."""
    header = "LAB NOTES -- CS 101"
    prose = wrap_paragraphs(["Each page of the lab shows one function and what it prints."] * 3)
    brace = [Courier("int answer(void) {"), Courier("    return 42;"), Courier("}")]
    transcript = [Courier(">>> answer()"), Courier("42")]
    pages = [[Courier(header), *prose, *ending] for ending in (brace, brace, brace, transcript)]
    imported = convert_pdf(make_pdf(pages), "lab.pdf")
    code = [text for text, *_, is_code in _paragraphs(imported) if is_code]
    assert code == ["int answer(void) {\n        return 42;\n    }"] * 3 + [">>> answer()\n    42"]
    assert header not in imported.body
    # the same pages in Helvetica: "42" is taken for a page number, as a bare number ending a page
    plain = convert_pdf(make_pdf([[header, *prose, ">>> answer()", "42"]] * 4), "lab.pdf")
    assert "42" not in plain.body.replace("return 42", "")


def test_a_code_line_is_never_the_title():
    pdf = make_pdf([[Courier("#!/bin/sh"), Courier("make all"), *BEFORE]])
    imported = convert_pdf(pdf, "build-notes.pdf")
    assert imported.title == "Build notes"  # from the file's name, as for a PDF without a title
    assert imported.body.startswith("<!-- page 1 -->\n\n    #!/bin/sh\n    make all\n\n")


def _failing_visitor(monkeypatch, page_text: str = ""):
    """pypdf raises when it walks a page (whose text holds `page_text`) with a visitor."""
    from pypdf import PageObject

    extract_text = PageObject.extract_text

    def extract(self, *args, **kwargs):
        if kwargs.get("visitor_text") is not None and page_text in extract_text(self):
            raise KeyError("/Font")  # as pypdf does on a damaged font dictionary
        return extract_text(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", extract)


def test_a_page_pypdf_cannot_walk_with_a_visitor_is_read_without_code(monkeypatch):
    _failing_visitor(monkeypatch)
    imported = convert_pdf(_handout([Courier(line) for line in LISTING]), "words.pdf")
    assert imported.body == convert_pdf(_handout(LISTING), "words.pdf").body  # as if in Helvetica
    assert not any(code for *_, code in _paragraphs(imported))


def test_only_the_page_that_cannot_be_walked_loses_its_code(monkeypatch):
    _failing_visitor(monkeypatch, page_text="second page")
    pages = [
        [*BEFORE, Courier("make all")],
        ["This is the second page, and its command is this one:", Courier("make check")],
    ]
    imported = convert_pdf(make_pdf(pages), "make.pdf")
    assert [(text, page, code) for text, _, page, code in _paragraphs(imported)] == [
        (" ".join(BEFORE), 1, False),
        ("make all", 1, True),
        ("This is the second page, and its command is this one:", 2, False),
        ("make check", 2, False),  # (a paragraph of its own, as after any sentence's end)
    ]


@pytest.mark.parametrize(
    "text, pieces, code",
    [
        ("", [], set()),
        ("Run it:\nmake all\n", [("Run it:\n", False), ("make", True), (" all\n", True)], {1}),
        # a piece may span lines, and a space in another type does not matter
        (
            "a = 1\nb = 2\nDone.",
            [("a = 1\nb =", True), (" ", False), ("2\nDone.", True)],
            {0, 1, 2},
        ),
        # a line partly in monospaced type (a name inside a sentence) is no code
        (
            "Call sorted() here.\n",
            [("Call ", False), ("sorted()", True), (" here.\n", False)],
            set(),
        ),
        ("\n   \nx = 1", [("\n   \n", True), ("x = 1", True)], {2}),  # (blank lines never)
        # pieces that do not spell the text cannot be laid on its lines: no code on the page
        ("make all\n", [("make", True)], set()),
        ("make all\n", [("make all\n", True), ("extra", True)], set()),
    ],
)
def test_monospaced_lines(text, pieces, code):
    assert monospaced_lines(text, [TextPiece(*piece) for piece in pieces]) == code


def test_an_imported_pdf_handout_reads_back_with_its_code(tmp_path: Path):
    pdf = make_pdf(
        [
            ["Counting words", "The program", *BEFORE, *map(Courier, LISTING)],
            ["Limits", *AFTER],
        ]
    )
    source = tmp_path / "downloads" / "counting-words.pdf"
    source.parent.mkdir()
    source.write_bytes(pdf)
    added = add_reading(source, tmp_path / "corpus")
    assert added.added and added.pages == 2
    dropped = tmp_path / "readings" / "counting-words.pdf"  # a PDF left in the corpus folder
    dropped.parent.mkdir()
    dropped.write_bytes(pdf)
    for reading in (read_reading(added.path), read_reading(dropped)):
        assert reading.title == "Counting words"
        assert [
            (reading.text[p.start : p.end], p.section, p.page, p.code) for p in reading.paragraphs
        ] == [
            (" ".join(BEFORE), "The program", 1, False),
            (CODE_BLOCK.strip(), "The program", 1, True),
            (" ".join(AFTER), "Limits", 2, False),
        ]


def _with_content(pdf: bytes, page: int, content: bytes) -> bytes:
    """`pdf` with page `page`'s content stream replaced by `content`."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DecodedStreamObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    stream = DecodedStreamObject()
    stream.set_data(content)
    writer.pages[page].replace_contents(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_page_of_drawings_alone_is_extracted_without_a_visitor(monkeypatch):
    """pypdf parses a page without text operators only for a visitor, which for a page of
    thousands of path operators (a chart, a map) takes many times longer: such a page is extracted
    plainly."""
    from pypdf import PageObject

    extract_text = PageObject.extract_text
    walked: list[str] = []  # the first line of each page walked with a visitor

    def extract(self, *args, **kwargs):
        if kwargs.get("visitor_text") is not None:
            walked.append((extract_text(self) or "(no text)").split("\n")[0])
        return extract_text(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", extract)
    drawing = "\n".join(f"{i % 500} {i % 700} m {i % 300} {i % 600} l S" for i in range(5000))
    pdf = _with_content(make_pdf([[*BEFORE, Courier("make all")], None]), 1, drawing.encode())
    imported = convert_pdf(pdf, "chart.pdf")
    assert "(no text)" not in walked and set(walked) == {BEFORE[0]}
    assert imported.notes == ("pages without text (scanned images?): 2",)
    assert ("make all", None, 1, True) in _paragraphs(imported)  # (the text page keeps its code)


@pytest.mark.parametrize(
    "content, shows",
    [
        (b"BT /F1 11 Tf 72 700 Td (Hi) Tj ET", True),
        (b"BT /F1 11 Tf [(H) 20 (i)] TJ ET", True),
        (b"BT /F1 11 Tf 14 TL (Hi) ' ET", True),
        (b'BT /F1 11 Tf 0 0 (Hi) " ET', True),
        (b"q /Fm1 Do Q", True),  # a form XObject, which may hold text
        (b"0.2 0.4 0.8 rg 72 400 300 300 re f 72 400 m 300 700 l S", False),
        (b"", False),
    ],
)
def test_a_page_shows_text_by_its_operators(content: bytes, shows: bool):
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(_with_content(make_pdf([None]), 0, content))).pages[0]
    assert convert._shows_text(page) is shows


def _in_helvetica(pages: list[list]) -> list[list]:
    """The same pages with every Courier line set in the body's type."""
    return [[line.text if isinstance(line, Courier) else line for line in page] for page in pages]


@pytest.mark.parametrize(
    "page",
    [
        # a GPL's opening, as LaTeX sets it (libtasn1's manual): \url{http://fsf.org/} on a line
        [
            "GNU General Public License",
            "Copyright (C) 2007 Free Software Foundation, Inc.",
            Courier("http://fsf.org/"),
            "Everyone is permitted to copy and distribute verbatim copies of this license",
            "document, but changing it is not allowed.",
        ],
        # a reference list whose DOIs are set in typewriter type
        [
            "References",
            "[1] A. Author. A study of deltas. Journal of Sediment, 12(3), 2019.",
            Courier("https://doi.org/10.1000/deltas.2019.12"),
            "[2] B. Author. Mangroves and storms. Coastal Letters, 4, 2020.",
            Courier("https://doi.org/10.1000/mangroves.2020.4"),
        ],
    ],
)
def test_a_lone_url_in_typewriter_type_reads_as_it_would_in_any_type(page: list):
    imported = convert_pdf(make_pdf([page]), "notes.pdf")
    assert imported.body == convert_pdf(make_pdf(_in_helvetica([page])), "notes.pdf").body
    assert not any(code for *_, code in _paragraphs(imported))


def test_a_url_wrapped_onto_a_line_of_its_own_stays_in_its_paragraph():
    lines = [
        "The licence text is published by the foundation at",
        Courier("https://www.gnu.org/licenses/gpl-3.0.html"),
        "and anyone may copy it, but nobody may change it without",
        "asking the foundation first, as the preamble says.",
    ]
    imported = convert_pdf(make_pdf([[*BEFORE, *lines]]), "licence.pdf")
    sentence = " ".join(line.text if isinstance(line, Courier) else line for line in lines)
    assert (sentence, None, 1, False) in _paragraphs(imported)


def test_a_lone_command_of_several_words_stays_code():
    lines = ["Install it with:", Courier("make install DESTDIR=/tmp"), *AFTER]
    imported = convert_pdf(make_pdf([[*BEFORE, *lines]]), "install.pdf")
    assert ("make install DESTDIR=/tmp", None, 1, True) in _paragraphs(imported)


def test_a_one_token_line_that_an_introduction_displays_stays_code():
    """A one-word command after "then run:" is a listing of one line, not a URL wrapped in a
    sentence: it stays code, and a heading after it stays a heading."""
    lines = [
        "Unpack the sources, then run:",
        Courier("./configure"),
        "and build it with:",
        Courier("make"),
        "2.8. The tree files",
        *AFTER,
    ]
    imported = convert_pdf(make_pdf([[*BEFORE, *lines]]), "build.pdf")
    paragraphs = _paragraphs(imported)
    assert ("./configure", None, 1, True) in paragraphs
    assert ("make", "2.8. The tree files", 1, False) not in paragraphs
    assert ("make", None, 1, True) in paragraphs
    assert _headings(imported) == ["2.8. The tree files"]


def test_a_listings_last_line_is_kept_past_a_blank_line_inside_it():
    # (the line beside a code line is the nearest one with text: a blank line inside the
    # listing does not make its repeated "END" a running footer)
    lines = ["Text.", "BEGIN", "  x", "", "END", ""]
    assert _kept_span(lines, {"end"}, frozenset({1, 2, 4})) == (0, 5)
    assert _kept_span(
        ["LAB NOTES", "Text.", "BEGIN", "END"], {"lab notes"}, frozenset({0, 2, 3})
    ) == (1, 4)


@pytest.mark.parametrize(
    "top, title",
    [
        ([Courier("Grep Notes")], "Grep Notes"),
        (["Searching with", Courier("grep -rn --color")], "Searching with grep -rn --color"),
    ],
)
def test_a_title_set_in_monospaced_type_is_not_repeated_as_code(top: list, title: str):
    """The title, from the PDF's information, lives in the front matter: its line(s) at the top,
    one of them in Courier, are no code block repeating it."""
    prose = wrap_paragraphs(["Grep prints lines that match a pattern. It reads files or input."])
    imported = convert_pdf(make_pdf([[*top, *prose, Courier("grep -rn TODO src")]], title), "g.pdf")
    assert imported.title == title
    assert _paragraphs(imported) == [
        (" ".join(prose), None, 1, False),
        ("grep -rn TODO src", None, 1, True),
    ]


def test_a_code_line_ending_most_pages_is_kept_beside_its_listing():
    """A listing's last line ("END") on every page is repeated like a running footer, but stands
    next to the rest of its listing, not to prose: it is kept."""
    pages = [
        [
            *wrap_paragraphs([f"Module {name} is declared as follows, in the notation below."]),
            Courier(f"{name.upper()} DEFINITIONS ::="),
            Courier("BEGIN"),
            Courier(f"  Size ::= INTEGER (0..{n})"),
            Courier("END"),
        ]
        for n, name in enumerate(["deltas", "mangroves", "dunes", "glaciers"], 1)
    ]
    imported = convert_pdf(make_pdf(pages), "asn.pdf")
    code = [text for text, *_, is_code in _paragraphs(imported) if is_code]
    assert [block.split("\n")[-1].strip() for block in code] == ["END"] * 4


@pytest.mark.parametrize(
    "font, monospaced",
    [
        ("/ABCDEF+CMTT10", True),
        ("/CMTT10", True),
        ("/ABCDEF+CMR10", False),
        # a subset's tag of six random capitals may spell a family: it is no part of the name
        ("/MONACO+Helvetica", False),
        ("/CMQRTT+CMR10", False),
    ],
)
def test_a_pdf_font_is_monospaced_by_its_name_without_its_subset_tag(font, monospaced):
    assert convert._monospaced(DictionaryObject({NameObject("/BaseFont"): NameObject(font)})) is (
        monospaced
    )
    assert not convert._monospaced(None)  # (a piece in a font pypdf does not know)


def test_a_numbered_section_after_a_listing_is_a_heading():
    """A code line stands between the lines around it: "2. Running it" after a listing has no
    sibling number right before it (the "1. Dockerfile" above the listing), so it is a heading,
    as "1. Dockerfile" is."""
    lines = [
        "1. Dockerfile",
        Courier("FROM python:3.12-slim"),
        Courier("RUN pip install qa"),
        "2. Running it",
        "Start the container with its port open, and visit the page it serves.",
    ]
    imported = convert_pdf(make_pdf([[*BEFORE, *lines]]), "docker.pdf")
    assert _headings(imported) == ["1. Dockerfile", "2. Running it"]
