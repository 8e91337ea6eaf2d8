"""What tracing will cost: traces recorded per month and dollars, from sampling rules, traffic and trace roots.

How the estimate works:

1. Each route of the :class:`TrafficProfile` is matched against the rules in priority order (name breaks ties);
   the first match wins (``*`` and ``?`` wildcards, case-insensitive). Unmatched routes fall to the built-in
   ``Default`` rule (1/s + 5 %). A route whose root is a Lambda function ignores rules: Lambda samples
   1/s + 5 % per function. An API Gateway route never matches a rule that sets a URL path (the X-Ray guide says
   API Gateway does not support it); the estimate notes each such rule it passed over.
2. A rule's reservoir is shared by every route that matches it: recorded/s = min(reservoir, rps) +
   fixed_rate x max(0, rps - reservoir), with rps the sum of those routes. Each route gets its share in
   proportion to its rps.
3. Traces per month = recorded/s x 86,400 x days, priced one of two ways:

   - X-Ray (the default): the first 100,000 recorded traces a month are free, then $5.00 per million; optional
     traces retrieved or scanned (1,000,000 free, then $0.50 per million) and X-Ray Insights ($1.00 per million
     traces processed). Figures: the AWS X-Ray pricing page (us-east-1).
   - Transaction Search (``transaction_search=TransactionSearch(...)``), for an account where CloudWatch
     Transaction Search is on: spans go to CloudWatch Logs (``aws/spans``) and are billed per GB ingested
     ($0.35 for the first 10 TB a month, $0.20 for the next 20 TB, $0.15 beyond), with 1 % of spans indexed as
     trace summaries for free; recorded traces are no longer billed per trace. See :class:`TransactionSearchPricing`
     for where those figures come from.

:class:`TracingCostEstimate` does the same at synth for the app's rules, adds the trace roots the app's own event
sources start (SQS, EventBridge rules and schedules, S3 notifications, DynamoDB and Kinesis streams: see
:mod:`~constructs_lib.trace_roots`) at the rates you give, lists the ones without a rate as "not estimated", and
can fail the synth over a budget.

Example::

    estimate = estimate_tracing_cost(
        [orders_rule, baseline_rule],
        [TrafficProfile(service_name="orders-api/prod", rps=20, http_method="POST", url_path="/orders")],
    )
    print(estimate.summary())

The package, one job per module: ``pricing.py`` (what X-Ray and Transaction Search charge), ``traffic.py``
(``TrafficProfile``, ``EventSourceRate``), ``estimate.py`` (``estimate_tracing_cost`` and its result),
``construct.py`` (``TracingCostEstimate``).
"""

from .construct import METADATA_TYPE, OUTPUT_DESCRIPTION, TracingCostEstimate

# Constants of the module this package was, still importable from it.
from .construct import STATE_MACHINE_TYPE as STATE_MACHINE_TYPE
from .estimate import BYTES_PER_GB as BYTES_PER_GB
from .estimate import LAMBDA_BUILTIN as LAMBDA_BUILTIN
from .estimate import LAMBDA_FIXED_RATE as LAMBDA_FIXED_RATE
from .estimate import LAMBDA_RESERVOIR as LAMBDA_RESERVOIR
from .estimate import SECONDS_PER_DAY as SECONDS_PER_DAY
from .estimate import CostEstimate, RouteEstimate, RuleEstimate, estimate_tracing_cost, recorded_per_second
from .pricing import TransactionSearch, TransactionSearchPricing, XRayPricing
from .traffic import EventSourceRate, TrafficProfile

__all__ = [
    "METADATA_TYPE",
    "OUTPUT_DESCRIPTION",
    "CostEstimate",
    "EventSourceRate",
    "RouteEstimate",
    "RuleEstimate",
    "TracingCostEstimate",
    "TrafficProfile",
    "TransactionSearch",
    "TransactionSearchPricing",
    "XRayPricing",
    "estimate_tracing_cost",
    "recorded_per_second",
]
