"""Reading corpus files: front matter, headings as sections, page markers, offsets, bad files."""

from __future__ import annotations

import hashlib

import pytest

import qa.readings.corpus
from qa.errors import ReadingError
from qa.index.chunk import ChunkSettings, chunk_reading
from qa.readings.corpus import corpus_files, load_corpus, read_reading
from qa.readings.records import citation_label, monospaced_font, parse_reading


def texts(reading) -> list[str]:
    return [reading.text[p.start : p.end] for p in reading.paragraphs]


def test_front_matter_title_and_meta():
    raw = (
        "---\ntitle: \"A Reading\"\nauthor: Someone\npublisher: 'The Press'\ndate: "
        "2025-01-02\n---\n\nBody text.\n"
    )
    r = parse_reading(raw, "a-reading")
    assert r.title == "A Reading"
    assert r.meta == {"author": "Someone", "publisher": "The Press", "date": "2025-01-02"}
    assert texts(r) == ["Body text."]
    assert r.text == "\nBody text.\n"  # the body after the front matter, as in the file
    assert r.sha256 == hashlib.sha256(raw.encode()).hexdigest()


def test_an_unclosed_front_matter_block_is_text():
    r = parse_reading("---\ntitle: T\n\nbody", "d")
    assert r.title == "D"
    assert texts(r) == ["---\ntitle: T", "body"]


def test_prose_between_two_rules_is_text_not_front_matter():
    r = parse_reading("---\n\nA first paragraph that must not vanish.\n\n---\n\nMore.", "d")
    assert r.meta == {} and "A first paragraph that must not vanish." in texts(r)


def test_front_matter_with_yaml_lists_and_comments():
    r = parse_reading("---\ntitle: T\n# a comment\ntags:\n  - one\n  - two\n---\nBody.", "d")
    assert r.title == "T" and texts(r) == ["Body."]


def test_title_from_a_first_level_heading_else_from_the_file_name():
    r = parse_reading("# Big Title\n\nIntro.\n\n# Part Two\n\nMore.", "x")
    assert r.title == "Big Title"
    assert [(p.section, t) for p, t in zip(r.paragraphs, texts(r), strict=True)] == [
        (None, "Intro."),
        ("Part Two", "More."),
    ]
    assert parse_reading("Just text.", "my_course-notes").title == "My course notes"


def test_sections_pages_numbers_and_offsets():
    raw = (
        "Intro line one\nline two.\n\n## First Part\n\n<!-- page 7 -->\nOn seven.\n\n<!-- "
        "Page 8 -->\n\n  Indented on eight.\n\n### Sub ##\n\nLast."
    )
    r = parse_reading(raw, "d")
    assert [(p.number, p.section, p.page) for p in r.paragraphs] == [
        (1, None, None),
        (2, "First Part", 7),
        (3, "First Part", 8),
        (4, "Sub", 8),
    ]
    assert texts(r) == ["Intro line one\nline two.", "On seven.", "Indented on eight.", "Last."]
    assert r.paged
    assert r.paragraph_at(r.paragraphs[2].start + 3).number == 3
    assert r.paragraph_at(r.paragraphs[2].end + 1).number == 3  # between paragraphs: the one before


@pytest.mark.parametrize(
    "heading, section",
    [
        ("## Intro to C#", "Intro to C#"),
        ("## Closed ##", "Closed"),
        ("###   Spaced   ", "Spaced"),
        # inline Markdown reads as its words; code spans and underscores are kept as written
        ("## [libfoo](https://example.org/libfoo) `v2` **notes**", "libfoo v2 notes"),
        ("## Using ![logo](logo.svg) *the* <em>tool</em>", "Using logo the tool"),
        ("## The `**kwargs` of __init__ and ALL_EXPORT", "The **kwargs of __init__ and ALL_EXPORT"),
        ("## 2 * 3 and 4*5", "2 * 3 and 4*5"),
        ("## Installing¶", "Installing"),
        ("## ![](badge.svg)", "![](badge.svg)"),  # nothing left: the heading as written
    ],
)
def test_heading_forms(heading, section):
    assert parse_reading(f"{heading}\n\nText.", "d").paragraphs[0].section == section


def test_a_title_heading_reads_as_its_words():
    assert parse_reading("# [libfoo](https://example.org)\n\nText.", "d").title == "libfoo"


def test_html_comments_are_not_text_and_end_a_chunk():
    """A comment is hidden where Markdown is shown: an instructor's note or a generator's metadata
    must never be quoted as an answer, nor sit inside a passage."""
    raw = (
        "Intro text.\n<!-- TODO: check this date with the author -->\nMore.\n\n"
        "<!-- YAML\nadded: v1\n\nchanges: none\n-->\n\nAfter.\n\n<!-- page 2 -->\n\nOn two.\n\n"
        "<!-- c --> shown\n\n    <!-- indented: code -->\n\n```\n<!-- in a fence -->\n```\n"
    )
    reading = parse_reading(raw, "d")
    assert texts(reading) == [
        "Intro text.",
        "More.",
        "After.",
        "On two.",
        "<!-- c --> shown",  # text after the comment is shown, so the line is text
        "<!-- indented: code -->",
        "```\n<!-- in a fence -->\n```",
    ]
    assert [p.page for p in reading.paragraphs][3] == 2
    chunks = chunk_reading(reading, lambda text: len(text.split()), ChunkSettings(max_tokens=250))
    assert not any("TODO" in c.text or "YAML" in c.text for c in chunks)


def test_hash_without_space_is_not_a_heading():
    assert texts(parse_reading("#hashtag is text\n\nMore.", "d")) == ["#hashtag is text", "More."]


def test_plain_text_keeps_hash_lines_as_text():
    r = parse_reading("# not a heading\n\nText.", "d", markdown=False)
    assert texts(r) == ["# not a heading", "Text."] and r.paragraphs[0].section is None


def test_plain_text_titles_and_sections_are_underlined_lines():
    """Plain text names its title and sections by underlining them (reStructuredText, AsciiDoc,
    README files); a rule much longer or shorter than the line above it is a separator."""
    raw = (
        "Release Notes\n=============\n\nOld news\n--------\n\nFor people upgrading.\n\n"
        "A line of prose.\n"
        + "-" * 60
        + "\n\nNext.\n\n Regression tests\n ~~~~~~~~~~~~~~~~\n\nLast.\n"
    )
    r = parse_reading(raw, "d", markdown=False)
    assert r.title == "Release Notes"
    assert [(p.section, text) for p, text in zip(r.paragraphs, texts(r), strict=True)] == [
        ("Old news", "For people upgrading."),
        ("Old news", "A line of prose.\n" + "-" * 60),
        ("Old news", "Next."),
        ("Regression tests", "Last."),
    ]
    marked = parse_reading(
        "Text.\n\nUse *args* and [x](y)\n---------------------\n\nEnd.\n", "d", markdown=False
    )
    assert marked.paragraphs[-1].section == "Use *args* and [x](y)"  # plain text: as written


def test_windows_line_endings_and_nul_bytes():
    r = parse_reading("---\r\ntitle: T\r\n---\r\n## S\r\n\r\nOne\x00 two.\r\n\r\nThree.\r\n", "d")
    assert r.title == "T" and texts(r) == ["One two.", "Three."] and r.paragraphs[0].section == "S"


@pytest.mark.parametrize(
    "raw", ["", "\n\n", "---\ntitle: T\n---\n", "## Heading\n", "<!-- page 1 -->"]
)
def test_no_text_is_an_error_naming_the_reading(raw):
    with pytest.raises(ReadingError, match="empty-doc: no text to index"):
        parse_reading(raw, "empty-doc")


def test_read_reading_hashes_the_file_bytes(tmp_path):
    path = tmp_path / "notes.md"
    data = "\ufeff# Notes\n\nSome text.\n".encode("utf-8")
    path.write_bytes(data)
    r = read_reading(path)
    assert (r.doc, r.title, r.source) == ("notes", "Notes", str(path))
    assert r.sha256 == hashlib.sha256(data).hexdigest()


def test_txt_files_are_plain_text(tmp_path):
    path = tmp_path / "plain.txt"
    path.write_text("# one\n\ntwo\n", encoding="utf-8")
    assert texts(read_reading(path)) == ["# one", "two"]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("slides.pptx", b"PK\x03\x04", "unsupported file type '.pptx'"),
        ("slides.pdf", b"%PDF-1.4", "the PDF is damaged"),
        ("binary.md", b"abc\x00def", "looks like a binary file"),
        ("latin1.md", "café".encode("latin-1"), "is not UTF-8 text"),
        ("empty.md", b"", "no text to index"),
    ],
)
def test_bad_files_are_refused_with_the_file_name(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadingError, match=message) as info:
        read_reading(path)
    assert str(path) in str(info.value)


def test_too_large_files_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(qa.readings.corpus, "MAX_READING_BYTES", 100)
    path = tmp_path / "big.md"
    path.write_text("word " * 50, encoding="utf-8")
    with pytest.raises(ReadingError, match="over the .* limit"):
        read_reading(path)


def test_load_corpus_skips_bad_files_with_reasons(tmp_path):
    (tmp_path / "a.md").write_text("A text.", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("B text.", encoding="utf-8")
    (tmp_path / "sub" / "a.txt").write_text("Another a.", encoding="utf-8")  # same id as a.md
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    (tmp_path / ".hidden.md").write_text("Hidden.", encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.md").write_text("Hidden too.", encoding="utf-8")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")
    assert [p.name for p in corpus_files(tmp_path)] == ["a.md", "empty.md", "a.txt", "b.txt"]
    readings, skipped = load_corpus(tmp_path)
    assert [r.doc for r in readings] == ["a", "b"]
    reasons = {s.path.rsplit("/", 1)[-1]: s.reason for s in skipped}
    assert set(reasons) == {"a.txt", "empty.md"}
    assert "already named 'a'" in reasons["a.txt"] and "no text to index" in reasons["empty.md"]


def test_a_corpus_without_readings_is_an_error(tmp_path):
    with pytest.raises(ReadingError, match="corpus folder not found"):
        load_corpus(tmp_path / "missing")
    (tmp_path / "empty.md").write_text("", encoding="utf-8")
    with pytest.raises(ReadingError, match="no reading could be indexed"):
        load_corpus(tmp_path)


@pytest.mark.parametrize(
    "args, label",
    [
        (("Alliance", "Past", 24, None), "Alliance — Past, ¶24"),
        (("Alliance", None, 3, None), "Alliance, ¶3"),
        (("Alliance", "Past", 24, 7), "Alliance — Past, p. 7, ¶24"),
        (("Alliance", None, None, None), "Alliance"),
    ],
)
def test_citation_label(args, label):
    assert citation_label(*args) == label


@pytest.mark.parametrize(
    "name",
    [
        "Courier New",  # as Word names fonts
        "consolas",
        "Source Code Pro",
        "Courier",  # as a PDF names them, a subset's tag taken off
        "CourierNewPS-BoldMT",
        "DejaVuSansMono-Bold",
        "NimbusMonoPS-Regular",
        "NimbusMonL-Regu",
        "Menlo-Regular",
        "SFMono-Regular",
        "LucidaConsole",
        "Inconsolata",
        "TeXGyreCursor-Regular",
        "CMTT10",  # TeX's typewriter type: Computer Modern, its slanted cut, EC, Latin Modern
        "CMSLTT10",
        "SFTT1000",
        "LMMono10-Regular",
        "lmmono10",
        "CMITT10",
        "ECTT1000",
        "SFIT1000",  # EC's typewriter italic and slanted, and their cm-super cuts (sf*)
        "SFST1000",
        "ECIT1000",
        "ECST1000",
        "Hack",
        "Hack-Regular",
        "Cousine",
        "Anonymous Pro",
        "AnonymousPro-Bold",
        "Monospac821BT-Roman",
        "LUCIDACONSOLE",
        "Fira Code",  # "code" after another word
        "FiraCode-Regular",
        "Cascadia Code",
        "Comic Code",
        "SourceCodePro-Regular",
        "JetBrainsMono",
        "RobotoMono",
    ],
)
def test_monospaced_fonts_are_known_by_their_names(name):
    assert monospaced_font(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Helvetica",
        "Times-Roman",
        "Monotype Corsiva",
        "MonotypeCorsiva",
        "CMR10",
        "CMTI10",
        "CMSL10",
        "NimbusRomNo9L-Regu",
        "NimbusSanL-Bold",
        "ArialMT",
        "Calibri",
        "Mongolian Baiti",
        "American Typewriter",
        "AmericanTypewriter-Bold",
        "CMVTT10",  # TeX's variable-width typewriter
        "ECVT1000",
        "ECTI1000",  # EC's text italic, and its cm-super cut
        "SFTI1000",
        "Code2000",  # a proportional font whose name starts with "Code"
        "Code128",  # barcodes
        "Code39",
        "Bar Code 39",
    ],
)
def test_proportional_fonts_are_not_monospaced(name):
    assert not monospaced_font(name)


def test_fenced_code_keeps_comment_lines_and_blank_lines_inside_one_paragraph():
    reading = parse_reading(
        "Intro.\n\n```bash\n# not a heading\npip install x\n\nmake\n```\n\n## Next\nText.\n", "doc"
    )
    assert texts(reading) == [
        "Intro.",
        "```bash\n# not a heading\npip install x\n\nmake\n```",
        "Text.",
    ]
    assert [p.section for p in reading.paragraphs] == [None, None, "Next"]


def test_setext_headings_are_sections():
    reading = parse_reading(
        "Guide\n=====\n\nIntro.\n\nHow do I install?\n-----------------\n\nRun make.\n", "doc"
    )
    assert reading.title == "Guide"
    assert [(p.section, reading.text[p.start : p.end]) for p in reading.paragraphs] == [
        (None, "Intro."),
        ("How do I install?", "Run make."),
    ]


def test_html_files_in_the_corpus_are_read_like_qa_add_reads_them(tmp_path):
    page = tmp_path / "faq.html"
    page.write_text(
        "<html><head><title>Tool FAQ</title></head><body><nav>Home | "
        "Blog</nav><article><h1>Tool FAQ</h1>"
        "<h2>How do I install the tool?</h2><p>Install the tool with the package manager of "
        "your system, then run the setup command once.</p>"
        "<p>The setup command writes a configuration file in your home folder and checks the "
        "version of the runtime.</p>"
        "</article><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    reading = read_reading(page)
    assert reading.title == "Tool FAQ"
    assert any(p.section == "How do I install the tool?" for p in reading.paragraphs)
    assert "Home | Blog" not in reading.text


def test_indented_code_lines_are_never_headings():
    """Four columns of indent (or a tab) make a line code, as in Markdown: a shell comment or a
    rule of dashes under a code line stays text and does not rename the section."""
    raw = (
        "## Prompts\n\nPut this in your startup file:\n\n"
        "    # Skip defining precmd if the option is set\n"
        "    precmd() { print }\n\n"
        "\t# a tab-indented comment\n\n"
        "    make install\n    ------------\n\n"
        "Then restart the shell.\n\n"
        "   ## Three spaces still make a heading\n\nLast.\n"
    )
    reading = parse_reading(raw, "d")
    assert [p.section for p in reading.paragraphs] == [
        "Prompts",
        "Prompts",
        "Prompts",
        "Prompts",
        "Prompts",
        "Three spaces still make a heading",
    ]
    assert texts(reading)[1].startswith("# Skip defining precmd")
    assert texts(reading)[3] == "make install\n    ------------"
