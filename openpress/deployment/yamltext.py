"""Deterministic YAML text: keys in the order given, sequences indented, multi-line strings as
literal blocks, every document starting with the "generated; do not edit" line."""

from __future__ import annotations

from typing import Any

import yaml

from openpress.deployment.model import GENERATED_LINE


class _Dumper(yaml.SafeDumper):
    # Indented sequences under a key, as yamllint and kubectl print them.
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    # No anchors and aliases: every block is spelled out where it applies.
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str)


class Override(list):
    """A sequence compose takes instead of the one of an earlier file (compose's ``!override``
    tag, compose 2.24.4 and later), where merging would keep the earlier file's entries."""


def _override(dumper: yaml.SafeDumper, data: Override) -> yaml.SequenceNode:
    return dumper.represent_sequence("!override", list(data))


_Dumper.add_representer(Override, _override)


def dump(*documents: Any, header: str = "") -> str:
    """Documents as one YAML text, after the generated line and an optional comment header."""
    body = yaml.dump_all(
        documents,
        Dumper=_Dumper,
        sort_keys=False,
        default_flow_style=False,
        explicit_start=True,
        width=4096,
        allow_unicode=True,
    )
    lines = [GENERATED_LINE]
    lines += [f"# {line}".rstrip() for line in header.splitlines()]
    return "\n".join(lines) + "\n" + body
