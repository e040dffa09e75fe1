"""Prompt files under ``prompts/``: plain text with ``string.Template`` ``$variables``.

Each prompt is loaded once, at start-up, together with the exact set of variables its caller will
fill. A file that uses a variable nobody fills, leaves out one the caller relies on, or holds a
malformed ``$`` fails loudly with ``ConfigError`` then, never halfway through a request. A literal
dollar sign is written ``$$``.

Values are substituted once and never re-read as templates, so a ``$word`` inside article text is
inert.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from string import Template

from .errors import ConfigError

#: The prompt folder: ``qa/prompt_files``, a link to the repository's ``prompts/`` in a checkout
#: (an editable install included) and a copy of its files in a built wheel (package data).
PROMPT_DIR = Path(__file__).resolve().parent / "prompt_files"


@dataclass(frozen=True)
class Prompt:
    """A checked template: ``variables`` is exactly the set of names the file uses."""

    name: str
    path: Path
    template: Template
    variables: frozenset[str]

    def render(self, **values: object) -> str:
        """The prompt with every variable filled; a value missing or not in the file is a bug."""
        given = set(values)
        if given != self.variables:
            missing = sorted(self.variables - given)
            unknown = sorted(given - self.variables)
            raise ConfigError(
                f"prompt {self.name!r} rendered with missing {missing} / unknown {unknown} values"
            )
        return self.template.substitute({k: str(v) for k, v in values.items()})


def load_prompt(name: str, variables: Iterable[str], directory: Path | None = None) -> Prompt:
    """``<directory>/<name>.txt`` checked against ``variables`` (the names the caller fills)."""
    path = (directory or PROMPT_DIR) / f"{name}.txt"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt file {path} is missing") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"prompt file {path} cannot be read: {exc}") from exc
    template = Template(text)
    bad = _invalid_placeholder(template)
    if bad is not None:
        line, col = bad
        raise ConfigError(
            f"{path}:{line}:{col}: malformed placeholder (use $name or ${{name}}; $$ for a dollar)"
        )
    expected = frozenset(variables)
    used = frozenset(template.get_identifiers())
    unknown, missing = sorted(used - expected), sorted(expected - used)
    if unknown or missing:
        parts = []
        if unknown:
            parts.append("unknown variables " + ", ".join(f"${v}" for v in unknown))
        if missing:
            parts.append("missing variables " + ", ".join(f"${v}" for v in missing))
        raise ConfigError(f"{path}: {'; '.join(parts)} (expected exactly: "
                          f"{', '.join('$' + v for v in sorted(expected))})")
    return Prompt(name=name, path=path, template=template, variables=expected)


def _invalid_placeholder(template: Template) -> tuple[int, int] | None:
    """(line, column), both from 1, of the first ``$`` that is not a valid placeholder."""
    for m in template.pattern.finditer(template.template):
        if m.group("invalid") is not None:
            i = m.start()
            before = template.template[:i]
            return before.count("\n") + 1, i - (before.rfind("\n") + 1) + 1
    return None
