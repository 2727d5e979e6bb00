from __future__ import annotations

import pytest

from harness.redact import (
    MASK,
    redact,
    redact_command,
    redact_headers,
    redact_url,
    redact_value,
    register_secret,
    register_secrets_in,
    register_setting,
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
        # issue 21: environment settings, keyword DSNs, empty-user URLs, API key headers
        ("SECRET_KEY_BASE=skb-7 bin/rails s", "skb-7"),
        ("env STRIPE_KEY='sk live 8' ./server", "sk live 8"),
        ("GITHUB_TOKEN=ghp-9", "ghp-9"),
        ("STRIPE_KEY=sk-23 AWS_SECRET_ACCESS_KEY=x", "sk-23"),
        ("CLIENT_SECRET=cs-10;", "cs-10"),
        ('SMTP_PASSWORD="smtp pw 11"', "smtp pw 11"),
        ("host=127.0.0.1 user=loomio password=kw-pw-12 dbname=x", "kw-pw-12"),
        ("host=h password='kw pw 13' dbname=x", "kw pw 13"),
        ("redis://:redis-pw-14@127.0.0.1:6379/0", "redis-pw-14"),
        ("Authorization: Token tok-abc-15", "tok-abc-15"),
        ('{"Authorization": "Token tok-abc-16"}', "tok-abc-16"),
        ("{'X-Api-Key': 'xak-17'}", "xak-17"),
        ("X-Api-Key: xak-18", "xak-18"),
        ("curl -H 'X-Api-Key: xak-19' http://h/x", "xak-19"),
        ("GET /x?x-api-key=xak-20", "xak-20"),
        ("./server --db-password pw-21 --port 1", "pw-21"),
        ("./server --api-token=tok-22", "tok-22"),
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


def test_user_settings_register_their_secrets_for_bare_appearances() -> None:
    register_secrets_in("host=h user=u password=kwpw-reg-1 dbname=d")
    register_secrets_in("redis://:redis-reg-2@h:6379 -H 'X-Api-Key: xak-reg-3'")
    register_secrets_in("postgresql://u:url-reg-4@h/db")
    register_setting("STRIPE_KEY", "stripe-reg-5")
    register_setting("RAILS_ENV", "production")  # not secret-named: stays readable
    text = "kwpw-reg-1 redis-reg-2 xak-reg-3 url-reg-4 stripe-reg-5 production"
    assert redact(text) == " ".join([MASK] * 5 + ["production"])


def test_the_command_line_shows_setenv_names_only() -> None:
    argv = ["pytest", "--go-setenv", "SECRET_KEY_BASE=skb-c1 RAILS_ENV=test"]
    argv += ["--rails-setenv=X_TOKEN=tok-c2", "--go-database-url", "postgresql://u:pw-c3@h/d"]
    argv += ["--rails-setenv", "BROKEN='unbalanced-c4"]
    shown = redact_command(argv)
    for secret in ("skb-c1", "=test", "tok-c2", "pw-c3", "unbalanced-c4"):
        assert secret not in shown
    assert f"SECRET_KEY_BASE={MASK} RAILS_ENV={MASK}" in shown
    assert f"--rails-setenv=X_TOKEN={MASK}" in shown
