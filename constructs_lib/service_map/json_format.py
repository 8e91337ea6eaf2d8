"""Render the service map as JSON, in the stable shape CI jobs read.

The shape (``docs/service-map.md``)::

    {"nodes": [{"id": "<construct path>", "type": "<CloudFormation type>", "stack": "<stack name>",
                "traced": true, "label": "..."}],
     "edges": [{"from": "<node id>", "to": "<node id>", "via": "<what makes the hop>",
                "trace": "continues|linked|breaks|untraced"}]}

Nodes come sorted by id, edges by (from, to, via). ``stack`` is null for imported and external resources, whose
``id`` is their ARN as the template spells it.

Example::

    import json

    topic = MapNode(id="Orders/Topic", type="AWS::SNS::Topic", stack="Orders", traced=True, name="Topic",
                    description="SNS topic; Active tracing")
    data = json.loads(render_json(ServiceMap(nodes=(topic,), edges=())))
    data["nodes"][0]["label"]   # 'Topic (SNS topic; Active tracing)'
"""

from __future__ import annotations

import json

from .model import ServiceMap


def render_json(service_map: ServiceMap) -> str:
    """The map as indented JSON, ending with a newline."""
    return json.dumps(service_map.to_dict(), indent=2) + "\n"
