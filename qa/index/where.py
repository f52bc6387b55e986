"""Which index folder a command uses: the project's `index/`, unless it holds another corpus.

An index belongs to the corpus it was built from (its manifest records the folder). A command
given a corpus but no index folder uses `index/` when that index is new or is this corpus's; when
`index/` holds the readings of another corpus, the command gets a folder of its own for the one
it was given, named after the corpus's path, under the cache folder ($QA_CACHE_DIR/indexes, else
~/.cache/reading-qa/indexes). So pointing `qa ask` or `qa eval` at another corpus never rebuilds
the course's index from it. The trade-off: an index nobody named lives out of sight, so every
command that picks one says where (`IndexChoice.note`), and `--index DIR` always wins.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..env import cache_dir
from ..errors import IndexStoreError, UsageError
from .manifest import MANIFEST, Manifest

__all__ = [
    "DEFAULT_INDEX",
    "DEFAULT_CORPUS",
    "IndexChoice",
    "choose_index",
    "index_corpus",
    "own_index_folder",
    "shown",
]

DEFAULT_INDEX = Path("index")
DEFAULT_CORPUS = Path("corpus")  # the command line and app.py run from the project folder


def shown(folder: Path) -> str:
    """A folder as a message shows it: relative to the current folder when inside it, with a slash.

    Example: /home/me/course/corpus (run from /home/me/course) -> "corpus/"
    """
    path = Path(folder).resolve()
    try:
        path = path.relative_to(Path.cwd().resolve())
    except ValueError:
        pass
    return f"{path}/"


def own_index_folder(corpus: Path) -> Path:
    """The index folder of a corpus that is not the one `index/` was built from: under the cache
    folder, named after the corpus's last two path parts and a hash of its whole path.

    Example: eval/outside/curlfaq/corpus -> ~/.cache/reading-qa/indexes/curlfaq-corpus-1a2b3c4d5e6f
    """
    resolved = Path(corpus).resolve()
    slugs = [re.sub(r"[^a-z0-9]+", "-", part.lower()).strip("-") for part in resolved.parts[-2:]]
    slug = "-".join(s[:30] for s in slugs if s) or "corpus"
    digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:12]
    return cache_dir() / "indexes" / f"{slug}-{digest}"


def index_corpus(folder: Path, fallback_corpus: Path | None = DEFAULT_CORPUS) -> Path | None:
    """The corpus an index folder belongs to, resolved: the one its manifest records while that
    folder exists, else `fallback_corpus` (which a command would rebuild it from); None when the
    folder holds no index yet (any corpus may have it) or neither folder exists."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    try:
        recorded = Manifest.from_json(path).corpus
    except IndexStoreError:
        recorded = ""  # damaged: the next command rebuilds it from the fallback corpus
    if recorded:
        corpus = (Path(folder).resolve() / recorded).resolve()
        if corpus.is_dir():
            return corpus
    if fallback_corpus is not None and Path(fallback_corpus).is_dir():
        return Path(fallback_corpus).resolve()
    return None


@dataclass(frozen=True)
class IndexChoice:
    """The index folder a command uses, the corpus it was given (None: the index's own), and, when
    that corpus got a folder of its own, the index left alone and the corpus that one belongs to."""

    folder: Path
    corpus: Path | None
    kept: Path | None = None
    kept_corpus: Path | None = None

    def note(self) -> str | None:
        """What to tell the user when the folder is not the one asked for, else None."""
        if self.kept is None or self.corpus is None:
            return None
        return (
            f"Using the index {shown(self.folder)} for {shown(self.corpus)} "
            f"({shown(self.kept)} is the index of {shown(self.kept_corpus)} and is left as it is; "
            "--index DIR chooses another folder)."
        )


def choose_index(
    index: str | Path | None,
    corpus: str | Path | None,
    *,
    default: Path = DEFAULT_INDEX,
    fallback_corpus: Path | None = DEFAULT_CORPUS,
) -> IndexChoice:
    """The index folder for a command's --index and --corpus (None where not given).

    Args:
        index: the folder the user named; used as it is.
        corpus: the corpus the user named; must be a folder when `index` is None.
        default: the project's index folder, used when `index` is None and it is this
            corpus's, or new while there is no `fallback_corpus` folder to build it from.
        fallback_corpus: the corpus `default` is rebuilt from when its own is gone.

    Returns:
        The `IndexChoice`. Raises `UsageError` when `corpus` is not a folder and no `index` is
        given (which folder it would need cannot be told).

    Example: (None, "eval/outside/curlfaq/corpus") with index/ built from corpus/
        -> IndexChoice(~/.cache/reading-qa/indexes/curlfaq-corpus-…, …, kept=index)
    """
    given = None if corpus is None else Path(corpus)
    if index is not None:  # what a damaged index and a missing corpus do is the store's to say
        return IndexChoice(Path(index), given)
    if given is None:
        return IndexChoice(default, None)
    if not given.is_dir():
        what = "is not a folder" if given.exists() else "no such folder"
        raise UsageError(
            f"--corpus {given}: {what}; give the folder of readings (default: the one the index "
            f"was built from, else {fallback_corpus}/)."
        )
    owner = index_corpus(default, fallback_corpus)
    if owner is None and fallback_corpus is not None and Path(fallback_corpus).is_dir():
        # A new index/ is the project corpus's: `make run` and a plain `qa build` build it from
        # corpus/, so the first command pointed at another corpus must not take it.
        owner = Path(fallback_corpus).resolve()
    if owner is None or owner == given.resolve():
        return IndexChoice(default, given)
    own = own_index_folder(given)
    try:
        own.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"{shown(own.parent)}: cannot hold the index of {shown(given)} "
            f"({exc.strerror or exc}); set QA_CACHE_DIR to a folder you can write, or give "
            "--index DIR."
        ) from exc
    return IndexChoice(own, given, kept=default, kept_corpus=owner)
