"""The object every command receives: one rich console, and the ways to end a run."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

from promsec_ci.records import Notice


class Abort(Exception):
    """Ends the command with ``code`` after printing ``message`` on one line."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class App:
    def __init__(self, *, color: bool | None = None, verbose: int = 0) -> None:
        self.verbose = verbose
        self.console = Console(highlight=False, soft_wrap=True, force_terminal=color, no_color=color is False)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True, force_terminal=color,
                           no_color=color is False)

    def display_info(self, text: str) -> None:
        self.err.print(escape(text))

    def display_warning(self, text: str) -> None:
        self.err.print(f"[yellow]warning:[/] {escape(text)}")

    def display_notice(self, notice: Notice) -> None:
        """A pipeline notice, with its level (``note`` or ``warning``/``error``)."""
        text = f"{notice.path}: {notice.message}" if notice.path else notice.message
        if notice.level == "note":
            self.err.print(f"note: {escape(text)}")
        else:
            self.display_warning(text)

    def abort(self, text: str, code: int = 2) -> None:
        raise Abort(text, code)
