"""SigV4 verification with the simulator's dummy credentials: a body changed after signing fails.

The simulated service recomputes the signature of every SigV4-signed request (an
``Authorization: AWS4-HMAC-SHA256 ...`` header) over what actually arrived: method, path,
query, the headers listed in ``SignedHeaders`` and the body, with botocore's own ``SigV4Auth``
and the secret of the request's access key id. As on Bedrock:

* an unknown access key id: 403 ``UnrecognizedClientException``;
* a signature that does not match (the body, a signed header or the path changed after
  signing, or the wrong secret): 403 ``InvalidSignatureException``;
* an ``X-Amz-Content-SHA256`` header that is not the body's hash: 400 ``ValidationException``.

Unsigned requests and bearer-token requests (``Authorization: Bearer ...``, Bedrock API keys)
are accepted without a check: the simulator has no key store, and it accepts unsigned requests
so that plain HTTP tools can talk to it. Verification is off unless the simulator is created
with ``verify_signatures=True`` (existing clients signed with arbitrary dummy keys keep working).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from .errors import SimError

__all__ = ["BAD_SIGNATURE", "UNKNOWN_KEY", "verify_signature"]

#: AWS's wording for a signature mismatch
BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)
#: AWS's wording for an access key id it does not know
UNKNOWN_KEY = "The security token included in the request is invalid."
#: invented after S3's ``XAmzContentSHA256Mismatch``
BAD_PAYLOAD_HASH = "The provided 'x-amz-content-sha256' header does not match what was computed."

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/,\s]+)/"
    r"(?P<service>[^/,\s]+)/aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]+)\s*$"
)
_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"


def verify_signature(
    method: str,
    path: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Mapping[str, str],
) -> None:
    """Raise :class:`SimError` unless the request is unsigned, bearer, or correctly signed.

    ``headers``: lower-cased names, as received (``host`` included); ``path``: the request
    target as sent (percent-encoded path, optional query).
    """
    authorization = headers.get("authorization", "")
    if not authorization.startswith("AWS4-HMAC-SHA256"):
        return  # unsigned, or a bearer token
    match = _AUTH.match(authorization)
    if match is None:
        raise SimError(
            "Authorization header requires 'Credential', 'SignedHeaders' and "
            "'Signature' parameters.",
            "IncompleteSignatureException",
            403,
        )
    secret = credentials.get(match["key"])
    if secret is None:
        raise SimError(UNKNOWN_KEY, "UnrecognizedClientException", 403)
    stamp = headers.get("x-amz-date", "")
    if not stamp.startswith(match["date"]):
        raise SimError(BAD_SIGNATURE, "InvalidSignatureException", 403)
    declared = headers.get("x-amz-content-sha256")
    if declared not in (None, _UNSIGNED_PAYLOAD) and declared != hashlib.sha256(body).hexdigest():
        raise SimError(BAD_PAYLOAD_HASH, "ValidationException", 400)
    signed = match["headers"].split(";")
    missing = [name for name in signed if name not in headers]
    if missing:
        raise SimError(BAD_SIGNATURE, "InvalidSignatureException", 403)
    host = headers.get("host", "localhost")
    request = AWSRequest(
        method=method,
        url=f"http://{host}{path}",
        headers={name: headers[name] for name in signed},
        data=body,
    )
    request.context["timestamp"] = stamp
    token = headers.get("x-amz-security-token")
    signer = SigV4Auth(Credentials(match["key"], secret, token), match["service"], match["region"])
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SimError(BAD_SIGNATURE, "InvalidSignatureException", 403)
