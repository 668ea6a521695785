"""CWE-78: account information with os.system and an f-string."""

import subprocess


def show_user(user):
    return subprocess.run(["id", user], check=False).returncode


def main(user: str) -> str:
    return "known" if show_user(user) == 0 else "unknown"
