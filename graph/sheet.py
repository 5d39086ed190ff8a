"""Paths into the fact sheet (facts.yaml) and the text of its blocks.

A *block* is a part of the sheet with its own ``sources`` list. A path names it: keys of
mappings, list items by their ``id`` (else by index), joined with ``/``, e.g.
``projects/arbeit-40/funding``, ``stated_counts/6``, ``programme/goals/0``.
"""

from __future__ import annotations

from typing import Any

from graph.errors import InputError


def resolve(sheet: dict[str, Any], path: str) -> Any:
    """The node of ``sheet`` at ``path`` (InputError when there is none)."""
    node: Any = sheet
    for part in path.split("/"):
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list):
            match = [item for item in node if isinstance(item, dict) and item.get("id") == part]
            if match:
                node = match[0]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                raise InputError(f"no item {part!r} in the sheet at {path!r}", source="facts.yaml")
        else:
            raise InputError(f"no sheet node at {path!r}", source="facts.yaml")
    return node


def scalars(node: Any) -> list[str]:
    """The texts of ``node`` (``key: value`` for each scalar), leaving out ``sources`` and
    nested blocks (mappings with their own sources)."""
    out: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "sources" or (isinstance(value, dict) and "sources" in value):
                continue
            if isinstance(value, dict | list):
                out += scalars(value)
            elif value is not None:
                out.append(f"{key}: {value}")
    elif isinstance(node, list):
        for item in node:
            if not (isinstance(item, dict) and "sources" in item):
                out += scalars(item) if isinstance(item, dict | list) else [str(item)]
    elif node is not None:
        out.append(str(node))
    return out


def block_text(sheet: dict[str, Any], path: str) -> str:
    """All texts of the block at ``path``, one per line."""
    return "\n".join(scalars(resolve(sheet, path)))


def block_sources(sheet: dict[str, Any], path: str) -> list[str]:
    """The sources of the block at ``path``: its own list, a source's own id for an entry of
    the sources section, or the sources of all its sub-blocks (programme, phases)."""
    node = resolve(sheet, path)
    if isinstance(node, dict) and "sources" in node:
        return list(node["sources"])
    if path.startswith("sources/"):
        return [node["id"]]
    found: list[str] = []
    _collect_sources(node, found)
    return found


def _collect_sources(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for s in node.get("sources", []):
            if s not in out:
                out.append(s)
        for key, value in node.items():
            if key != "sources":
                _collect_sources(value, out)
    elif isinstance(node, list):
        for item in node:
            _collect_sources(item, out)
