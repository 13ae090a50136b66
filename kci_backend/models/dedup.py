"""`dedup`: keys that block an identical action until they expire.

Used for the 24-hour windows of email work: an accepted `/send` trigger
(send.md §3.7) and a sent bisection result (email-reports.md §6.1). The key
is a digest of what makes two actions identical; claiming it is one atomic
insert (services/dedup.py).
"""

from .base import Field, Kind, collection

DEDUP = collection(
    "dedup",
    Field("dedup_key", required=True, doc="Digest of the action's identity"),
    Field("expires_on", Kind.DATE, index=True, doc="The key blocks nothing after this instant"),
    identity=("dedup_key",),
)
