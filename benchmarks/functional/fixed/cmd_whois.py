"""CWE-78: whois lookup with os.popen and str.format."""

import subprocess


def whois(domain):
    return subprocess.run(["whois", domain], capture_output=True, text=True, check=False).stdout


def registrar(text):
    for line in text.splitlines():
        if line.lower().startswith("registrar:"):
            return line.split(":", 1)[1].strip()
    return text.strip()[:40]


def main(domain: str) -> str:
    return registrar(whois(domain))
