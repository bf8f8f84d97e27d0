"""Atomic file writes: a reader sees the old file or the new one, never half of it; only regular files are written."""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

STDOUT = "-"


class OutputError(OSError):
    """An output path that is not written: a device, FIFO, directory or socket (the message is Chinese)."""

    def __str__(self) -> str:
        return self.args[0]


def to_stdout(out) -> bool:
    """``--out -``: the bytes go to standard output (messages then go to standard error)."""
    return str(out) == STDOUT


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _target(out: Path) -> tuple[Path, int | None]:
    """The path really written (a symlink's target: written through, never replaced) and the mode it keeps."""
    if out.is_symlink():
        out = Path(os.path.realpath(out))
    try:
        st = os.stat(out)
    except FileNotFoundError:
        return out, None
    if not stat.S_ISREG(st.st_mode):
        kind = ("目录" if stat.S_ISDIR(st.st_mode) else "命名管道（FIFO）" if stat.S_ISFIFO(st.st_mode)
                else "设备文件" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode) else "套接字等特殊文件")
        raise OutputError(f"输出路径 {out} 是{kind}，不是普通文件，不写入（写到标准输出请用 --out -）")
    return out, stat.S_IMODE(st.st_mode)


def write_atomic(out: str | Path, data: bytes) -> None:
    """Write to a temporary file beside ``out`` (same file system), fsync, then os.replace.

    ``-`` is standard output. An existing target must be a regular file (a device, FIFO or directory is
    refused with OutputError, untouched); a symlink is followed and its target replaced. A new file gets
    the umask's mode, an existing one keeps its own.
    """
    if to_stdout(out):
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    out, mode = _target(Path(out))
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode if mode is not None else 0o666 & ~_umask())
            os.fsync(fh.fileno())
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class UnreadableInput(OSError):
    """An input path that is not read: not a regular file, missing, or over its size (the message is Chinese)."""

    def __str__(self) -> str:
        return self.args[0]


def read_input(path: str | Path, *, max_bytes: int) -> bytes:
    """A regular file's bytes, at most ``max_bytes`` (FIFOs, devices and directories refused before opening)."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise UnreadableInput(f"文件不存在：{path}") from None
    except OSError as exc:
        raise UnreadableInput(f"无法读取 {path}：{exc.strerror or exc}") from None
    if not stat.S_ISREG(st.st_mode):
        raise UnreadableInput(f"{path} 不是普通文件（目录、命名管道、设备文件不能作为输入）")
    # O_NONBLOCK: should the path become a FIFO after the check, opening it still does not wait.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise UnreadableInput(f"{path} 不是普通文件（目录、命名管道、设备文件不能作为输入）")
        data = fh.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UnreadableInput(f"文件 {path} 过大（上限 {max_bytes} 字节）")
    return data
