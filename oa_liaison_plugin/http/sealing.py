"""Host secrets sealed at rest (AES-GCM) with a key kept in the instance folder, not in the database."""
from __future__ import annotations

import base64
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_PREFIX = "v1:"


class SealError(RuntimeError):
    """A sealed secret that cannot be opened (another instance's key, or a damaged row)."""


def _key(config) -> bytes:
    env = config.get("HOSTS_KEY")
    if env:
        return base64.urlsafe_b64decode(str(env).encode())[:32].ljust(32, b"\0")
    path = Path(config.get("HOSTS_KEY_FILE") or Path(config["FILES_DIR"]).parent / "hosts.key")
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: of two processes creating it at once, one writes and both read the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)))
    data = base64.urlsafe_b64decode(path.read_bytes().strip())
    if len(data) != 32:
        raise SealError(f"密钥文件 {path} 无效（应为 32 字节的 base64）")
    return data


def seal(config, secret: bytes) -> str:
    nonce = os.urandom(12)
    return _PREFIX + base64.b64encode(nonce + AESGCM(_key(config)).encrypt(nonce, secret, b"host-secret")).decode()


def unseal(config, sealed: str) -> bytes:
    if not sealed.startswith(_PREFIX):
        raise SealError("未知的密文格式")
    raw = base64.b64decode(sealed[len(_PREFIX):])
    try:
        return AESGCM(_key(config)).decrypt(raw[:12], raw[12:], b"host-secret")
    except InvalidTag:
        raise SealError("主机密钥无法解开（实例目录的 hosts.key 与数据库不匹配）") from None
