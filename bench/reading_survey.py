"""How the reader sees a pile of real documents: per file its title, characters kept, sections and
paragraphs, and which files it refuses.

A check for changes to the readers (`qa/readings/`) on documents nobody wrote for them: run it on
a folder before and after a change and compare. Every reading file under the folder is read the
way `qa build` reads a corpus file (HTML and PDF converted as `qa add` converts them), nothing is
embedded. With no folder it surveys the HTML, Markdown, text and PDF files of this machine's
/usr/share/doc (at most 4 a package, chosen the same way every run).

Run: `.venv/bin/python bench/reading_survey.py [FOLDER] [--json OUT]` (a minute for ~60 files).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.errors import ReadingError  # noqa: E402
from qa.readings.corpus import read_reading  # noqa: E402
from qa.readings.records import CORPUS_SUFFIXES  # noqa: E402

SYSTEM_DOCS = Path("/usr/share/doc")
PER_PACKAGE = 4
MIN_BYTES = 3000


def system_documents(root: Path = SYSTEM_DOCS) -> list[Path]:
    """Up to PER_PACKAGE reading files of each package's documentation, in name order."""
    chosen: list[Path] = []
    for package in sorted(p for p in root.iterdir() if p.is_dir()):
        files = sorted(
            p
            for p in package.rglob("*")
            if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES and p.stat().st_size > MIN_BYTES
        )
        chosen += files[:PER_PACKAGE]
    return chosen


def survey(paths: list[Path]) -> list[dict]:
    rows = []
    for path in paths:
        try:
            reading = read_reading(path)
        except ReadingError as exc:
            rows.append({"file": str(path), "refused": str(exc)})
            continue
        sections = {p.section for p in reading.paragraphs if p.section}
        rows.append(
            {
                "file": str(path),
                "title": reading.title,
                "characters": sum(p.end - p.start for p in reading.paragraphs),
                "sections": len(sections),
                "paragraphs": len(reading.paragraphs),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", nargs="?", type=Path, help="default: a sample of /usr/share/doc")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args(argv)
    if args.folder:
        paths = sorted(
            p for p in args.folder.rglob("*") if p.suffix.lower() in CORPUS_SUFFIXES and p.is_file()
        )
    else:
        paths = system_documents()
    rows = survey(paths)
    for row in rows:
        name = Path(row["file"]).name[:40]
        if "refused" in row:
            print(f"{name:40} refused: {row['refused'][:80]}")
        else:
            print(
                f"{name:40} {row['characters']:8,} chars {row['sections']:4} sections "
                f"{row['paragraphs']:5} paragraphs  {row['title'][:40]}"
            )
    read = [r for r in rows if "refused" not in r]
    print(
        f"{len(rows)} files: {len(read)} read, {len(rows) - len(read)} refused; "
        f"{sum(r['characters'] for r in read):,} characters, "
        f"{sum(r['sections'] for r in read):,} sections, "
        f"{sum(1 for r in read if r['sections'] == 0)} files without a section"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
