"""CWE-78: pack a folder with tar through subprocess.call(shell=True)."""

import subprocess


def make_archive(name, folder):
    return subprocess.call(["tar", "-czf", f"{name}.tar.gz", folder])


def main(name: str, folder: str = "files") -> str:
    code = make_archive(name, folder)
    return "archived" if code == 0 else f"tar failed with {code}"
