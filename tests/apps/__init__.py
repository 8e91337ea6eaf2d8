"""Small CDK apps of the shapes people copy from public CDK examples, none written with this library in mind.

Each module has ``build(scope)``, which adds the app's stacks under ``scope`` (an App or a Stage), and may name
the resources the app turns tracing off on itself (``EXPLICITLY_UNTRACED``: construct paths relative to
``scope``). ``tests/test_apps.py`` synthesizes every app twice, plain and with ``XRayTracing.enable``, and
compares the two.
"""

from __future__ import annotations

from types import ModuleType

from . import (
    api_stages_aliases,
    custom_resources,
    inline_invoker,
    job_poller,
    nested_service,
    producer_consumer,
    seeded_table,
    static_site,
    upload_pipeline,
)

APPS: dict[str, ModuleType] = {
    "SeededTable": seeded_table,
    "CustomResources": custom_resources,
    "UploadPipeline": upload_pipeline,
    "JobPoller": job_poller,
    "ApiStagesAliases": api_stages_aliases,
    "ProducerConsumer": producer_consumer,
    "StaticSite": static_site,
    "NestedService": nested_service,
    "InlineInvoker": inline_invoker,
}
