"""What the environment sets: on/off switches (one spelling of 'on' and 'off' for every QA_* flag)
and the cache folder."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError

__all__ = ["cache_dir", "env_flag"]


def env_flag(name: str, default: bool) -> bool:
    """An on/off environment variable: 1/true/yes/on or 0/false/no/off; unset or empty: `default`.

    Example: QA_EVALUATE=0 -> False; QA_EVALUATE unset -> default
    """
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise UsageError(
        f"{name}={os.environ[name]!r}: set it to 1 (on) or 0 (off), or leave it unset."
    )


def cache_dir() -> Path:
    """The cache folder (exported models, indexes of other corpora): $QA_CACHE_DIR, else
    $XDG_CACHE_HOME/reading-qa, else ~/.cache/reading-qa."""
    env = os.environ.get("QA_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "reading-qa"
