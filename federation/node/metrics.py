"""Prometheus metrics of one node: ``GET /metrics`` in the Prometheus text format.

Every app has its own :class:`~prometheus_client.CollectorRegistry` (never the process-wide
default one): tests and ``federation demo`` run several nodes in one process, and each must
report only its own numbers.

Two kinds of metrics (all listed in docs/operator.md):

* **counters and histograms of this process**, updated as things happen: pulls (fed by the
  sync service's pull observer, so ``federation.sync`` knows nothing of Prometheus) and HTTP
  requests (a middleware; the ``route`` label is the route's canonical path, e.g.
  ``/v1/logs/{origin}/entries``, so clients cannot grow the label set);
* **gauges read from the store at scrape time** (log sizes, sync lag, equivocation evidence,
  peers' state): :meth:`NodeMetrics.refresh` reads them before each exposition, so they are
  right after a restart and whatever process (CLI or ``serve``) changed the store.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata

from aiohttp import web
from aiohttp.typedefs import Middleware
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from federation.node.errors import Handler
from federation.store import PeerRow, Store
from federation.sync.puller import PullResult

log = logging.getLogger("federation.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Prometheus text exposition format, as ``generate_latest`` writes it."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
"""HTTP methods counted by name; any other is counted as ``other`` (bounded labels)."""

PULL_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _version() -> str:
    try:
        return metadata.version("federation")
    except metadata.PackageNotFoundError:
        return "unknown"


def _epoch(ts: str | None) -> float | None:
    """Seconds since the epoch of a stored ``YYYY-MM-DDTHH:MM:SSZ`` time."""
    if not ts:
        return None
    try:
        return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class StoreSnapshot:
    """What the scrape-time gauges show, read from the store in one go."""

    logs: list[tuple[str, str, str, int]]  # origin, role, state, size
    advertised: dict[str, int]  # origin -> largest verified size a peer advertised
    evidence: dict[str, int]  # origin -> equivocation evidence records
    peers: list[PeerRow] = field(default_factory=list)
    pending: int = 0

    @classmethod
    async def read(cls, store: Store) -> StoreSnapshot:
        evidence: dict[str, int] = {}
        for e in await store.evidence():
            evidence[e.origin] = evidence.get(e.origin, 0) + 1
        return cls(
            logs=[(h.origin, h.role, h.state, h.size) for h in await store.heads()],
            advertised=await store.peer_origin_sizes(),
            evidence=evidence,
            peers=await store.peers(),
            pending=len({p.origin for p in await store.pending()}),
        )


class StoreCollector:
    """Yields the gauges of the last :class:`StoreSnapshot` (a custom collector)."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.snapshot: StoreSnapshot | None = None

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(
            "federation_node_info",
            "This node's origin and program version",
            labels=["origin", "version"],
        )
        info.add_metric([self.origin, _version()], 1)
        yield info
        snap = self.snapshot
        up = GaugeMetricFamily(
            "federation_store_up", "1 if the store could be read for this scrape, else 0"
        )
        up.add_metric([], 1 if snap is not None else 0)
        yield up
        if snap is None:
            return
        yield from self._logs(snap)
        yield from self._peers(snap)

    def _logs(self, snap: StoreSnapshot) -> Iterable[Metric]:
        size = GaugeMetricFamily(
            "federation_log_entries",
            "Entries held of each log (own: role self; merged: role trusted)",
            labels=["origin", "role"],
        )
        frozen = GaugeMetricFamily(
            "federation_origin_frozen",
            "1 if the origin is frozen (equivocation evidence): nothing more is merged",
            labels=["origin"],
        )
        lag = GaugeMetricFamily(
            "federation_sync_lag_entries",
            "Entries a peer advertised (verified checkpoint) beyond what this node holds",
            labels=["origin"],
        )
        equivocations = GaugeMetricFamily(
            "federation_equivocation_evidence",
            "Pairs of conflicting signed checkpoints stored as evidence, per origin",
            labels=["origin"],
        )
        for origin, role, state, n in snap.logs:
            size.add_metric([origin, role], n)
            if role == "self":
                continue
            frozen.add_metric([origin], 1 if state == "frozen" else 0)
            lag.add_metric([origin], max(0, snap.advertised.get(origin, 0) - n))
            equivocations.add_metric([origin], snap.evidence.get(origin, 0))
        merged = {o for o, role, _, _ in snap.logs if role != "self"}
        for origin, count in snap.evidence.items():
            if origin not in merged:
                equivocations.add_metric([origin], count)  # e.g. an origin since removed
        yield from (size, frozen, lag, equivocations)

    def _peers(self, snap: StoreSnapshot) -> Iterable[Metric]:
        failures = GaugeMetricFamily(
            "federation_peer_consecutive_failures",
            "Failed pulls from the peer since its last success (0: healthy)",
            labels=["peer"],
        )
        success = GaugeMetricFamily(
            "federation_peer_last_success_timestamp_seconds",
            "When a pull from the peer last succeeded (Unix time; absent if never)",
            labels=["peer"],
        )
        for p in snap.peers:
            failures.add_metric([p.url], p.failures)
            when = _epoch(p.last_success)
            if when is not None:
                success.add_metric([p.url], when)
        pending = GaugeMetricFamily(
            "federation_pending_origins", "Origins seen at peers but not trusted here"
        )
        pending.add_metric([], snap.pending)
        yield from (failures, success, pending)


class NodeMetrics:
    """The metrics of one node's app: its own registry, counters and store gauges."""

    def __init__(self, origin: str) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.pulls = Counter(
            "federation_pulls",
            "Pull rounds from a peer, by outcome (ok, failed, skipped: one was running)",
            ["peer", "outcome"],
            registry=r,
        )
        self.pull_failures = Counter(
            "federation_pull_failures",
            "Failed pull rounds by reason (unavailable, bad_signature, bad_proof, ...)",
            ["reason"],
            registry=r,
        )
        self.pulled_entries = Counter(
            "federation_pulled_entries", "Log entries merged from a peer", ["peer"], registry=r
        )
        self.pulled_bytes = Counter(
            "federation_pulled_bytes", "Response bytes read from a peer", ["peer"], registry=r
        )
        self.pull_seconds = Histogram(
            "federation_pull_duration_seconds",
            "Duration of one pull round from a peer",
            ["peer"],
            buckets=PULL_BUCKETS,
            registry=r,
        )
        self.equivocations = Counter(
            "federation_equivocations_detected",
            "Equivocations (conflicting signed checkpoints) detected by pulls of this process",
            ["origin"],
            registry=r,
        )
        self.http_requests = Counter(
            "federation_http_requests",
            "HTTP requests answered, by route (canonical path), method and status",
            ["route", "method", "status"],
            registry=r,
        )
        self.http_seconds = Histogram(
            "federation_http_request_duration_seconds",
            "Time to answer an HTTP request, by route and method",
            ["route", "method"],
            registry=r,
        )
        self.store = StoreCollector(origin)
        r.register(self.store)

    def observe_pull(self, result: PullResult) -> None:
        """The sync service's pull observer."""
        if result.skipped:
            self.pulls.labels(result.url, "skipped").inc()
            return
        self.pulls.labels(result.url, "ok" if result.ok else "failed").inc()
        if not result.ok:
            self.pull_failures.labels(result.reason or "unknown").inc()
        self.pulled_entries.labels(result.url).inc(result.entries)
        self.pulled_bytes.labels(result.url).inc(result.nbytes)
        self.pull_seconds.labels(result.url).observe(result.seconds)
        for o in result.origins:
            if o.outcome == "equivocation":
                self.equivocations.labels(o.origin).inc()

    def observe_request(self, route: str, method: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.http_requests.labels(route, method, str(status)).inc()
        self.http_seconds.labels(route, method).observe(seconds)

    async def refresh(self, store: Store) -> None:
        """Read the scrape-time gauges from the store (on failure they are left out)."""
        try:
            self.store.snapshot = await StoreSnapshot.read(store)
        except Exception:
            log.exception("metrics: cannot read the store")
            self.store.snapshot = None

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def route_label(request: web.Request) -> str:
    """The matched route's canonical path (``/v1/logs/{origin}/entries``), or ``unmatched``."""
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def metrics_middleware(metrics: NodeMetrics) -> Middleware:
    """Counts and times every request; the outermost middleware, so it sees final statuses."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as e:
            status = e.status
            raise
        finally:
            metrics.observe_request(
                route_label(request), request.method, status, time.perf_counter() - started
            )

    return middleware


def metrics_handler(metrics: NodeMetrics, store: Store) -> Handler:
    """The ``GET /metrics`` handler: refresh the store gauges, then expose everything."""

    async def handler(request: web.Request) -> web.StreamResponse:
        await metrics.refresh(store)
        return web.Response(body=metrics.exposition(), headers={"Content-Type": CONTENT_TYPE})

    return handler
