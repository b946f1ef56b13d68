"""lit.toml: every lit v1 key accepted, lit's additions, and errors that name file, key, line and a fix."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lit_tasks.io.errors import ConfigError, LitError
from lit_tasks.model.config import load_config, parse_config

V1_FULL = """\
[project]
name = "lit-demo-crud"
version = "0.1.0"
mapping = "manifest"

[language]
default = "python"
version = "3.12"

[framework]
name = "fastapi"
version = "0.115"

[model]
provider = "anthropic"
model = "claude-sonnet-4-5-20250929"
temperature = 0.0
seed = 42

[model.api]
key_env = "LIT_API_KEY"

[model.pricing]
input_per_million = 3.0
output_per_million = 15.0

[[static]]
path = "README.md"
content = "generated"

[[static]]
path = "pkg/__init__.py"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "lit.toml").write_text(textwrap.dedent(text))
    return tmp_path


def test_a_complete_lit_v1_config_loads_unchanged(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, V1_FULL))
    assert config.project.name == "lit-demo-crud"
    assert config.framework is not None and config.framework.name == "fastapi"
    assert config.model.temperature == 0.0 and config.model.seed == 42
    assert config.model.api.key_env == "LIT_API_KEY"
    assert config.model.pricing is not None and config.model.pricing.output_per_million == 15.0
    assert [s.path for s in config.static] == ["README.md", "pkg/__init__.py"]
    assert config.static[1].content == ""


def test_lit_additions_base_url_and_max_tokens(tmp_path: Path) -> None:
    text = V1_FULL.replace('[model.api]\nkey_env = "LIT_API_KEY"', '[model.api]\nbase_url = "http://localhost:11434"')
    text = text.replace("seed = 42", "seed = 42\nmax_tokens = 4096")
    config = load_config(write(tmp_path, text))
    assert config.model.api.base_url == "http://localhost:11434"
    assert config.model.max_tokens == 4096


def test_sampling_parameters_are_optional(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[project]\nname = "x"\n[model]\nmodel = "claude-sonnet-5"\n'))
    assert config.model.temperature is None and config.model.seed is None


def test_a_misspelt_key_names_file_line_and_the_nearest_key(tmp_path: Path) -> None:
    text = V1_FULL.replace("temperature = 0.0", "temprature = 0.0")
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    message = str(err.value)
    line = text.splitlines().index("temprature = 0.0") + 1
    assert f"lit.toml:{line}" in message
    assert "unknown key `model.temprature`" in message
    assert "did you mean `temperature`" in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ('[project]\nname = "x"\n[model]\nprovider = "replay"\nmodel = 3\n', "lit.toml:5: `model.model` = 3"),
        ('[project]\nname = "x"\n[model]\nmodel = "m"\napi.tmeout_s = 3\n', "lit.toml:5: unknown key `model.api.tmeout_s`"),
        ('[project]\nname = "x"\n[model]\nmodel = "m"\n[[static]]\ncontent = ""\n', "lit.toml:5: missing required key `static.path`"),
    ],
)  # fmt: skip
def test_a_nested_key_error_names_the_line_of_that_key(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text))
    assert expected in str(err.value)


def test_an_unknown_table_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown key `modle`.*did you mean `model`"):
        load_config(write(tmp_path, V1_FULL + "\n[modle]\nx = 1\n"))


def test_out_of_range_temperature(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="model.temperature"):
        load_config(write(tmp_path, V1_FULL.replace("temperature = 0.0", "temperature = 3.0")))


@pytest.mark.parametrize("mode", ["manifest", "direct", "modular", "inferred"])
def test_all_four_mapping_modes_load(tmp_path: Path, mode: str) -> None:
    config = load_config(write(tmp_path, V1_FULL.replace('mapping = "manifest"', f'mapping = "{mode}"')))
    assert config.project.mapping == mode


def test_an_unknown_mapping_mode_names_the_four(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="manifest.*direct.*modular.*inferred"):
        load_config(write(tmp_path, V1_FULL.replace('mapping = "manifest"', 'mapping = "guessed"')))


def test_invalid_toml_reports_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"invalid TOML.*line 2"):
        load_config(write(tmp_path, '[project]\nname = "x\n'))


def test_unsafe_static_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="static"):
        load_config(write(tmp_path, V1_FULL.replace('path = "README.md"', 'path = "../README.md"')))


TOML_LIKE = st.text(alphabet=st.sampled_from(list('[]."=\n #abcdeflmnoprstuv0123456789_-')), max_size=200)
KEYS = st.sampled_from(
    [
        "project",
        "name",
        "model",
        "provider",
        "temperature",
        "seed",
        "api",
        "key_env",
        "static",
        "path",
        "language",
        "default",
        "mapping",
        "pricing",
        "budget",
        "max_tokens",
        "temprature",
    ]
)
VALUES = st.one_of(
    st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8), st.booleans()
)
TABLES = st.dictionaries(
    KEYS,
    st.one_of(VALUES, st.dictionaries(KEYS, st.one_of(VALUES, st.dictionaries(KEYS, VALUES, max_size=3)), max_size=4)),
    max_size=5,
)


@settings(max_examples=1500, deadline=None)
@given(
    st.one_of(
        st.binary(max_size=200),
        TOML_LIKE.map(str.encode),
        st.integers(0, len(V1_FULL)).map(lambda n: V1_FULL[:n].encode()),
    )
)
def test_any_bytes_give_a_config_or_a_lit_error(data: bytes) -> None:
    try:
        parse_config(data)
    except LitError as err:
        assert str(err)


@settings(max_examples=1500, deadline=None)
@given(TABLES)
def test_any_toml_document_gives_a_config_or_a_lit_error(doc: dict) -> None:
    import tomlkit

    try:
        parse_config(tomlkit.dumps(doc).encode())
    except LitError as err:
        assert "lit.toml" in str(err)
