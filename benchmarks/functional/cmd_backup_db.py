"""CWE-78: database dump with a shell redirect (no argv-list fix keeps the redirect)."""

import os


def backup(database):
    return os.system("pg_dump %s > %s.sql" % (database, database))


def main(database: str) -> str:
    return "backed up" if backup(database) == 0 else "backup failed"
