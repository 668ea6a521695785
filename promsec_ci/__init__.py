"""promsec-ci: a CI security gate that finds the CWEs a change introduces and proposes verified fixes."""

__version__ = "0.1.0"
