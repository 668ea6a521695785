"""CWE-78: disk usage read from os.popen."""

import os


def disk_usage(path):
    output = os.popen("du -sh " + path).read()
    return output.split()[0] if output else "?"


def main(path: str) -> str:
    return f"{path}: {disk_usage(path)}"
