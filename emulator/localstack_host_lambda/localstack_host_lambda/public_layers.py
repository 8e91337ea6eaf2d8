"""AWS's public Powertools layer, as the emulator serves it: the same template deploys here and on AWS.

On AWS, ``LambdaInstrumentation`` gives each Python function the layer
``{{resolve:ssm:/aws/service/powertools/python/<arch>/<python3.xx>/<version>}}``: CloudFormation reads the
public SSM parameter, whose value is the ARN of Powertools' layer in that region (account 017000801446), and
Lambda mounts that layer under /opt. The free LocalStack has neither: no public parameters, and "fetching
shared layers from AWS is a pro feature". Two hooks fill the gap, from a bundle that ``emulator/install.sh``
builds with pip (the pure-Python wheels of the pinned ``aws-lambda-powertools[tracer]`` release, no Docker):

- ``public_parameters`` (``on_infra_start``): moto, which backs LocalStack's SSM, learns the parameters
  ``/aws/service/powertools/python/{x86_64,arm64}/python3.{10..14}/{<version>,latest}`` for the bundled
  release, as it already knows AWS's public AMI parameters; their value is the layer's ARN in the caller's region;
- ``public_layer_fetcher`` (``lambda_inject_layer_fetcher``): a Powertools layer ARN in a function's ``Layers``
  resolves to the bundle on the host (hot-reloading code: nothing is zipped or copied), which the host executor
  puts on the function's ``sys.path`` as Lambda puts ``/opt/python``.

``LAMBDA_PUBLIC_LAYERS`` names the folder that holds the bundle (``powertools-python/``) and its
``manifest.json`` (``{"powertools": "<version>"}``). Any other shared layer is still refused, as before.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from pathlib import Path

from localstack.runtime import hooks
from localstack.services.lambda_.hooks import inject_layer_fetcher
from localstack.services.lambda_.invocation.lambda_models import HotReloadingCode, Layer, LayerVersion
from localstack.services.lambda_.layerfetcher.layer_fetcher import LayerFetcher

LOG = logging.getLogger(__name__)

POWERTOOLS_ACCOUNT = "017000801446"
ARCHITECTURES = ("x86_64", "arm64")
PYTHON_RUNTIMES = ("python3.10", "python3.11", "python3.12", "python3.13", "python3.14")
#: The emulator's copy of each Powertools layer is version 1 of it (AWS's own numbers are not known here).
LAYER_VERSION = 1
POWERTOOLS_LAYER_ARN = re.compile(
    r"arn:aws:lambda:(?P<region>[a-z0-9-]+):017000801446:layer:"
    r"(?P<name>AWSLambdaPowertoolsPythonV3-python3\d+-(x86_64|arm64)):(?P<version>\d+)"
)
PARAMETER_PREFIX = "/aws/service/powertools/python/"


def bundle_dir() -> Path | None:
    root = os.environ.get("LAMBDA_PUBLIC_LAYERS")
    path = Path(root) / "powertools-python" if root else None
    return path if path and (path / "python").is_dir() else None


def bundled_release() -> str | None:
    root = os.environ.get("LAMBDA_PUBLIC_LAYERS")
    try:
        return json.loads((Path(root) / "manifest.json").read_text())["powertools"] if root else None
    except (OSError, ValueError, KeyError):
        return None


def layer_name(architecture: str, runtime: str) -> str:
    return f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{architecture}"


class PublicLayerFetcher(LayerFetcher):
    """Serves Powertools' public layer ARNs from the bundle; None (access denied) for any other shared layer."""

    def fetch_layer(self, layer_version_arn: str) -> Layer | None:
        match = POWERTOOLS_LAYER_ARN.fullmatch(layer_version_arn)
        bundle = bundle_dir()
        if match is None or bundle is None:
            return None
        layer_arn = layer_version_arn.rsplit(":", 1)[0]
        version = LayerVersion(
            layer_version_arn=layer_version_arn,
            layer_arn=layer_arn,
            version=int(match["version"]),
            code=HotReloadingCode(host_path=str(bundle)),
            license_info="MIT-0",
            compatible_runtimes=list(PYTHON_RUNTIMES),
            compatible_architectures=list(ARCHITECTURES),
            created=time.strftime("%Y-%m-%dT%H:%M:%S.000+0000", time.gmtime()),
            description=f"Powertools for AWS Lambda (Python) {bundled_release()}, pure-Python wheels (emulator)",
        )
        return Layer(arn=layer_arn, next_version=version.version + 1,
                     layer_versions={str(version.version): version})


@inject_layer_fetcher()
def public_layer_fetcher(provider) -> None:  # type: ignore[no-untyped-def]
    if provider.layer_fetcher is None:
        provider.layer_fetcher = PublicLayerFetcher()


@hooks.on_infra_start()
def public_parameters() -> None:
    release = bundled_release()
    if release is None:
        return
    from moto.ssm.models import Parameter, ParameterDict

    original = ParameterDict._check_loading_status

    def check_loading_status(self: ParameterDict, key: str) -> None:
        original(self, key)
        if str(key or "").startswith(PARAMETER_PREFIX[:-1]) and not getattr(self, "_powertools_loaded", False):
            self._powertools_loaded = True
            for architecture in ARCHITECTURES:
                for runtime in PYTHON_RUNTIMES:
                    arn = (f"arn:aws:lambda:{self.region_name}:{POWERTOOLS_ACCOUNT}:layer:"
                           f"{layer_name(architecture, runtime)}:{LAYER_VERSION}")
                    for version in (release, "latest"):
                        name = f"{PARAMETER_PREFIX}{architecture}/{runtime}/{version}"
                        super(ParameterDict, self).__getitem__(name).append(Parameter(
                            account_id=self.account_id, name=name, value=arn, parameter_type="String",
                            description=None, allowed_pattern=None, keyid=None, last_modified_date=time.time(),
                            version=1, data_type="text",
                        ))

    ParameterDict._check_loading_status = check_loading_status
    LOG.info("public Powertools %s layer parameters registered", release)
