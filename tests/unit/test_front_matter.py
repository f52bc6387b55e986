"""Front matter: what the writer writes, the reader reads back."""

from __future__ import annotations

from qa.readings.front_matter import read_front_matter, render_front_matter, set_front_matter
from qa.readings.records import parse_reading


def test_a_rendered_block_reads_back_in_the_fixed_key_order():
    meta = {"source_url": "https://x.org/a", "title": "A: b", "author": "", "zeta": "z"}
    block = render_front_matter(meta)
    assert block == '---\ntitle: "A: b"\nsource_url: "https://x.org/a"\nzeta: "z"\n---\n\n'
    assert read_front_matter(block + "Body") == (
        {"title": "A: b", "source_url": "https://x.org/a", "zeta": "z"},
        len(block) - 1,  # the blank line after the block is the body's
    )


def test_setting_keys_keeps_the_other_lines_and_the_body():
    text = '---\ntitle: "Old"\npublisher: "P"\n---\nBody text.\n'
    out = set_front_matter(text, {"title": "New", "source_url": "u", "source_sha256": ""})
    assert out == '---\ntitle: "New"\nsource_url: "u"\npublisher: "P"\n---\nBody text.\n'
    assert parse_reading(out, "doc").title == "New"


def test_a_file_without_front_matter_gets_a_block():
    assert set_front_matter("Body", {"title": "A"}) == '---\ntitle: "A"\n---\n\nBody'


def test_prose_between_two_rules_gets_its_own_block_so_the_title_reads_back():
    text = "---\nJust a sentence of prose.\n---\nMore.\n"
    out = set_front_matter(text, {"title": "Kept"})
    assert out.endswith(text)
    reading = parse_reading(out, "doc")
    assert reading.title == "Kept" and "Just a sentence of prose." in reading.text
