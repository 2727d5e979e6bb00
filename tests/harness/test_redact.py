from __future__ import annotations

from harness.redact import MASK, redact, redact_headers, redact_url, register_secret


def test_registered_secrets_and_credential_shapes_are_masked() -> None:
    register_secret("pa55word-xyz")
    text = (
        'login pa55word-xyz\nAuthorization: Basic YWJjOmRlZg==\n{"password": "other-pw"} '
        "token=abc123&x=1"
    )
    masked = redact(text)
    for secret in ("pa55word-xyz", "YWJjOmRlZg==", "other-pw", "abc123"):
        assert secret not in masked
    assert masked.count(MASK) == 4


def test_urls_and_headers() -> None:
    assert redact_url("postgresql://u:pw@h:5/d") == f"postgresql://u:{MASK}@h:5/d"
    assert redact_url("http://h/x") == "http://h/x"
    headers = redact_headers([("Set-Cookie", "_loomio=abc"), ("Content-Type", "application/json")])
    assert headers == (("Set-Cookie", MASK), ("Content-Type", "application/json"))
