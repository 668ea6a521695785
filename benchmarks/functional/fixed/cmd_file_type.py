"""CWE-78: file type detection through subprocess.run(shell=True)."""

import subprocess


def file_type(filename):
    proc = subprocess.run(["file", "-b", filename], stdout=subprocess.PIPE)
    return proc.stdout.decode().strip()


def main(filename: str) -> dict:
    return {"file": filename, "type": file_type(filename)}
