"""CWE-78: disk usage read from os.popen."""

import subprocess


def disk_usage(path):
    output = subprocess.run(["du", "-sh", path], capture_output=True, text=True, check=False).stdout
    return output.split()[0] if output else "?"


def main(path: str) -> str:
    return f"{path}: {disk_usage(path)}"
