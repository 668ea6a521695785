"""CWE-78: recent commits of a branch via check_output(shell=True)."""

import subprocess


def recent_commits(branch, count):
    out = subprocess.check_output(["git", "log", "-n", str(count), "--oneline", branch])
    return out.decode().splitlines()


def main(branch: str, count: int = 5) -> list:
    return recent_commits(branch, count)
