"""CWE-22: serve a file from the files folder (Bandit has no rule for this one)."""

import os

BASE = "files"


def read_file(filename):
    base = os.path.realpath(BASE)
    path = os.path.realpath(os.path.join(base, filename))
    if os.path.commonpath([base, path]) != base:
        raise FileNotFoundError(filename)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def main(filename: str) -> str:
    try:
        return read_file(filename)
    except FileNotFoundError:
        return "not found"
