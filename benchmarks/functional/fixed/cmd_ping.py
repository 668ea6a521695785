"""CWE-78: reachability check through os.system."""

import subprocess


def ping(host):
    status = subprocess.run(["ping", "-c", "1", host], check=False).returncode
    return status == 0


def main(host: str) -> str:
    return f"{host} is {'up' if ping(host) else 'down'}"
