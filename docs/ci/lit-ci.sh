#!/bin/sh
# lit in any CI; the GitHub Actions workflow beside this file runs the same steps.
#
#   lit-ci.sh check   pull requests: fail when code.lock/ does not match the prompts (no key, no network)
#   lit-ci.sh main    the main branch: regenerate what changed within a budget and commit it
#
# Environment: LIT          the lit to run; or
#              LIT_PACKAGE  what pip installs into .lit-ci-venv to get it: a lit wheel (built in lit's clone
#                           with `python -m pip wheel --no-deps -w dist .`) or a pip requirement (lit is not on PyPI)
#              LIT_MAX_COST the most one run may spend, in USD (default 5)
#              LIT_JOBS     parallel generations (default 8)
#              LIT_PUSH     1 to push the commit
# Run it from the project root (where lit.toml is), in a clone with a git identity configured.
set -eu
mode="${1:-check}"
if [ -z "${LIT:-}" ]; then
  if [ -z "${LIT_PACKAGE:-}" ]; then
    echo "lit-ci.sh: set LIT (a lit command) or LIT_PACKAGE (a lit wheel or pip requirement to install)" >&2
    exit 2
  fi
  python3 -m venv .lit-ci-venv
  .lit-ci-venv/bin/pip install --quiet "$LIT_PACKAGE"
  LIT=.lit-ci-venv/bin/lit
fi
case "$mode" in
  check)
    exec "$LIT" check
    ;;
  main)
    status=0
    "$LIT" check || status=$?
    if [ "$status" -eq 0 ]; then exit 0; fi
    if [ "$status" -ne 1 ]; then exit "$status"; fi   # 2: a broken project is reported, never regenerated
    "$LIT" regenerate -j "${LIT_JOBS:-8}" --max-cost "${LIT_MAX_COST:-5}"
    git add -A prompts lit.toml code.lock .lit
    if git diff --cached --quiet; then
      echo "lit-ci: nothing to commit"
      exit 0
    fi
    git commit -q -m "lit regenerate"
    if [ "${LIT_PUSH:-0}" = 1 ]; then git push; fi
    ;;
  *)
    echo "usage: lit-ci.sh check|main" >&2
    exit 2
    ;;
esac
