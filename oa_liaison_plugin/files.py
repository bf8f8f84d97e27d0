"""Atomic file writes: a reader sees the old file or the new one, never half of it."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(out: str | Path, data: bytes) -> None:
    """Write to a temporary file beside ``out`` (same file system), fsync, then os.replace."""
    out = Path(out)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
