from __future__ import annotations

import pytest

from harness.redact import (
    MASK,
    redact,
    redact_headers,
    redact_url,
    redact_value,
    register_secret,
)


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


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ('{"user": {"email": "a@b.c", "password": "pw-1"}}', "pw-1"),
        ('"{\\"password\\": \\"pw-2\\"}"', "pw-2"),
        ("Set-Cookie: _loomio=s3ss; path=/; HttpOnly", "s3ss"),
        ("cookie: csrftoken=tok-1", "tok-1"),
        ("Authorization: Bearer abc.def.ghi", "abc.def.ghi"),
        ("X-CSRF-Token: tok-2", "tok-2"),
        ("GET /api/b2/discussions?api_key=key-3&x=1", "key-3"),
        ("POST /api/v1/groups?group_token=tok-4", "tok-4"),
        ('{"user": {"email": "a@b.c", "code": 123456}}', "123456"),
        ('{"secret_token": "st-5"}', "st-5"),
        ("curl -b 'remember_user_token=rm-6'", "rm-6"),
    ],
)
def test_redact(text: str, secret: str) -> None:
    redacted = redact(text)
    assert secret not in redacted
    assert MASK in redacted


def test_redact_leaves_ordinary_text_alone() -> None:
    text = '{"position_key": "00001", "title": "Where?", "status_code": 200}'
    assert redact(text) == text


def test_redact_value_masks_secret_keys_structurally() -> None:
    value = {"users": [{"id": 1, "secret_token": "x" * 3, "has_token": True}], "code": 111111}
    assert redact_value(value) == {
        "users": [{"id": 1, "secret_token": MASK, "has_token": True}],
        "code": MASK,
    }


def test_url_passwords_inside_text_are_masked() -> None:
    text = "backend go: postgresql://parity:hunter22@127.0.0.1:5/db ready"
    assert "hunter22" not in redact(text)
    assert "postgresql://parity:" + MASK + "@127.0.0.1:5/db" in redact(text)


def test_status_code_pairs_are_not_mistaken_for_login_codes() -> None:
    assert redact("status_code=500 error_code=7") == "status_code=500 error_code=7"
