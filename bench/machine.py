"""The machine a benchmark ran on: CPU model, vector extensions, load; printed next to every figure."""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Final

# Vector / matrix extensions that change how fast numeric and parsing code runs, in the order printed.
VECTOR_FLAGS: Final = (
    "sse4_2",
    "avx",
    "avx2",
    "fma",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx512_vnni",
    "avx512_bf16",
    "avx512_fp16",
    "amx_tile",
    "amx_bf16",
    "amx_int8",
)


def _cpuinfo() -> dict[str, str]:
    """The first processor's fields of /proc/cpuinfo (empty where there is none)."""
    path = Path("/proc/cpuinfo")
    if not path.exists():
        return {}
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        fields[key.strip()] = value.strip()
    return fields


def cpu_line() -> str:
    """One line: model, logical CPUs, vector extensions present (and AMX absent), load average."""
    info = _cpuinfo()
    model = info.get("model name") or platform.processor() or platform.machine()
    flags = set(info.get("flags", "").split())
    vectors = [flag for flag in VECTOR_FLAGS if flag in flags]
    if not any(flag.startswith("amx") for flag in vectors):
        vectors.append("(no AMX)")
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    return f"CPU: {model}, {os.cpu_count()} logical CPUs; vector: {' '.join(vectors)}; load average {load}"


if __name__ == "__main__":
    print(cpu_line())
