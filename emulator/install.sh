#!/usr/bin/env bash
# Installs LocalStack (localstack-core) into its own Python 3.13 virtualenv, the host Lambda executor
# plugin (emulator/localstack_host_lambda) beside it, a second, small virtualenv that plays Lambda's
# Python runtime for the handlers (boto3 only, as on AWS), and the emulator's copy of AWS's public Powertools
# layer (public-layers/): the pure-Python wheels of the pinned release, installed by pip for the target
# platform (--platform any --abi none: they run on arm64 and x86_64 alike; no Docker). Idempotent: a stamp
# records what was installed, so a rerun with nothing changed returns at once.
#
#   EMULATOR_HOME    where the virtualenvs live (default: <repo>/.emulator)
#   EMULATOR_PYTHON  a Python 3.13 interpreter (default: pyenv's 3.13.x, then python3.13 on PATH)
#
# Exit codes: 0 installed (or already), 3 no Python 3.13 found, 4 pip install failed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
home="${EMULATOR_HOME:-$root/.emulator}"
venv="$home/venv"
runtime="$home/lambda-runtime"
layers="$home/public-layers"
stamp="$home/.installed"

pins=(
  'localstack-core[runtime]==2026.3.0'
  'cbor2<5.8'
  'pyopenssl==24.2.1'
  'cryptography==43.0.3'
  'service_identity==24.2.0'
)
# What Lambda's Python runtime provides to handlers.
runtime_pins=('boto3==1.44.8')
# What Powertools' public layer holds (aws-lambda-powertools[tracer] without boto3, which the runtime has).
# The release is LambdaInstrumentation's default (constructs_lib/instrumentation/powertools.py); a test checks.
layer_pins=(
  'aws-lambda-powertools==3.37.0'
  'aws-xray-sdk==2.15.0'
  'wrapt==2.5.2'
  'typing_extensions==4.16.0'
)
layer_python='3.14'  # the sample functions' runtime
uv_version='0.13.9'  # as in scripts/_setup.sh
plugin="$here/localstack_host_lambda"

# One install at a time: ./scripts/test starts one in the background while the unit tests run, and the
# integration tests' own call waits here for it, then finds the stamp.
mkdir -p "$home"
exec 9>"$home/.install.lock"
flock 9

# The stamp records the pins and a hash of the plugin's sources, so a change to either reinstalls.
plugin_hash="$(cd "$plugin" && find . -type f \( -name '*.py' -o -name '*.toml' \) -not -path './build/*' \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)"
want="${pins[*]} | ${runtime_pins[*]} | ${layer_pins[*]} py$layer_python | plugin=$plugin_hash"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -x "$venv/bin/python" && -x "$runtime/bin/python" \
      && -f "$layers/manifest.json" ]]; then
  exit 0
fi

find_python() {
  local c candidates=("${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.13.*/bin/python3 "$(command -v python3.13 || true)")
  [[ -n "${EMULATOR_PYTHON:-}" ]] && candidates=("$EMULATOR_PYTHON")
  for c in "${candidates[@]}"; do
    if [[ -n "$c" && -x "$c" ]] && "$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null; then
      echo "$c"; return 0
    fi
  done
  return 1
}

if ! py="$(find_python)"; then
  echo "emulator/install.sh: no Python 3.13 found (localstack-core 2026.3 needs it); set EMULATOR_PYTHON" >&2
  exit 3
fi

pip_install() {  # quiet, and without the index-location warnings this machine's pip config prints
  local out rc=0
  out="$("$@" 2>&1)" || rc=$?
  [[ -z "$out" ]] || grep -v "^WARNING: Location 'file:" <<<"$out" >&2 || true
  return "$rc"
}

mkdir -p "$home"
rm -f "$stamp"
echo "emulator: installing LocalStack into $venv (first time: about a minute)" >&2
[[ -x "$venv/bin/python" ]] || "$py" -m venv "$venv"
[[ -x "$runtime/bin/python" ]] || "$py" -m venv "$runtime"
pip=(-m pip install --quiet --disable-pip-version-check)
# uv (pinned, into the emulator's virtualenv) installs LocalStack in seconds and spares the second core the
# minute pip takes while the unit tests run; pip does it if uv cannot be installed.
install=("$venv/bin/python" "${pip[@]}")
runtime_install=("$runtime/bin/python" "${pip[@]}")
reinstall=(--force-reinstall)
cert="${SSL_CERT_FILE:-${PIP_CERT:-}}"  # uv reads none of pip's settings: pip's CA bundle, if that is all there is
if pip_install "$venv/bin/python" "${pip[@]}" "uv==$uv_version" && [[ -x "$venv/bin/uv" ]]; then
  install=(env ${cert:+SSL_CERT_FILE="$cert"} "$venv/bin/uv" pip install --quiet --python "$venv/bin/python")
  runtime_install=(env ${cert:+SSL_CERT_FILE="$cert"} "$venv/bin/uv" pip install --quiet --python "$runtime/bin/python")
  reinstall=(--reinstall-package localstack-host-lambda)
fi
if [[ "${install[0]}" == env ]] && ! pip_install "${install[@]}" "${pins[@]}"; then
  echo "emulator: uv could not install LocalStack; pip does" >&2  # then with pip, below
  install=("$venv/bin/python" "${pip[@]}")
  runtime_install=("$runtime/bin/python" "${pip[@]}")
  reinstall=(--force-reinstall)
fi
if ! pip_install "${install[@]}" "${pins[@]}" \
   || ! pip_install "${install[@]}" --no-deps "${reinstall[@]}" "$plugin" \
   || ! pip_install "${runtime_install[@]}" "${runtime_pins[@]}"; then
  echo "emulator/install.sh: pip install failed (is PyPI reachable?)" >&2
  exit 4
fi
rm -rf "$layers"
if ! pip_install "$venv/bin/python" "${pip[@]}" --no-deps --only-binary=:all: --implementation py --abi none \
     --platform any --python-version "$layer_python" --target "$layers/powertools-python/python" "${layer_pins[@]}"; then
  echo "emulator/install.sh: could not build the Powertools layer bundle (is PyPI reachable?)" >&2
  exit 4
fi
printf '{"powertools": "%s"}\n' "${layer_pins[0]#*==}" > "$layers/manifest.json"
rm -rf "$plugin/build" "$plugin"/*.egg-info
echo "$want" > "$stamp"
echo "emulator: installed" >&2
