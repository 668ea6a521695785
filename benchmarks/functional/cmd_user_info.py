"""CWE-78: account information with os.system and an f-string."""

import os


def show_user(user):
    return os.system(f"id {user}")


def main(user: str) -> str:
    return "known" if show_user(user) == 0 else "unknown"
