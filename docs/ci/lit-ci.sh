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
#              LIT_PUSH     1 to push the commit; when main moved meanwhile (another job pushed), the commit is
#                           rebased onto it, `lit resolve` settles the generated files (no call where inputs
#                           match), what is still stale is regenerated, and the push is tried again
#              LIT_PUSH_TRIES  how many times to push before giving up (default 4)
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
in_rebase() {
  [ -d "$(git rev-parse --git-path rebase-merge)" ] || [ -d "$(git rev-parse --git-path rebase-apply)" ]
}

# Push; when main moved, rebase onto it, let lit settle the generated files, regenerate what is still stale.
push_racing() {
  tries=1
  until git push -q 2>/dev/null; do
    if [ "$tries" -ge "${LIT_PUSH_TRIES:-4}" ]; then
      echo "lit-ci: main kept moving; gave up after $tries pushes" >&2
      exit 1
    fi
    tries=$((tries + 1))
    echo "lit-ci: main moved; rebasing onto it (push $tries)"
    git fetch -q
    git -c core.editor=true rebase -q "@{upstream}" >/dev/null 2>&1 || true
    while in_rebase; do
      if ! "$LIT" resolve; then
        git rebase --abort
        echo "lit-ci: the prompts conflict with main's; a person must merge them" >&2
        exit 1
      fi
      git -c core.editor=true rebase --continue >/dev/null 2>&1 || git rebase --skip >/dev/null 2>&1 || true
    done
    "$LIT" regenerate -j "${LIT_JOBS:-8}" --max-cost "${LIT_MAX_COST:-5}"
    git add -A prompts lit.toml code.lock .lit
    git diff --cached --quiet || git commit -q -m "lit regenerate"
  done
}

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
    if [ "${LIT_PUSH:-0}" = 1 ]; then push_racing; fi
    ;;
  *)
    echo "usage: lit-ci.sh check|main" >&2
    exit 2
    ;;
esac
