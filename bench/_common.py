"""bench/_common.py: helpers shared by the benchmarks (timing, machine info, result rows, docs)."""

from __future__ import annotations

import json
import os
import platform
import re
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
DOCS_PATH = ROOT / "docs" / "benchmarks.md"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Wall seconds of one call and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_time(fn: Callable[[int], Any], reps: int, warmup: int = 1) -> tuple[float, list[float], list[Any]]:
    """Calls fn(rep) warmup times untimed, then reps times; returns the median seconds, every
    timing, and the results of the timed calls."""
    for w in range(warmup):
        fn(-1 - w)
    times, results = [], []
    for rep in range(reps):
        seconds, result = timed(lambda: fn(rep))
        times.append(seconds)
        results.append(result)
    return statistics.median(times), times, results


def cpu_model() -> str:
    """lscpu's model name (falls back to platform.processor())."""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        match = re.search(r"^Model name:\s*(.+)$", out, re.MULTILINE)
        if match:
            return match.group(1).strip()
    except (OSError, subprocess.CalledProcessError):
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    """CPU model, logical cores and Python version, for result rows and docs."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "python": platform.python_version()}


def emit(row: dict[str, Any]) -> None:
    """Prints one result row as a single JSON line."""
    print(json.dumps(row), flush=True)


def append_results(name: str, rows: list[dict[str, Any]]) -> Path:
    """Appends rows to bench/results/<name>.jsonl, stamped with the date and the machine."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.jsonl"
    stamp = {"date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **machine()}
    with path.open("a") as f:
        for row in rows:
            f.write(json.dumps({**row, **stamp}) + "\n")
    return path


def replace_doc_section(title: str, body: str) -> Path:
    """Replaces the '## title' section of docs/benchmarks.md (up to the next '## ' heading) by
    body, or appends it; other sections are left as they are."""
    header = ("# Benchmarks\n\nWritten by the full runs of `bench/*.py` "
              "(see DESIGN.md, \"Benchmark contract\").\n")
    text = DOCS_PATH.read_text() if DOCS_PATH.exists() else header
    section = f"## {title}\n\n{body.strip()}\n"
    pattern = re.compile(rf"^## {re.escape(title)}\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1).rstrip() + "\n"
    else:
        text = text.rstrip() + "\n\n" + section
    DOCS_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOCS_PATH.write_text(text)
    return DOCS_PATH
