"""CWE-78: database dump with a shell redirect (no argv-list fix keeps the redirect)."""

import os
import shlex


def backup(database):
    quoted = shlex.quote(database)
    return os.system(f"pg_dump {quoted} > {quoted}.sql")


def main(database: str) -> str:
    return "backed up" if backup(database) == 0 else "backup failed"
