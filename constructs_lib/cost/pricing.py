"""What X-Ray and CloudWatch Transaction Search charge, and the Transaction Search setting of an estimate."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .._validation import check_number, fail


@dataclass(frozen=True)
class XRayPricing:
    """X-Ray prices per month (us-east-1, from the AWS X-Ray pricing page); pass your region's if they differ.

    Example::

        XRayPricing(recorded_per_million=5.0)
    """

    recorded_free_per_month: int = 100_000
    recorded_per_million: float = 5.00
    retrieved_free_per_month: int = 1_000_000
    retrieved_per_million: float = 0.50
    insights_per_million: float = 1.00


@dataclass(frozen=True)
class TransactionSearchPricing:
    """CloudWatch prices for spans when Transaction Search is on (us-east-1).

    Where the figures come from: "Enable transaction search" (Amazon CloudWatch user guide) says spans are then
    collected "using Amazon CloudWatch Pricing" with 1 % of spans indexed as trace summaries for free, and "Spans"
    says span ingestion is charged apart from log ingestion. The per-GB tiers ($0.35 for the first 10 TB a month,
    $0.20 for the next 20 TB, $0.15 beyond) are the CloudWatch pricing page's as quoted by public write-ups dated
    2026; the stored copy of the pricing page itself does not show them. Check the page for your region and pass
    your own. Indexing more than 1 % is priced on the pricing page too; its figure is not known here, so give
    ``indexed_spans_per_million`` to count it, otherwise the estimate lists it as not estimated.

    :param span_tiers: ``(GB in the tier, dollars per GB)`` from the first tier up; the last tier's size may be
        ``math.inf``.
    """

    span_tiers: tuple[tuple[float, float], ...] = ((10 * 1024, 0.35), (20 * 1024, 0.20), (math.inf, 0.15))
    free_indexing_percentage: float = 1.0
    indexed_spans_per_million: float | None = None

    def __post_init__(self) -> None:
        owner = "TransactionSearchPricing"
        if not self.span_tiers:
            raise fail(owner, "span_tiers", self.span_tiers, "at least one (GB, dollars per GB) tier")
        for size, price in self.span_tiers:
            if size != math.inf:  # the last tier may be unbounded
                check_number(owner, "span_tiers size", size, minimum=0)
            check_number(owner, "span_tiers price", price, minimum=0)
        check_number(owner, "free_indexing_percentage", self.free_indexing_percentage, minimum=0, maximum=100)
        check_number(owner, "indexed_spans_per_million", self.indexed_spans_per_million, minimum=0)

    def span_cost(self, gigabytes: float) -> float:
        """Dollars for ``gigabytes`` of spans in a month, through the tiers."""
        cost, left = 0.0, gigabytes
        for size, price in self.span_tiers:
            used = min(left, size)
            cost += used * price
            left -= used
            if left <= 0:
                break
        return cost + max(0.0, left) * self.span_tiers[-1][1]


@dataclass(frozen=True)
class TransactionSearch:
    """Price spans as CloudWatch Transaction Search does (on for the whole account: ``AWS::XRay::
    TransactionSearchConfig``, or the CloudWatch console). Without it, the estimate prices recorded traces.

    Sampling rules still decide which traces are recorded; each recorded trace is ``spans_per_trace`` spans (every
    segment and subsegment) of ``bytes_per_span`` bytes on average, ingested into CloudWatch Logs. Measure both on
    a few real traces (``aws/spans`` log events).

    Example::

        TransactionSearch(spans_per_trace=12, bytes_per_span=1_500, indexing_percentage=1)
    """

    spans_per_trace: float
    bytes_per_span: float
    indexing_percentage: float = 1.0
    pricing: TransactionSearchPricing = field(default_factory=TransactionSearchPricing)

    def __post_init__(self) -> None:
        owner = "TransactionSearch"
        check_number(owner, "spans_per_trace", self.spans_per_trace, minimum=1)
        check_number(owner, "bytes_per_span", self.bytes_per_span, minimum=1)
        check_number(owner, "indexing_percentage", self.indexing_percentage, minimum=0, maximum=100)
        if not isinstance(self.pricing, TransactionSearchPricing):
            raise fail(owner, "pricing", self.pricing, "a TransactionSearchPricing")
