"""The key commands, declared once (core/kalshi/key_commands.py, core/deribit/key_commands.py): read from the plain
values a state file kept them as before they were typed (a key made by the admin API or by a client over the wire,
Deribit credentials) and written back; a key's scopes by Kalshi's rules; a key's `name` a field called so beside the
command's own name. And what a command draws at random, drawn before it is kept (core/commands.py's `Handlers`)."""

from __future__ import annotations

import inspect

import pytest

from mockexchange.core.commands import Handlers, declared, read, signature, write
from mockexchange.core.deribit.key_commands import CreateDeribitKey
from mockexchange.core.kalshi.key_commands import CreateApiKey, DeleteApiKey, Scopes
from mockexchange.core.values import Refused

PEM = (
    "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAgNLVAmEF9wu7IHasJuMHwF9SHSwUXh8WJoO+Y+ix+oA=\n"
    + "-----END PUBLIC KEY-----\n"
)
KEY_ID = "b8f7ac1f-e32b-49b1-b442-37f084d65928"


@pytest.mark.parametrize(
    ("cls", "kept"),
    [
        (CreateApiKey, {"user_id": "alice", "key_type": "ed25519", "public_key_pem": PEM, "key_id": KEY_ID}),
        (CreateApiKey, {"user_id": "alice", "public_key_pem": PEM, "key_id": KEY_ID, "name": "bot", "subaccount": 5,
                        "scopes": ["read", "write::trade"]}),
        (DeleteApiKey, {"key_id": KEY_ID, "user_id": "alice"}),
        (CreateDeribitKey, {"user_id": "bob", "client_id": "21Eznv1u", "client_secret": "kw0_ckb8uIOM1",
                            "subaccount_id": 2}),
    ],
)  # fmt: skip
def test_a_key_command_kept_before_it_was_typed_reads_and_writes_back_the_same(cls, kept):
    command = read(cls, kept)
    assert write(command) == kept and read(cls, write(command)) == command


def test_a_key_made_over_the_wire_was_kept_with_its_unset_fields_null():
    kept = {"user_id": "alice", "name": "first", "scopes": None, "subaccount": None, "subtrader_id": None,
            "key_type": "rsa", "public_key_pem": PEM, "key_id": KEY_ID}  # fmt: skip
    create = read(CreateApiKey, kept)
    assert (create.key_name, create.scopes, create.subaccount, create.subtrader_id) == ("first", None, None, None)
    assert write(create) == {"user_id": "alice", "public_key_pem": PEM, "key_id": KEY_ID, "name": "first"}


def test_a_keys_name_is_called_name_beside_the_commands_own():
    assert CreateApiKey.name == "create_key"
    assert [field.name for field in declared(CreateApiKey)][-2:] == ["name", "scopes"]
    assert read(CreateApiKey, {"user_id": "a", "name": "bot"}).key_name == "bot"
    parameters = signature(CreateApiKey).parameters
    assert "name" in parameters and "key_name" not in parameters
    assert parameters["name"].annotation == str | None and parameters["name"].default is None
    assert signature(CreateApiKey).parameters["scopes"].annotation == list[str] | None
    assert inspect.signature(CreateApiKey).parameters["key_name"].default is None  # (its attribute, in Python)
    with pytest.raises(Refused, match="name must be a non-empty string"):
        read(CreateApiKey, {"user_id": "a", "name": ""})


@pytest.mark.parametrize(
    ("scopes", "words"),
    [
        ([], "scopes must be a non-empty list of read, write, "),
        ("read", "scopes must be a non-empty list of read, write, "),
        (["read", "admin"], "scopes holds 'admin', which is none of read, write, "),
        (["write"], "scopes: the broad `write` scope must include `read` too"),
    ],
)
def test_a_keys_scopes_are_kalshis(scopes, words):
    with pytest.raises(Refused, match=words):
        read(CreateApiKey, {"user_id": "a", "scopes": scopes})


def test_scopes_repeated_count_once_and_write_back_as_a_list():
    assert Scopes().read(["read", "write", "read"], "scopes") == ("read", "write")
    assert write(read(CreateApiKey, {"user_id": "a", "scopes": ["write::transfer"]}))["scopes"] == ["write::transfer"]
    with pytest.raises(Refused, match="scopes must be a tuple of scopes"):
        CreateApiKey("a", scopes=["read"])  # type: ignore[arg-type]  # (a list made in Python: the kind holds tuples)


def test_a_drawing_commands_handler_is_given_what_its_draw_set_aside():
    handlers = Handlers()
    drew = []

    def draw(create: CreateDeribitKey) -> tuple[CreateDeribitKey, str]:
        drew.append(create)
        return CreateDeribitKey(create.user_id, client_id=create.client_id or "drawn"), "for the answer alone"

    handlers.add(CreateDeribitKey, lambda create, aside: (create.client_id, aside), draw)
    handlers.add(DeleteApiKey, lambda delete: delete.key_id)
    command, aside = handlers.drawn(CreateDeribitKey("bob"))
    assert (command, aside) == (CreateDeribitKey("bob", client_id="drawn"), "for the answer alone")
    assert handlers.run(command, aside) == ("drawn", "for the answer alone")
    assert handlers.drawn(DeleteApiKey("k")) == (DeleteApiKey("k"), None)  # its type draws nothing
    assert handlers.run(DeleteApiKey("k")) == "k"
    with pytest.raises(ValueError, match="create_deribit_key has a handler already"):
        handlers.add(CreateDeribitKey, lambda create, aside: None, draw)
