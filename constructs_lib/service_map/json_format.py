"""Render the service map as JSON, in the stable shape CI jobs read.

The shape (``docs/service-map.md``)::

    {"nodes": [{"id": "<construct path>", "type": "<CloudFormation type>", "stack": "<stack name>",
                "traced": true, "label": "..."}],
     "edges": [{"from": "<node id>", "to": "<node id>", "via": "<what makes the hop>",
                "trace": "continues|linked|breaks|untraced"}]}

Nodes come sorted by id, edges by (from, to, via). ``stack`` is null for imported and external resources, whose
``id`` is their ARN as the template spells it.

Example::

    data = json.loads(render_json(build_service_map("cdk.out")))
    [e for e in data["edges"] if e["trace"] == "breaks"]
"""

from __future__ import annotations

import json

from .model import ServiceMap


def render_json(service_map: ServiceMap) -> str:
    """The map as indented JSON, ending with a newline."""
    return json.dumps(service_map.to_dict(), indent=2) + "\n"
