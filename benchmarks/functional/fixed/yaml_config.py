"""CWE-502: configuration parsed with the full YAML loader."""

import yaml


def parse_config(text):
    return yaml.safe_load(text)


def main(text: str) -> dict:
    config = parse_config(text)
    return {"type": type(config).__name__, "value": config}
