"""``python -m constructs_lib.service_map CDK_OUT ...``: see :mod:`constructs_lib.service_map.cli`."""

import sys

from .cli import main

sys.exit(main())
