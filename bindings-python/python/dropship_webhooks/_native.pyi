"""Type stubs of the native extension (Rust, pyo3). Import from ``dropship_webhooks`` instead."""

from datetime import datetime
from typing import Any, Dict, Iterable, Mapping, Optional, Sequence, Tuple, Union, final

from typing_extensions import Self, TypeAlias

from .events import WebhookErrorCode, WebhookEvent

__all__ = [
    "WebhookError",
    "WebhookVerificationError",
    "WebhookPayloadError",
    "Webhook",
    "VerifiedSignature",
    "parse_event",
    "canonical_event_json",
    "generate_secret_from",
    "topics_json",
    "defaults_json",
    "retry_schedule_json",
    "next_retry_delay",
    "retry_after_delay",
    "health_record_failure",
    "health_record_success",
    "health_reactivate",
    "rate_limit_check",
    "burst_allows",
    "validate_endpoint_json",
]

# Names for the stubs only (not in the module at run time, so private).
_Body: TypeAlias = Union[bytes, bytearray, memoryview, str]
_Seconds: TypeAlias = Union[int, float, datetime]
_Headers: TypeAlias = Union[Mapping[str, Any], Iterable[Tuple[str, str]], None]
_SecretLike: TypeAlias = Union[str, Mapping[str, Any], Any]

class WebhookError(ValueError):
    """Base class of every error this package raises; ``code`` is stable across languages."""

    code: WebhookErrorCode
    status: int

class WebhookVerificationError(WebhookError):
    """Headers, secrets, timestamp or signature: the request cannot be trusted."""

class WebhookPayloadError(WebhookError):
    """The body: not raw bytes, not JSON, or not an event of the expected shape."""

@final
class VerifiedSignature:
    """What a signature check reports."""

    @property
    def id(self) -> Optional[str]: ...
    @property
    def timestamp(self) -> Optional[int]: ...
    @property
    def secret_index(self) -> int: ...
    @property
    def secret_label(self) -> Optional[str]: ...

class Webhook:
    """Verifies and signs webhooks with one or more active secrets."""

    def __new__(
        cls,
        secrets: Union[_SecretLike, Sequence[_SecretLike]],
        *,
        scheme: Optional[str] = None,
        tolerance_seconds: Optional[int] = None,
        body_limit_bytes: Optional[int] = None,
    ) -> Self: ...
    @property
    def scheme(self) -> str: ...
    @property
    def tolerance_seconds(self) -> int: ...
    @property
    def body_limit_bytes(self) -> int:
        """The longest body verified, in bytes (1 MiB unless set); longer ones raise ``payload_too_large``."""
    def check_headers(self, headers: _Headers, *, now: Optional[_Seconds] = None) -> None:
        """Every check made before the body is needed (headers, timestamp, an active secret): call it before
        reading a request's body."""
    def check_body_length(self, length: int) -> None:
        """Raises ``payload_too_large`` (HTTP 413) when ``length`` bytes are over ``body_limit_bytes``."""
    def verify(self, body: _Body, headers: _Headers, *, now: Optional[_Seconds] = None) -> WebhookEvent:
        """Checks the signature and parses the body into a typed event."""
    def verify_signature(
        self, body: _Body, headers: _Headers, *, now: Optional[_Seconds] = None
    ) -> VerifiedSignature:
        """Checks the signature only."""
    def sign(self, id: str, timestamp: _Seconds, body: _Body) -> Dict[str, str]:
        """The headers to send: one signature per secret active at ``timestamp``."""

def parse_event(body: _Body) -> WebhookEvent:
    """Parses a body into a typed event without checking a signature."""
def canonical_event_json(body: _Body) -> str:
    """The canonical JSON text of the body's event (what the Node and WebAssembly bindings return)."""
def generate_secret_from(random: _Body) -> str: ...
def topics_json() -> str: ...
def defaults_json() -> str: ...
def retry_schedule_json(schedule_spec: Optional[Mapping[str, int]] = None) -> str: ...
def next_retry_delay(
    failures: int, random: float, schedule_spec: Optional[Mapping[str, int]] = None
) -> Optional[int]: ...
def retry_after_delay(
    header: Optional[str], now: _Seconds, schedule_spec: Optional[Mapping[str, int]] = None
) -> Optional[int]: ...
def health_record_failure(state: Optional[Mapping[str, Any]], at: _Seconds, window_seconds: int) -> str: ...
def health_record_success(state: Optional[Mapping[str, Any]]) -> str: ...
def health_reactivate(state: Optional[Mapping[str, Any]]) -> str: ...
def rate_limit_check(rate: int, tat_us: int, now_us: int) -> str: ...
def burst_allows(burst: int, in_flight: int) -> bool: ...
def validate_endpoint_json(config: Mapping[str, Any], allow_insecure_loopback: bool = False) -> str: ...
