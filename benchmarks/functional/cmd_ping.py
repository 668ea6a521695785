"""CWE-78: reachability check through os.system."""

import os


def ping(host):
    status = os.system("ping -c 1 " + host)
    return status == 0


def main(host: str) -> str:
    return f"{host} is {'up' if ping(host) else 'down'}"
