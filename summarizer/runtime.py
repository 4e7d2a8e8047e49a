"""Where the extractive backend's MiniLM runs: torch, or sentence-transformers' ONNX backend (ONNX Runtime).

`SUMMARIZER_RUNTIME` picks one of RUNTIMES:

- ``torch`` (the default): the SentenceTransformer on torch (float32, or bfloat16 where the CPU has it;
  summarizer.model).
- ``onnx``: the same model exported to ONNX once and run by ONNX Runtime through
  ``SentenceTransformer(dir, backend="onnx")``, float32: the same embeddings to ~1e-6, the same summaries,
  as fast as torch at 1 thread on an AVX2 CPU (faster in 2-thread batches) and 136 MB more RSS
  (bench/README.md).
- ``onnx-int8``: that export quantized once with sentence-transformers'
  ``export_dynamic_quantized_onnx_model`` (its ``avx2`` configuration: uint8 weights per channel,
  activations quantized on the fly): ~0.7x torch's CPU on AVX2, embeddings at cosine ~0.99 to float32,
  which changes a sentence in 6-9% of the dev-set summaries: an operator's choice, not the default.

The export is cached on disk (OnnxCache: by default ``$HF_HOME/newsbot-onnx``, next to the Hugging Face cache,
or ``SUMMARIZER_ONNX_DIR``), keyed by the weights' SHA-256, written atomically, so it happens once per
machine (a few seconds at the first start) and concurrent starts do not see half-written files. The torch
model used for the export is dropped afterwards. A cached file that does not load is exported again once;
when exporting or loading still fails, `load_onnx_encoder` raises ModelLoadError and the caller
(summarizer.model.load_encoder) falls back to torch with one warning line.
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, cast, get_args

from summarizer.errors import ModelLoadError, one_line

log = logging.getLogger(__name__)

Runtime = Literal["torch", "onnx", "onnx-int8"]
RUNTIMES: Final[tuple[str, ...]] = get_args(Runtime)
DEFAULT_RUNTIME: Final[Runtime] = "torch"
RUNTIME_ENV: Final = "SUMMARIZER_RUNTIME"
CACHE_ENV: Final = "SUMMARIZER_ONNX_DIR"
FLOAT_FILE: Final = "onnx/model.onnx"
# The name export_dynamic_quantized_onnx_model gives the "avx2" configuration's file (uint8 activations).
INT8_FILE: Final = "onnx/model_quint8_avx2.onnx"
_OPSET: Final = 17
_INPUTS: Final = ("input_ids", "attention_mask", "token_type_ids")
# Files of the model directory the ONNX one does not need (the weights are in the .onnx file).
_NOT_COPIED: Final = ("model.safetensors", "onnx", "README.md", ".gitattributes")


def resolve_runtime(runtime: str | None = None) -> Runtime:
    """The runtime named by the argument, else $SUMMARIZER_RUNTIME, else the default; ModelLoadError if
    it is not one of RUNTIMES."""
    chosen = (runtime if runtime is not None else os.environ.get(RUNTIME_ENV, "")).strip().lower()
    if not chosen:
        return DEFAULT_RUNTIME
    if chosen not in RUNTIMES:
        raise ModelLoadError(f"unknown summarizer runtime {chosen!r}; known runtimes: {', '.join(RUNTIMES)}")
    return cast(Runtime, chosen)


def default_cache_root() -> Path:
    """$SUMMARIZER_ONNX_DIR, else newsbot-onnx in the Hugging Face home ($HF_HOME, ~/.cache/huggingface)."""
    configured = os.environ.get(CACHE_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    from huggingface_hub import constants as hub_constants

    return Path(hub_constants.HF_HOME) / "newsbot-onnx"


@dataclass(frozen=True)
class OnnxCache:
    """The ONNX export of one model directory: root/<its name>-<16 hex digits of its weights' SHA-256>."""

    root: Path
    source: Path
    sha256: str

    @property
    def directory(self) -> Path:
        """The sentence-transformers directory holding the ONNX files (configs and tokenizer copied)."""
        return self.root / f"{self.source.name}-{self.sha256[:16]}"

    def file_for(self, runtime: Runtime) -> str:
        """The ONNX file of a runtime, relative to `directory`."""
        return INT8_FILE if runtime == "onnx-int8" else FLOAT_FILE

    def ensure(self, runtime: Runtime) -> Path:
        """Export (and quantize) what `runtime` needs unless cached; return the file's path."""
        target = self.directory
        (target / "onnx").mkdir(parents=True, exist_ok=True)
        _copy_configs(self.source, target)
        float_path = target / FLOAT_FILE
        if not float_path.is_file():
            log.info("exporting %s to ONNX into %s (once)", self.source.name, target)
            _export_float(self.source, float_path)
        if runtime == "onnx-int8" and not (target / INT8_FILE).is_file():
            log.info("quantizing the ONNX export to int8 (once)")
            _quantize(target, target / INT8_FILE)
        return target / self.file_for(runtime)

    def remove(self) -> None:
        """Drop the cached export (it is re-made on the next ensure)."""
        shutil.rmtree(self.directory, ignore_errors=True)


def _copy_configs(source: Path, target: Path) -> None:
    """Copy the model directory's configuration and tokenizer files (not its weights) into target."""
    for entry in source.iterdir():
        if entry.name in _NOT_COPIED or (target / entry.name).exists():
            continue
        staging = Path(tempfile.mkdtemp(dir=target, prefix=".copy-"))
        try:
            copied = staging / entry.name
            if entry.is_dir():
                shutil.copytree(entry, copied)
            else:
                shutil.copy2(entry, copied)
            os.replace(copied, target / entry.name)
        except OSError:
            if not (target / entry.name).exists():  # not a concurrent start's copy: a real failure
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _export_float(source: Path, destination: Path) -> None:
    """Export the torch SentenceTransformer's transformer to a float32 ONNX file (dynamic batch and length).

    torch.onnx.export directly: optimum's own exporter (main_export) patches transformers' masking functions
    with an older signature and fails on transformers 5.x. The inputs and the output (last_hidden_state) are
    the ones optimum's ORTModelForFeatureExtraction, which sentence-transformers' ONNX backend runs, expects.
    """
    import torch
    from sentence_transformers import SentenceTransformer

    encoder = SentenceTransformer(str(source), device="cpu", local_files_only=True)
    wrapper = _hidden_states(encoder[0].auto_model).eval()  # float32: the model as loaded, not bfloat16
    # A padded row, so the trace keeps the attention mask (an all-ones mask may be optimized away).
    ids = torch.full((2, 8), 101, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0
    axes = {name: {0: "batch", 1: "sequence"} for name in (*_INPUTS, "last_hidden_state")}
    partial = destination.with_name(f".{destination.name}.{os.getpid()}.tmp")
    try:
        with torch.no_grad():
            torch.onnx.export(
                wrapper,
                (ids, mask, torch.zeros_like(ids)),
                str(partial),
                input_names=list(_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=_OPSET,
                dynamo=False,
            )
        os.replace(partial, destination)
    finally:
        partial.unlink(missing_ok=True)
        del encoder, wrapper
        gc.collect()


def _hidden_states(model: Any) -> Any:
    """Wrap a transformers model as a module mapping positional (ids, mask, types) to last_hidden_state."""
    import torch

    class HiddenStates(torch.nn.Module):
        """The transformer with positional inputs and one output, as ORTModelForFeatureExtraction runs it."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    return HiddenStates()


def _quantize(directory: Path, destination: Path) -> None:
    """Quantize directory's float ONNX file to int8 with sentence-transformers' avx2 configuration."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.backend import export_dynamic_quantized_onnx_model

    staging = Path(tempfile.mkdtemp(dir=directory, prefix=".quantize-"))
    quiet = _QuantizerChatter()
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        float_model = SentenceTransformer(
            str(directory), device="cpu", backend="onnx", local_files_only=True,
            model_kwargs={"file_name": FLOAT_FILE, "provider": "CPUExecutionProvider"},
        )  # fmt: skip
        export_dynamic_quantized_onnx_model(float_model, "avx2", str(staging))
        os.replace(staging / INT8_FILE, destination)
    finally:
        root.removeFilter(quiet)
        shutil.rmtree(staging, ignore_errors=True)


class _QuantizerChatter(logging.Filter):
    """Drops what ONNX Runtime's quantizer logs on the root logger below ERROR (lines per tensor, advice)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep errors and everything not from onnxruntime's quantization package."""
        quantizer = f"onnxruntime{os.sep}quantization" in record.pathname
        return record.levelno >= logging.ERROR or not quantizer


def session_options(threads: int | None) -> Any:
    """ONNX Runtime options: `threads` intra-op threads (None: ONNX Runtime's default), no spin-waiting.

    Spinning pool threads keep a core busy between operators; on a small shared host that is CPU the
    event loop and the database need.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads is not None:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def _load(directory: Path, file_name: str, threads: int | None) -> Any:
    """Load the cached ONNX model through sentence-transformers' ONNX backend."""
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(
        str(directory),
        device="cpu",
        backend="onnx",
        local_files_only=True,
        model_kwargs={
            "file_name": file_name,
            "provider": "CPUExecutionProvider",
            "session_options": session_options(threads),
        },
    )


def load_onnx_encoder(cache: OnnxCache, runtime: Runtime, threads: int | None = None) -> Any:
    """Export once (cached) and load the ONNX encoder of `runtime`; ModelLoadError if that fails.

    A cached export that fails to load (a damaged file) is removed and made again, once.
    """
    try:
        import onnxruntime  # noqa: F401
        import optimum.onnxruntime  # noqa: F401
    except ImportError as exc:
        raise ModelLoadError(f"ONNX Runtime or optimum is not usable: {one_line(exc)}") from exc
    if (cache.directory / cache.file_for(runtime)).is_file():
        try:
            return _load(cache.directory, cache.file_for(runtime), threads)
        except Exception as exc:  # a damaged or foreign file: ONNX Runtime, optimum or the OS says so
            log.warning(
                "the cached ONNX model in %s does not load (%s); exporting it again",
                cache.directory,
                one_line(exc),
            )
            cache.remove()
    try:
        cache.ensure(runtime)
        return _load(cache.directory, cache.file_for(runtime), threads)
    except Exception as exc:  # export and load fail in many ways (torch, onnx, optimum, ONNX Runtime, OS)
        raise ModelLoadError(
            f"cannot export or load the ONNX model in {cache.directory}: {one_line(exc)}"
        ) from exc
