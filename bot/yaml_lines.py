"""Load YAML while keeping the line of every mapping key and list item, for error messages."""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class LineDict(dict[str, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[str, int]
    text_lines: dict[str, int]


class LineList(list[Any]):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


class YamlProblem(Exception):
    """A file that is not valid YAML, or has a duplicate key: `line` is 1-based."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


# libyaml's scanner and parser (in C) where PyYAML was built with it, as its wheels are: about
# ten times faster than the pure-Python ones, so a reload spends less time holding the
# interpreter lock; the constructors below are Python either way.
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc]
    """SafeLoader whose mappings and sequences carry line numbers."""


def _construct_mapping(loader: _Loader, node: MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = _line(node)
    result.key_lines = {}
    result.text_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            key = str(key)
        if key in result:
            raise YamlProblem(_line(key_node), f"duplicate key '{key}'")
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _line(key_node)
        if isinstance(value_node, ScalarNode):
            # A block scalar's text starts on the line after its "|" or ">".
            block = value_node.style in ("|", ">")
            result.text_lines[key] = _line(value_node) + (1 if block else 0)
    return result


def _construct_sequence(loader: _Loader, node: SequenceNode) -> LineList:
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = _line(node)
    result.item_lines = [_line(child) for child in node.value]
    return result


def _construct_scalar_str(loader: _Loader, node: ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
# Dates and times stay text: "2024-03-01" in an answer is words, not a datetime.
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_scalar_str)


def load_yaml(text: str) -> Any:
    """Parse one YAML document; raise `YamlProblem` with the line of the first error."""
    try:
        return yaml.load(text, Loader=_Loader)
    except YamlProblem:
        raise
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        what = error.problem or error.context or "not valid YAML"
        if "tab" not in what and ("expected" in what or "not allowed here" in what):
            # The parser stops where the structure stopped making sense, which is often a few
            # lines below a line indented more or less than its neighbours.
            what += "; check the indentation of this line and of the lines just above it"
        raise YamlProblem(line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as error:
        raise YamlProblem(1, f"YAML error: {error}") from None
