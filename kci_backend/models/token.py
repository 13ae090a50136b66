"""`token`: API credentials (spec/token.md §3). The secret is stored hashed (SEC-7)."""

from .base import Field, Kind, collection

# Index of each permission bit in `properties` (token.md §3.2).
ADMIN, SUPERUSER, GET, POST, DELETE, IP_RESTRICTED, CREATE_TOKENS, LAB, UPLOAD, TEST_LAB = range(10)
PROPERTY_COUNT = 16

TOKEN = collection(
    "token",
    Field("token_hash", server=True, hidden=True),
    Field("token_prefix", server=True, doc="First 8 characters of the secret, for recognition"),
    Field("email", filter=True),
    Field("username", filter=True),
    Field("expires_on", Kind.DATE, filter=True),
    Field("expired", Kind.BOOL, filter=True, default=False),
    Field("ip_address", Kind.JSON, filter=True),
    Field("properties", Kind.JSON, filter=True),
    Field("version", server=True, default="1.0"),
    identity=("token_hash",),
    # `token` is a query key (the presented value is hashed); see resources/token.py.
    filter_aliases={"token": "token_hash"},
)
