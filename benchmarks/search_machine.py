"""The machine a benchmark ran on, stored beside every result (numbers mean little without it)."""

from __future__ import annotations

import os
import platform
from typing import Dict, Union


def machine() -> Dict[str, Union[str, int, float]]:
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = 0.0
    try:
        for line in open("/proc/meminfo", encoding="utf-8"):
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory_gb": memory_gb,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average_1m_at_end": round(load[0], 2),
        "note": "shared 2-core machine; other engineers' jobs ran at the same time (see load average)",
    }
