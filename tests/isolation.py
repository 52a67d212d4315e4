"""Run one call in a forked child with a memory cap and a time limit, so that a reader that aborts the
process (calamine's SIGABRT on a huge allocation) or runs away is a test failure, not a dead test run.

The child is forked from the test process, so perfeval_utils and pandas are already imported and a
case costs milliseconds, not a fresh interpreter. The cap is on the address space
(``RLIMIT_AS``): what the process had mapped at the fork plus :data:`HEADROOM`; the peak resident
memory (``VmHWM``, reset at the start of the child) and the wall time are reported back.
"""

from __future__ import annotations

import json
import os
import resource
import select
import signal
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: Address space a case may add to what the process had mapped when it was forked.
HEADROOM = 1024 * 1024 * 1024
#: Wall-clock limit of one case (the goal is 5 s; a loaded 2-core machine gets slack before a kill).
TIMEOUT = 30.0


def _status(field: str) -> int:
    """A /proc/self/status figure in bytes (VmSize, VmHWM, VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def isolated(call: Callable[[], dict[str, Any]], headroom: int = HEADROOM, timeout: float = TIMEOUT) -> dict[str, Any]:
    """``call()`` in a forked child: its dict plus ``seconds``, ``peak_mb`` (resident, the whole process),
    ``grew_mb`` (peak over the resident size at the fork) and ``exit`` ('ok', 'signal N', 'timeout',
    'exception …'). ``call`` must return a JSON-serialisable dict."""
    if not sys.platform.startswith("linux"):  # fork and /proc: Linux only; elsewhere run in-process
        start = time.perf_counter()
        result = call()
        return {**result, "seconds": time.perf_counter() - start, "peak_mb": 0.0, "grew_mb": 0.0, "exit": "ok"}
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child
        code = 0
        try:
            os.close(read_end)
            limit = _status("VmSize") + headroom
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current resident size
            base = _status("VmRSS")
            start = time.perf_counter()
            try:
                result = call()
                result["exit"] = "ok"
            except BaseException as exc:  # anything but a return is reported, never raised into pytest
                result = {"exit": f"exception {type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
            result["seconds"] = time.perf_counter() - start
            peak = _status("VmHWM")
            result["peak_mb"] = peak / 2**20
            result["grew_mb"] = (peak - base) / 2**20
            data = json.dumps(result, default=str).encode()
            view = memoryview(data)
            while view:
                view = view[os.write(write_end, view):]
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([read_end], [], [], remaining)[0]:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return {"exit": "timeout", "seconds": timeout, "peak_mb": float("nan"), "grew_mb": float("nan")}
            chunk = os.read(read_end, 65536)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return {"exit": f"signal {os.WTERMSIG(status)}", "seconds": float("nan"), "peak_mb": float("nan"),
                "grew_mb": float("nan")}
    if not chunks:
        return {"exit": f"child exited {os.WEXITSTATUS(status)} without a result", "seconds": float("nan"),
                "peak_mb": float("nan"), "grew_mb": float("nan")}
    return json.loads(b"".join(chunks))
