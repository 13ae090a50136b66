"""`lab`: a registered lab and the link to the token it uses (spec/lab.md §3)."""

from .base import Field, Kind, collection

# Keys of `contact` that must hold a non-empty string (lab.md §3, §4.2 step 6).
CONTACT_REQUIRED = ("name", "surname", "email")

LAB = collection(
    "lab",
    Field("name", filter=True, required=True, doc="Lab name, unique (exact, case-sensitive)"),
    Field("contact", Kind.JSON, filter=True, required=True, doc="name, surname, email, ..."),
    Field("address", Kind.JSON, filter=True, default={}),
    Field("private", Kind.BOOL, filter=True, default=False, doc="Informational only"),
    # The `_id` of the linked token, never its value; null when none is linked.
    Field("token", Kind.OID, filter=True, index=True, doc="_id of the linked token"),
    Field("updated_on", Kind.DATE, filter=True, doc="Last PUT that changed something"),
    Field("version", default="1.0"),
    # A unique name (SEC-11): the database refuses duplicates even under concurrency.
    identity=("name",),
)
