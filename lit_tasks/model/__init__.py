"""model: what a project says. lit.toml and prompt files as validated models (`config`, `prompt`, read as YAML
1.2 by `core_schema`), module defaults (`modules`), a prompt's effective settings (`settings`), path rules
(`paths`), discovering the sources (`discovery`), the import graph (`graph`), pinned plans (`manifests`),
rewriting a prompt's imports (`retarget`), and the loaded project (`project`). It imports only `io`."""
