"""YAML frontmatter read with the YAML 1.2 core schema, on PyYAML's C parser (libyaml).

Why not PyYAML's own schema: it is YAML 1.1, where `on`, `no` and `y` are booleans and `017` is octal, so an
output named `no` would become `False`. lit v1 read frontmatter with serde_yaml, which follows YAML 1.2, and a
v1 project must read the same here. Why not ruamel.yaml (which speaks 1.2): its safe loader builds every
value in Python, 0.40 ms per frontmatter against 0.10 ms here (the 1,000 frontmatters of the N=1000
benchmark project), and a first build, or any command after a pull, parses every changed prompt.

The core schema (YAML 1.2.2, 10.3.2): `null`/`~`/empty is None, `true`/`false` (three spellings each) are
booleans, decimal, `0o` octal and `0x` hex are ints, the spec's floats with `.inf`/`.nan`; every other plain
scalar is a string (dates too). Merge keys (`<<`) work, and a key given twice is an error, not a silent
overwrite.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

YAMLError = yaml.YAMLError

_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the pure-Python parser if libyaml is absent


class CoreSchemaLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: dict[str | None, list[tuple[str, re.Pattern[str]]]] = {}

    def construct_yaml_int(self, node: yaml.ScalarNode) -> int:
        value = self.construct_scalar(node)
        if value.startswith(("0o", "0x")):
            return int(value[2:], 8 if value[1] == "o" else 16)
        return int(value)  # 1.1's leading-zero octal is gone: `017` is 17

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.tag != "tag:yaml.org,2002:merge":
                if key_node.value in seen:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"key `{key_node.value}` is given twice",
                        key_node.start_mark,
                    )
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


CoreSchemaLoader.add_constructor("tag:yaml.org,2002:int", CoreSchemaLoader.construct_yaml_int)

_RESOLVERS = [
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        list("-+0123456789."),
    ),
    ("tag:yaml.org,2002:merge", r"<<", ["<"]),
]
for _tag, _pattern, _first in _RESOLVERS:
    CoreSchemaLoader.add_implicit_resolver(_tag, re.compile(rf"^(?:{_pattern})$"), _first)


def load(text: str) -> Any:
    """The one document in `text`; raises YAMLError (with `problem` and `problem_mark`) when it is not YAML."""
    return yaml.load(text, Loader=CoreSchemaLoader)  # noqa: S506 - a safe loader with the core schema
