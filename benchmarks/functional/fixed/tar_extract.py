"""CWE-22: unpack an uploaded archive without checking its members."""

import os
import tarfile


def unpack(archive, dest):
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return sorted(os.listdir(dest))


def main(archive: str, dest: str = "extracted") -> list:
    os.makedirs(dest, exist_ok=True)
    return unpack(archive, dest)
