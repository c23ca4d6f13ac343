"""The constants of the rule set, shared by the checks, the generator and the strategies."""

from __future__ import annotations

import ipaddress

from .. import ids

STATUSES = ("active", "pending", "ended", "removed", "revoked", "expired", "abandoned", "replaced")
LIVE_STATUSES = ("active", "pending")
TRANSITION_STATUSES = ("ended", "removed", "revoked", "replaced")
TASK_KEYS = ("choose-organization", "reset-password", "setup-mfa")
ACTOR_KINDS = ("dashboard", "token", "agent")
DEVICE_KINDS = ("desktop", "mobile_web", "native_app")
DASHBOARD_ISSUER = "https://dashboard.clerk.com"
ACTIVITY_OBJECT = "session_activity"
ACTIVITY_OPTIONAL = (
    "device_type",
    "browser_name",
    "browser_version",
    "ip_address",
    "city",
    "country",
)
ACTIVITY_ID_LAG_S = (10, 40)
# Clerk stamps created_at and last_active_at in the same sign-in request, and
# real responses have last_active_at a few milliseconds before created_at.
# What Clerk guarantees is that they are close: at most this far apart.
CLOCK_SKEW_MS = 5_000
# Epoch milliseconds between the KSUID epoch and the last KSUID second: a
# seconds value (10 digits) or a microseconds value (16 digits) falls outside.
MS_MIN = ids.KSUID_EPOCH * 1000
MS_MAX = (ids.KSUID_EPOCH + ids.MAX_TIMESTAMP) * 1000
DOC_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
)
ID_FIELDS = {
    "id": ids.PREFIXES["session"],
    "user_id": ids.PREFIXES["user"],
    "client_id": ids.PREFIXES["client"],
    "last_active_organization_id": ids.PREFIXES["organization"],
}
TIMESTAMP_FIELDS = ("created_at", "last_active_at", "updated_at", "expire_at", "abandon_at")
