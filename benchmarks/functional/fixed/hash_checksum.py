"""CWE-327/328: MD5 used as a cache key for file contents (not a security use)."""

import hashlib


def cache_key(content):
    return hashlib.md5(content.encode(), usedforsecurity=False).hexdigest()


def main(content: str) -> str:
    return f"cache/{cache_key(content)}.bin"
