"""The index folder's manifest.json as a typed record: read in one place, written in one place.

The manifest says what was built (the data files, the readings and their counts), from what
(the corpus and the SHA-256 of each of its files) and how (format version, model, chunking).
Every reader takes attributes of `Manifest`; only `from_json` reads the file and only `to_json`
writes it (atomically). The trade-off: a manifest of the current format must have every field
(a missing one is damage, named with the file and the fix), while one of another format is read
leniently, with empty defaults, so the loader can still say "index format 1 is not 4" and find
the corpus to rebuild from, instead of calling an old index damaged.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IndexStoreError
from ..files import atomic_write_text
from ..readings.records import SkippedFile

__all__ = [
    "FORMAT_VERSION",
    "MANIFEST",
    "BuildSettings",
    "Counts",
    "DataFiles",
    "Manifest",
    "ReadingEntry",
]

FORMAT_VERSION = 12  # 2: chunk offsets after repeated text and headings fixed; 3: indented code is
# never a heading; 4: headings read as their words (no Markdown links, emphasis or permalink marks),
# HTML comments are not text, plain text's underlined lines and PDFs' numbered lines are headings,
# and web pages keep headings and lists trafilatura dropped; 5: web pages keep their loose text and
# their <pre> lines, and a PDF is titled by its largest type; 6: a paragraph knows whether it is
# code (Markdown's fenced or indented block, not a list item's content), and fences follow
# CommonMark; 7: list items' content columns, and a fence ends the paragraph before it and the
# one it closes; 8: a Word document's code (code styles, monospaced type) is code, and code after a
# list (Word's, a web page's <pre>) is code in its last item; 9: a PDF's lines set in monospaced
# type are code, kept line by line (not joined into a paragraph nor taken for headings), and
# TeX's typewriter fonts count as monospaced in Word documents too; 10: a PDF's code lines are
# indented as their places on the page tell (most PDFs place them, spelling no spaces); 11: a
# PDF's lone one-token line in monospaced type (a URL, a DOI) joins its paragraph, a title line in
# it and a listing's last line repeated at page ends are no longer lost, and more font names are
# judged right either way (Word's too, no longer lower-cased); 12: but a one-token line that an
# introduction ending in a colon displays ("then run:" before `make`) stays code. Sections,
# titles and passages change, so an index read the old way is rebuilt.
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class BuildSettings:
    """The model and chunking an index was built with; a change of any of them means a rebuild."""

    model: str
    model_sha256: str
    dim: int
    chunking: dict[str, Any] = field(default_factory=dict, hash=False)


@dataclass(frozen=True)
class ReadingEntry:
    """One indexed reading: its id, where it came from and its cache file."""

    doc: str
    title: str
    source: str  # relative to the corpus folder; "" when the reading has no file
    sha256: str
    chunks: int
    cache: str  # file name under cache/


@dataclass(frozen=True)
class Counts:
    """How much the index holds."""

    readings: int
    chunks: int
    sentences: int


@dataclass(frozen=True)
class DataFiles:
    """The names (in the index folder) of the files of one build."""

    chunks: str
    sentences: str
    data: str

    def names(self) -> tuple[str, str, str]:
        return (self.chunks, self.sentences, self.data)


@dataclass(frozen=True)
class Manifest:
    """What an index folder holds, as recorded in its manifest.json.

    Example:
        Manifest.from_json(Path("index/manifest.json")).settings.model -> "all-MiniLM-L6-v2"
    """

    format_version: int | None
    build: str
    settings: BuildSettings
    files: dict[str, str] = field(hash=False)  # {corpus-relative path: SHA-256 of its bytes}
    readings: tuple[ReadingEntry, ...]
    counts: Counts
    data: DataFiles
    corpus: str = ""  # relative to the index folder
    package_version: str = ""
    built_at: str = ""
    skipped: tuple[SkippedFile, ...] = ()
    search: dict[str, Any] | None = field(default=None, hash=False)  # how the index is searched

    # ------------------------------------------------------------------------ read

    @classmethod
    def from_json(cls, path: Path) -> Manifest:
        """Read a manifest file; raises `IndexStoreError` naming the file and the fix."""
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise IndexStoreError(
                f"{path}: cannot be read ({exc.strerror or exc}); {_fix(path)}."
            ) from exc
        except ValueError as exc:
            raise IndexStoreError(
                f"{path}: damaged (not valid JSON: {exc}); {_fix(path)}."
            ) from exc
        return cls.from_dict(raw, path)

    @classmethod
    def from_dict(cls, raw: object, path: Path | str = MANIFEST) -> Manifest:
        """A manifest from its JSON object; `path` names the file in error messages."""
        if not isinstance(raw, dict):
            raise IndexStoreError(
                f"{path}: damaged (a JSON {type(raw).__name__}, not an object); {_fix(path)}."
            )
        # Only the current format must be whole; another is read for its version and corpus.
        get = _Fields(raw, path, strict=raw.get("format_version") == FORMAT_VERSION)
        settings = get.obj("settings")
        counts = get.obj("counts")
        data = get.obj("data")
        return cls(
            format_version=raw.get("format_version"),
            build=get.text("build"),
            settings=BuildSettings(
                model=settings.text("model"),
                model_sha256=settings.text("model_sha256"),
                dim=settings.number("dim"),
                chunking=settings.mapping("chunking"),
            ),
            files=get.mapping("files"),
            readings=tuple(
                ReadingEntry(
                    doc=r.text("doc"),
                    title=r.text("title", required=False),
                    source=r.text("source", required=False),
                    sha256=r.text("sha256"),
                    chunks=r.number("chunks"),
                    cache=r.text("cache"),
                )
                for r in get.objects("readings")
            ),
            counts=Counts(
                counts.number("readings"), counts.number("chunks"), counts.number("sentences")
            ),
            data=DataFiles(data.text("chunks"), data.text("sentences"), data.text("data")),
            corpus=get.text("corpus", required=False),
            package_version=get.text("package_version", required=False),
            built_at=get.text("built_at", required=False),
            skipped=tuple(
                SkippedFile(s.text("path"), s.text("reason"))
                for s in get.objects("skipped", required=False)
            ),
            search=get.mapping("search", required=False) or None,
        )

    # ------------------------------------------------------------------------ write

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of this manifest (the keys and order of every release so far)."""
        out: dict[str, Any] = {
            "format_version": self.format_version,
            "package_version": self.package_version,
            "build": self.build,
            "built_at": self.built_at,
            "corpus": self.corpus,
            "settings": asdict(self.settings),
            "files": dict(self.files),
            "readings": [asdict(r) for r in self.readings],
            "skipped": [asdict(s) for s in self.skipped],
            "counts": asdict(self.counts),
            "data": asdict(self.data),
        }
        if self.search is not None:
            out["search"] = self.search
        return out

    def to_json(self, path: Path) -> None:
        """Write the manifest to `path` atomically (a reader sees the old file or the new one)."""
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"
        atomic_write_text(Path(path), text)


# ---------------------------------------------------------------------------- field reading


def _fix(path: Path | str) -> str:
    folder = Path(path).parent
    return f"rebuild the index with `qa build --force --corpus DIR --index {folder}`"


class _Fields:
    """Typed reads of one JSON object of a manifest, each error naming the file and the key."""

    def __init__(self, raw: object, path: Path | str, strict: bool, where: str = "") -> None:
        self.raw = raw if isinstance(raw, dict) else {}
        self.path, self.strict, self.where = path, strict, where
        if strict and not isinstance(raw, dict):
            self._bad(where.rstrip("."), "an object")

    def _bad(self, key: str, want: str) -> None:
        raise IndexStoreError(
            f"{self.path}: damaged ({key or 'the manifest'} is not {want}); {_fix(self.path)}."
        )

    def _get(self, key: str, types: tuple[type, ...], want: str, default: Any, required: bool):
        if key not in self.raw:
            if self.strict and required:
                raise IndexStoreError(
                    f"{self.path}: damaged ({self.where}{key} is missing); {_fix(self.path)}."
                )
            return default
        value = self.raw[key]
        if not isinstance(value, types) or isinstance(value, bool) and bool not in types:
            if self.strict:
                self._bad(self.where + key, want)
            return default
        return value

    def text(self, key: str, required: bool = True) -> str:
        return self._get(key, (str,), "a string", "", required)

    def number(self, key: str, required: bool = True) -> int:
        return self._get(key, (int,), "a whole number", 0, required)

    def mapping(self, key: str, required: bool = True) -> dict:
        return dict(self._get(key, (dict,), "an object", {}, required))

    def obj(self, key: str) -> _Fields:
        value = self._get(key, (dict,), "an object", {}, True)
        return _Fields(value, self.path, self.strict, f"{self.where}{key}.")

    def objects(self, key: str, required: bool = True) -> list[_Fields]:
        items = self._get(key, (list,), "a list", [], required)
        return [
            _Fields(item, self.path, self.strict, f"{self.where}{key}[{i}].")
            for i, item in enumerate(items)
        ]
