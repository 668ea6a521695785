"""CWE-78: count matching log lines with grep through a shell."""

import subprocess


def count_matches(pattern, logfile):
    result = subprocess.run(["grep", "-c", pattern, logfile], capture_output=True, text=True)
    return result.stdout.strip()


def main(pattern: str, logfile: str = "app.log") -> str:
    return f"{count_matches(pattern, logfile)} lines match {pattern}"
