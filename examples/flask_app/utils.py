"""Clean helpers: nothing here should be reported."""

import hashlib
import json


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_config(text: str) -> dict:
    return json.loads(text)


def greeting(name: str) -> str:
    return f"Hello, {name}!"
