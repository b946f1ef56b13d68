"""Frontmatter YAML: ruamel.yaml's safe loader (on libyaml when ruamel.yaml.clib is installed) reading the YAML 1.2
core schema.

lit v1 read frontmatter as YAML 1.2, so a v1 project must read the same here: an output named `no` or `on` is a
file name, not a boolean, and `017` is 17, not 1.1's octal 15. ruamel.yaml reads 1.2, but its resolver goes
beyond the core schema: `1_000` and `0b101` become ints, `2024-01-01` a date, and a plain `=` is 1.1's "value"
key, which its safe loader refuses. No ruamel setting narrows that, so the loader below is ruamel's own safe
loader with the core schema's tag resolution (YAML 1.2.2, 10.3.2) in place of ruamel's table: `null`/`~`/empty,
`true`/`false` in three spellings, decimal, `0o` and `0x` ints, the spec's floats; every other plain scalar is a
string. Parsing, building the values, merge keys (`<<`) and refusing a key given twice are ruamel's.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, SafeConstructor
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import BaseResolver

__all__ = ["CoreSchemaResolver", "YAMLError", "load"]

CORE_SCHEMA = [  # (tag, pattern, first characters), from the spec's table
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", list("tTfF")),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
        list("-+0123456789."),
    ),
    ("tag:yaml.org,2002:merge", r"<<", ["<"]),  # not in the core schema; lit v1 read merge keys
]


class CoreSchemaResolver(BaseResolver):
    yaml_implicit_resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    processing_version = (1, 2)  # what ruamel's int and float constructors ask: `017` is decimal

    def __init__(self, version: Any = None, loader: Any = None, loadumper: Any = None) -> None:
        super().__init__(loadumper if loadumper is not None else loader)  # `version`: always 1.2


for _tag, _pattern, _first in CORE_SCHEMA:
    CoreSchemaResolver.add_implicit_resolver_base(_tag, re.compile(rf"^(?:{_pattern})$"), _first)


class CoreSchemaConstructor(SafeConstructor):
    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key in mapping:  # ruamel's own message quotes both values; this one names the key
            raise DuplicateKeyError(
                "while reading a mapping", node.start_mark, f"key `{key}` is given twice", key_node.start_mark
            )
        return True


try:
    from ruamel.yaml.cyaml import CSafeLoader

    class LibyamlLoader(CoreSchemaConstructor, CoreSchemaResolver, CSafeLoader):  # type: ignore[misc]
        """ruamel's C loader, built per document (thread-safe); 2.5x faster than going through `YAML()`."""

        __init__ = CSafeLoader.__init__

except ImportError:  # no ruamel.yaml.clib for this interpreter: the pure-Python loader, about 9x slower
    LibyamlLoader = None  # type: ignore[assignment, misc]


def load(text: str, *, pure: bool = False) -> Any:
    """The one document in `text`; raises YAMLError (with `problem` and `problem_mark`) when it is not YAML."""
    if LibyamlLoader is None or pure:
        return _pure_python().load(text)
    loader = LibyamlLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _pure_python() -> YAML:
    """A new `YAML` each time: it keeps the document being read, and prompts may be parsed on several threads."""
    yaml = YAML(typ="safe", pure=True)
    yaml.Resolver = CoreSchemaResolver
    yaml.Constructor = CoreSchemaConstructor
    return yaml
