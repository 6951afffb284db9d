"""The redaction's rules, read in this process (mockexchange/auth/redact.py): every spelling of every credential it
knows, where it stands (a header, a query string or a form, JSON at any depth, a websocket frame, a frame cut short, a
multipart form, bytes that are no UTF-8, a diagnosis), comes out as `[redacted]`, with the scheme an Authorization value
names kept; and what holds no credential (a key id, a timestamp, `token_type`, a diagnosis's placeholder) comes out as
it went in. The end-to-end tests (tests/hostile/test_hostile_secrets.py and test_hostile_secret_spellings.py)
plant secrets over real HTTP and look for them in what is kept; these pin each rule by its input and its output."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import pytest

from mockexchange.auth import redact

R = redact.REDACTED
QR = quote(R)  # `[redacted]` as a query keeps it


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


ED25519 = bytes(range(64))  # a Kalshi signature's length; RSA's are 128 to 512
ED25519_B64 = b64(ED25519)  # 88 characters, `==` at its end


# -- names: which spell a credential ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "client_secret", "Client-Secret", "clientSecret", "CLIENT_SECRET", "client secret",
        "client%5Fsecret", "client%5fsecret", "%73ecret",  # percent escapes undone
        "%2573ecret", "%252573ecret",  # escaped twice and three times: undone as often
        "client\\u005Fsecret", "\\u0073ecret",  # JSON's escapes undone
        "access_token", "refresh_token", "Token", "password", "PassPhrase", "api_passphrase",
        "signature", "client_signature", "KALSHI-ACCESS-SIGNATURE", "Signalplus-API-Signature",
        "private_key", "privateKey", "Authorization", "Proxy-Authorization", "Cookie", "Set-Cookie",
        "sig", "SIG", "s%69g",
        "a" * 194 + "secret",  # the word ends at the 200th letter, the last a name is read to
    ],
)  # fmt: skip
def test_a_credentials_name_in_any_spelling_is_one(name: str) -> None:
    assert redact.secret_name(name)
    assert redact.holds(name, "x")


@pytest.mark.parametrize(
    "name",
    [
        "client_id", "clientId", "key_id", "KALSHI-ACCESS-KEY", "KALSHI-ACCESS-TIMESTAMP", "grant_type", "nonce",
        "token_type", "TokenType", "is_password", "isPassword", "sigma", "signal", "design", "",
        "%25252573ecret",  # escaped four times: three undoings leave `%73ecret`, no name
        "a" * 195 + "secret",  # past the 200 letters a name is read to
    ],
)  # fmt: skip
def test_what_names_no_credential_is_none(name: str) -> None:
    assert not redact.secret_name(name)
    assert not redact.holds(name, "x")


LONG = "Ab" * 16  # 32 base64 characters with letters: a client secret's or a token's length, where an id has 8


@pytest.mark.parametrize(
    ("name", "value", "held"),
    [
        ("client_id", LONG, True),  # a client secret sent as the client id
        ("clientId", f"  {LONG} ", True),
        ("client-id", LONG + "x" * 10, True),
        ("client_id", LONG[:-1], False),  # 31 characters
        ("client_id", "1" * 40, False),  # digits alone: a number, no credential
        ("client_id", "Ab" * 10 + " " + "1" * 32, False),  # the long run has no letter, the run with letters is short
        ("client_id", "Ab-cD/e+" * 4, True),
        ("user_id", LONG, False),  # only a client id is read for what it holds
        ("client_id", "AbCd1234", False),
    ],
)
def test_a_client_id_holds_a_credential_when_one_was_sent_in_its_place(name: str, value: str, held: bool) -> None:
    assert redact.holds(name, value) is held


# -- a request signature, a key id, a timestamp ----------------------------------------------------------------------


def rsa_3072() -> bytes:
    """384 bytes whose base64 (no padding) ends in `X`: a letter that is no padding is not stripped as padding."""
    return bytes(range(256)) + bytes(range(127)) + bytes([0x17])


SIGNATURES = {
    "ed25519 padded": ED25519_B64,
    "ed25519 unpadded": ED25519_B64.rstrip("="),  # 86 characters: the fewest a signature spells
    "ed25519 url-safe": base64.urlsafe_b64encode(bytes(range(190, 254))).decode().rstrip("="),
    "ed25519 hex": ED25519.hex(),
    "ed25519 HEX": ED25519.hex().upper(),
    "rsa-1024": b64(bytes(range(128))),
    "rsa-2048": b64(bytes(range(256))),
    "rsa-3072": b64(rsa_3072()),
    "rsa-4096": b64(bytes(range(256)) * 2),
    "rsa-2048 hex": (bytes(range(256))).hex(),
    "cut over lines": ED25519_B64[:60] + "\r\n" + ED25519_B64[60:],
    "beside a key id": "a952bcbe-ec3b-4b5b-b8f9-11b2ba7b4bbb " + ED25519_B64,
}


@pytest.mark.parametrize("value", SIGNATURES.values(), ids=SIGNATURES.keys())
def test_a_signature_in_any_spelling_is_one_and_no_key_id_is_kept_that_is_one(value: str) -> None:
    assert redact.signature(value)
    assert redact.key_id(value) == R
    assert redact.header("KALSHI-ACCESS-KEY", value) == R


NOT_SIGNATURES = {
    "a key id": "a952bcbe-ec3b-4b5b-b8f9-11b2ba7b4bbb",
    "63 bytes": b64(bytes(63)),
    "65 bytes": b64(bytes(65)),
    "65 bytes hex": bytes(65).hex(),
    "85 characters": "A" * 85,
    "87 characters": "A" * 87,
    "88 letters": "z" * 88,  # even, no hex, 66 bytes in base64
    "129 hex digits": "a" * 129,  # 64 bytes and a half
    "513 characters": "z" * 513,  # 384 bytes by its length, but no base64 is 1 more than a multiple of 4 long
    "not base64": "!" + "A" * 85,
    "two halves": "A" * 60 + "!" + "A" * 60,
}


@pytest.mark.parametrize("value", NOT_SIGNATURES.values(), ids=NOT_SIGNATURES.keys())
def test_what_spells_no_signature_is_kept_as_a_key_id(value: str) -> None:
    assert not redact.signature(value)
    assert redact.key_id(value) == value
    assert redact.header("KALSHI-ACCESS-KEY", value) == value


def test_no_key_id_is_none() -> None:
    assert redact.key_id(None) is None


@pytest.mark.parametrize(
    ("value", "like"),
    [
        ("1700000000000", False),
        ("2026-11-24T10:00:00.000Z", False),  # a date: its runs are short
        ("12345678901234567890123", False),  # a long run, no letter
        ("a" * 19, False),
        ("a" * 20, True),
        ("1" * 19 + "a", True),
        ("ts 1700000000000 " + "x" * 20, True),
        (ED25519_B64[:40], True),
    ],
)
def test_a_value_where_a_timestamp_goes_is_quoted_unless_it_looks_like_a_credential(value: str, like: bool) -> None:
    assert redact.credential_like(value) is like
    assert redact.quoted(value) == (redact.WITHHELD if like else repr(value))
    assert redact.quoted(value, lambda said: f"<{said}>") == (redact.WITHHELD if like else f"<{value}>")
    for name in ("KALSHI-ACCESS-TIMESTAMP", "Signalplus-API-Timestamp"):
        assert redact.header(name, value) == (R if like else value)


# -- headers ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "kept"),
    [
        ("Authorization", "Bearer abc", f"Bearer {R}"),
        ("authorization", "bearer abc", f"bearer {R}"),  # the scheme as sent
        ("Authorization", " Bearer abc ", f"Bearer {R}"),
        ("Authorization", "Basic dXNlcjpwYXNz", f"Basic {R}"),
        ("Authorization", "deri-hmac-sha256 id=a,ts=1,sig=b,nonce=n", f"deri-hmac-sha256 {R}"),
        ("Authorization", "Digest username=a", f"Digest {R}"),
        ("Authorization", "Token abc", f"Token {R}"),
        ("Authorization", "Negotiate abc", f"Negotiate {R}"),
        ("Proxy-Authorization", "Bearer abc", f"Bearer {R}"),
        ("Authorization", "Weird abc", R),  # a scheme it does not know may be the credential
        ("Authorization", "abc", R),  # a bare token
        ("Authorization", "Bearer", R),  # a scheme alone may be the credential too
        ("Authorization-Info", "Bearer abc", R),
        ("KALSHI-ACCESS-SIGNATURE", "c2ln", R),
        ("KALSHI_ACCESS_SIGNATURE", "c2ln", R),
        ("Signalplus-API-Signature", "c2ln", R),
        ("Cookie", "sid=abc; theme=dark", R),
        ("Set-Cookie", "sid=abc; Path=/; HttpOnly", R),
        ("X-Api-Token", "abc", R),
        ("Content-Type", "application/json", "application/json"),
        ("User-Agent", "client_secret=abc", "client_secret=abc"),  # a header is read by its name, not its value
        ("KALSHI-ACCESS-KEY", "a952bcbe-ec3b-4b5b-b8f9-11b2ba7b4bbb", "a952bcbe-ec3b-4b5b-b8f9-11b2ba7b4bbb"),
        ("kalshi_access_key", ED25519_B64, R),
        # The mock's own headers quote a diagnosis: read as text, the rest of it kept.
        ("X-Mockexchange-Auth", "client_secret=abc is wrong", f"client_secret={R} is wrong"),
        ("x-mockexchange-diagnosis", "token=abc", f"token={R}"),
        ("X-Mockexchange-Auth", "no key id", "no key id"),
    ],
)
def test_a_header_is_kept_without_its_credential(name: str, value: str, kept: str) -> None:
    assert redact.header(name, value) == kept


# -- query strings and form bodies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("", ""),
        ("currency=BTC&kind=future", "currency=BTC&kind=future"),
        ("a=1&client_secret=abc&b=2", f"a=1&client_secret={QR}&b=2"),
        ("client%5Fsecret=abc", f"client%5Fsecret={QR}"),
        ("%61pi_secret=abc&access_token=t&refresh_token=r", f"%61pi_secret={QR}&access_token={QR}&refresh_token={QR}"),
        ("Client-Secret=a%20b", f"Client-Secret={QR}"),
        ("id=1&sig=abc", f"id=1&sig={QR}"),
        ("client_secret=", "client_secret="),  # nothing to hide
        ("client_secret", "client_secret"),
        ("client_secret=&id=1", "client_secret=&id=1"),
        ("client_id=AbCd1234&token_type=bearer", "client_id=AbCd1234&token_type=bearer"),
        (f"client_id={'Ab+' * 11}&client_secret=id", f"client_id={QR}&client_secret={QR}"),  # a `+` as sent
        (f"client_id={LONG}&client_secret=id", f"client_id={QR}&client_secret={QR}"),  # the two swapped
        (f"client_id={'%41' * 32}", f"client_id={QR}"),  # the same, its letters escaped
        ("client_id=a;client_secret=abc", f"client_id=a;client_secret={R}"),  # what a value spells
        ("next=%2Fauth%3Fclient_secret%3Dabc", f"next={quote('/auth?client_secret=' + R, safe='')}"),
        ("grant_type=client_credentials&client_secret=abc", f"grant_type=client_credentials&client_secret={QR}"),
    ],
)
def test_a_query_keeps_each_parameter_but_a_credentials_value(sent: str, kept: str) -> None:
    assert redact.query(sent) == kept


def nested(levels: int, secret: str = "abc") -> str:
    """`client_secret=abc` as a parameter's value, in one another `levels` times, each escaped once more."""
    value = f"client_secret={secret}"
    for level in range(levels):
        value = f"p{level}=" + quote(value, safe="")
    return value


def in_strings(levels: int) -> str:
    """`{"client_secret": "abc"}` as JSON in a string, in one another `levels` times, the document cut short."""
    value = {"client_secret": "abc"}
    for _ in range(levels):
        value = {"v": json.dumps(value)}
    return json.dumps(value)[:-1]


def in_quotes(value: str) -> str:
    """A value in a quoted one, which holds an escaped quote (so is read as text of its own: JSON in a string)."""
    return f"x='\\\" {value}'"


@pytest.mark.parametrize("levels", [1, 2, 3])
def test_a_value_in_values_is_read_three_deep(levels: int) -> None:
    assert redact.query(nested(levels)) == nested(levels, R)  # written again, escaped as often
    assert redact.text(in_quotes(nested(levels - 1))) == in_quotes(nested(levels - 1, R))
    assert redact.text(in_strings(levels)).count(R) == 1 and "abc" not in redact.text(in_strings(levels))


def test_a_value_four_deep_is_kept_as_sent() -> None:
    # The bound of what reading a value in values costs: each read is a value's length again.
    assert redact.query(nested(4)) == nested(4)
    assert redact.text(in_quotes(nested(3))) == in_quotes(nested(3))


# -- text: a form, a diagnosis, a frame cut short --------------------------------------------------------------------

BASIC_PAIR = b64(b"client:its-secret")
TEXTS = {
    # `name=value`, `"name": "value"`, `'name': 'value'`, `name: "value"`: a value quoted, bracketed or bare.
    "bare": ("client_secret=abc", f"client_secret={R}"),
    "spaced": ("client_secret = abc", f"client_secret = {R}"),
    "json": ('{"client_secret": "abc", "id": 1}', f'{{"client_secret": "{R}", "id": 1}}'),
    "single quotes": ("{'refresh_token': 'abc'}", f"{{'refresh_token': '{R}'}}"),
    "colon, quoted": ('{password: "abc"}', f'{{password: "{R}"}}'),
    "escaped quote": ('"client_secret": "ab\\"c", "id": 1', f'"client_secret": "{R}", "id": 1'),
    "cut short": ('{"client_secret": "abc', f'{{"client_secret": "{R}'),
    "separators": ("a=b, password=c; token=d&sig=e", f"a=b, password={R}; token={R}&sig={R}"),
    "spellings": (
        "client%5Fsecret=a clientSecret=b Client-Secret=c",
        f"client%5Fsecret={R} clientSecret={R} Client-Secret={R}",
    ),  # fmt: skip
    "a json escape": ("client\\u005fsecret=abc", f"client\\u005fsecret={R}"),
    "array": ('"password": ["a", "b"]', f'"password": {R}'),
    "object": ('{"private_key": {"d": "x"}}', f'{{"private_key": {R}}}'),
    "bracket cut short": ('"password": [', f'"password": {R}'),
    "null": ('client_secret=null, "token": null', 'client_secret=null, "token": null'),
    "empty": ('client_secret="" token=', 'client_secret="" token='),
    "already": (f"client_secret={R}", f"client_secret={R}"),
    "placeholder": ("sig=<hex>", "sig=<hex>"),  # a diagnosis names what goes there
    "half a placeholder": ("sig=<abc sig=abc>", f"sig={R} sig={R}"),
    "no credential": ("sigma=abc token_type=bearer, is_password=yes", "sigma=abc token_type=bearer, is_password=yes"),
    "the two swapped": (f"client_id={LONG}, client_secret=id", f"client_id={R}, client_secret={R}"),
    "prose": ("the token: see the docs", "the token: see the docs"),  # a bare colon takes no bare value
    # Authorization as a pair: the scheme stays, the credential goes.
    "authorization pair": ("Authorization=Bearer abcdefgh", f"Authorization=Bearer {R}"),
    "authorization pair, bare": ("Authorization=abcdefgh", f"Authorization={R}"),
    "authorization pair, unknown scheme": ("authorization=Weird", f"authorization={R}"),
    "authorization pair, punctuated": ("Authorization-=Bearer abcdefgh", f"Authorization-=Bearer {R}"),  # one name
    # A header's line.
    "header lines": (
        "Cookie: a=1\r\nContent-Type: x\r\nX-Api-Token:\tt\r\n",
        f"Cookie: {R}\r\nContent-Type: x\r\nX-Api-Token: {R}\r\n",
    ),  # fmt: skip
    "header line, scheme": (
        "Authorization: Weird abcdefgh\nauthorization: bearer abcdefgh",
        f"Authorization: {R}\nauthorization: bearer {R}",
    ),  # fmt: skip
    "header line, underscore": ("client_secret: abc", "client_secret: abc"),  # no header: prose
    "header line, redacted": (f"X-Secret: {R} and more", f"X-Secret: {R} and more"),
    # A Bearer token and Basic credentials wherever they stand.
    "bearer": ("sent bearer abcdefgh, BEARER a.b~c+d/e=", f"sent bearer {R}, BEARER {R}"),
    "bearer, short": ("Bearer abcdefg", "Bearer abcdefg"),
    "bearer, in a word": ("xbearer abcdefgh x-bearer abcdefgh", "xbearer abcdefgh x-bearer abcdefgh"),
    "basic": (f"Basic {BASIC_PAIR} basic {BASIC_PAIR}", f"Basic {R} basic {R}"),
    "basic, no pair": (f"Basic {b64(b'no-colon')}", f"Basic {b64(b'no-colon')}"),
    "basic, no base64": ("Basic abcde", "Basic abcde"),
    "basic, in a word": (f"xbasic {BASIC_PAIR}", f"xbasic {BASIC_PAIR}"),
    # A multipart form's field, its value over lines up to the boundary.
    "multipart": (
        '--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\nabc\r\ndef\r\n--b--',
        f'--b\r\nContent-Disposition: form-data; name="client_secret"\r\n\r\n{R}\r\n--b--',
    ),  # fmt: skip
    "multipart, capitals": (
        "--b\nContent-Disposition: FORM-DATA; NAME='Password'\nX-A: 1\n\nabc\n--b--",
        f"--b\nContent-Disposition: FORM-DATA; NAME='Password'\nX-A: 1\n\n{R}\n--b--",
    ),  # fmt: skip
    "multipart, other fields": (
        '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nabc\r\n'
        '--b\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc\r\n'
        "--b\r\nContent-Disposition: form-data; name=sigX\r\n\r\nabc\r\n--b--",
        '--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nabc\r\n'
        f'--b\r\nContent-Disposition: form-data; name="token"\r\n\r\n{R}\r\n'
        "--b\r\nContent-Disposition: form-data; name=sigX\r\n\r\nabc\r\n--b--",
    ),
    # Text in a value: JSON in a string, escapes that spell a pair.
    "json in a string": (
        '{"data": "{\\"client_secret\\": \\"abc\\"}"}',
        f'{{"data": "{{\\"client_secret\\": \\"{R}\\"}}"}}',
    ),  # fmt: skip
    "escaped pair": (
        "next=%2Fauth%3Fclient_secret%3Dabc&a=1",
        f"next={quote('/auth?client_secret=' + R, safe='')}&a=1",
    ),
    "escaped, nothing in it": ("next=%2fauth%3Fa+b%3D", "next=%2fauth%3Fa+b%3D"),  # as sent, not escaped again
    "quoted, nothing in it": ('"note": "a\\"b"', '"note": "a\\"b"'),
}


@pytest.mark.parametrize(("sent", "kept"), TEXTS.values(), ids=TEXTS.keys())
def test_text_keeps_all_but_what_looks_like_a_credential(sent: str, kept: str) -> None:
    assert redact.text(sent) == kept
    assert redact.text(kept) == kept  # read again (a tape replayed), it is the same


# -- JSON ------------------------------------------------------------------------------------------------------------

JSON = {
    "a field": ({"client_secret": "abc", "client_id": "AbCd1234"}, {"client_secret": R, "client_id": "AbCd1234"}),
    "deep": ({"a": {"b": [{"access_token": "t"}, 1]}}, {"a": {"b": [{"access_token": R}, 1]}}),
    "a batch": ([{"params": {"refresh_token": "r"}}, {"id": 2}], [{"params": {"refresh_token": R}}, {"id": 2}]),
    "a number": ({"password": 1234}, {"password": R}),
    "an object": ({"privateKey": {"d": "x"}}, {"privateKey": R}),
    "an escaped name": ({"client%5Fsecret": "abc"}, {"client%5Fsecret": R}),
    "the id swapped": ({"client_id": LONG, "clientId": 7}, {"client_id": R, "clientId": 7}),
    "a pair in a string": (
        {"data": "refresh_token=abc", "note": "a key"},
        {"data": f"refresh_token={R}", "note": "a key"},
    ),  # fmt: skip
    "a string alone": ("Bearer abcdefgh", f"Bearer {R}"),
}


@pytest.mark.parametrize(("sent", "kept"), JSON.values(), ids=JSON.keys())
def test_json_keeps_each_field_but_a_credentials_value(sent, kept) -> None:
    before = json.dumps(sent)
    assert redact.json_value(sent) == (kept, True)
    assert json.dumps(sent) == before  # what was sent is not written over: a copy is
    assert redact.json_value(kept)[1] is False


NOTHING_TO_HIDE = {
    "null": {"client_secret": None},
    "a flag": {"client_secret": True, "token": False},
    "empty": {"client_secret": ""},
    "already": {"client_secret": R, "data": f"token={R}"},
    "no credential": {"token_type": "bearer", "key": "a key", "client_id": 12345, "n": [1, "a", None]},
    "a name that is no text": {1: "x"},
    "a list": ["a key", 1, {"sig": None}],
    "a string": "a key",
    "a number": 3,
}


@pytest.mark.parametrize("sent", NOTHING_TO_HIDE.values(), ids=NOTHING_TO_HIDE.keys())
def test_json_holding_no_credential_is_kept_itself(sent) -> None:
    kept, changed = redact.json_value(sent)
    assert (kept is sent, changed) == (True, False)


# -- frames, commands, raw bytes -------------------------------------------------------------------------------------

FRAMES = {
    "json": ('{"id": 1, "params": {"access_token": "abc"}}', f'{{"id":1,"params":{{"access_token":"{R}"}}}}'),
    "json, nothing in it": ('{"id": 1, "key": "a"}', '{"id": 1, "key": "a"}'),  # not written again
    "no credential": ('{"id": 1}', '{"id": 1}'),
    "a key repeated": (
        '{"refresh_token": "abc", "refresh_token": null}',
        f'{{"refresh_token": "{R}", "refresh_token": null}}',
    ),  # fmt: skip
    "cut short": ('{"id": 1, "params": {"refresh_token": "abc', f'{{"id": 1, "params": {{"refresh_token": "{R}'),
    "no json": ("client_secret=abc", f"client_secret={R}"),
    "a pair in a string": ('{"data": "client_secret=abc"}', f'{{"data":"client_secret={R}"}}'),
}


@pytest.mark.parametrize(("sent", "kept"), FRAMES.values(), ids=FRAMES.keys())
def test_a_frame_keeps_all_but_its_credentials(sent: str, kept: str) -> None:
    assert redact.frame(sent) == kept


def test_bytes_that_are_no_utf8_are_read_as_latin1() -> None:
    sent = b'{"note": "\xff\xe9", "client_secret": "abc"}'
    assert redact.raw(sent) == b'{"note": "\xff\xe9", "client_secret": "' + R.encode() + b'"}'
    plain = b"\xff\xe9 no credential"
    assert redact.raw(plain) is plain


# -- what may hold a credential at all -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["SECRET", "a Token", "PASS", "sig", "KEY", "Auth", "cookie", "Bearer", "BASIC", "100%", "\\u0041"],
)
def test_text_that_may_spell_a_credential_is_suspect(text: str) -> None:
    assert redact.suspect(text)
    assert redact.suspect(text + " " * 2000)  # longer than an answer is kept for


@pytest.mark.parametrize("text", ["", "/trade-api/v2/markets", "currency=BTC&kind=future", "x" * 2000])
def test_text_that_cannot_is_not_and_is_kept_as_it_is(text: str) -> None:
    assert not redact.suspect(text)
    assert redact.text(text) is text and redact.frame(text) is text and redact.query(text) is text
