"""CWE-78: image conversion through Popen with a shell."""

import subprocess


def convert(src, dst):
    proc = subprocess.Popen(["convert", src, dst])
    return proc.wait()


def main(src: str, dst: str = "out.png") -> str:
    return "converted" if convert(src, dst) == 0 else "failed"
