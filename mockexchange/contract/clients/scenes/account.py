"""The `account` scene: a client calls AccountApi (limits, endpoint costs, volume progress, the upgrade) and ApiKeysApi
(generate, upload, delete, list): every answer compared with what was seeded and with the key registry after.

Seeded: `trader` with 1,000.00, one fill of 12.50 contracts (its trailing volume) and a manual Premier grant (so it
may upload keys), its own key and a key named `doomed`. The client generates an Ed25519 key with the read scope and an
RSA key with the default scopes, uploads an Ed25519 public key, deletes `doomed` (then again: 404) and lists the keys.
On the legacy profile (SDK 3.2.0, which has no AccountApi and no `key_type`) the key operations it has are checked.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from mockexchange.auth.kalshi.keys import generate_private_key, load_private_key, public_key_pem
from mockexchange.contract.clients.checks import start_mock
from mockexchange.contract.clients.portfolio import Key
from mockexchange.contract.clients.scenes.scene import Check, Judge, Scene, SceneCall, Stage
from mockexchange.core.kalshi.rate_budgets import kalshi_budgets
from mockexchange.server import MockServer
from mockexchange.venues.kalshi.account import endpoint_costs

TRADER = "trader"
UPLOADED = public_key_pem(generate_private_key("ed25519").public_key())
# The mock's volume goals (docs/kalshi.md: Kalshi does not publish them): level -> (earn, keep) in contracts.
GOALS = {
    "expert": (100_000, 50_000),
    "premier": (1_000_000, 500_000),
    "paragon": (5_000_000, 2_500_000),
    "prime": (10_000_000, 5_000_000),
    "prestige": (25_000_000, 12_500_000),
}
MADE = {"generate": ("sdk", ["read"], "ed25519"), "generate_rsa": ("rsa", ["read", "write"], "rsa")}
KINDS = {"ed25519": ed25519.Ed25519PrivateKey, "rsa": rsa.RSAPrivateKey}


def seed(key_dir: Path, profile: str) -> Stage:
    mock = start_mock(MockServer(profile=profile))
    try:
        mock.create_account(TRADER, balance_cents=100_000)
        mock.fill(TRADER, "KXACC-1", "yes", "buy", "12.5", "0.40")
        mock.grant_api_usage_level(TRADER, "premier")
        keys = {"trader": Key.create(mock, key_dir, "account-trader", TRADER)}
        doomed = mock.create_key(TRADER, name="doomed")["key_id"]
        return Stage(mock, keys, profile, {"doomed": doomed})
    except BaseException:
        mock.stop()
        raise


def calls(stage: Stage) -> list[SceneCall]:
    doomed = {"api_key": stage.facts["doomed"]}
    return [
        SceneCall("limits", "GetAccountApiLimits"),
        SceneCall("costs", "GetAccountEndpointCosts"),
        SceneCall("progress", "GetAccountApiUsageLevelVolumeProgress"),
        SceneCall("upgrade", "UpgradeAccountApiUsageLevel"),
        SceneCall("generate", "GenerateApiKey", {"name": "sdk", "key_type": "ed25519", "scopes": ["read"]}),
        SceneCall("generate_rsa", "GenerateApiKey", {"name": "rsa"}),
        SceneCall("create", "CreateApiKey", {"name": "up", "public_key": UPLOADED}),
        SceneCall("delete", "DeleteApiKey", doomed),
        SceneCall("delete_again", "DeleteApiKey", doomed),
        SceneCall("list", "GetApiKeys"),
    ]


def limits(j: Judge) -> None:
    answer = j.answer("limits")
    premier = kalshi_budgets("premier")["read"]
    grant = {"exchange_instance": "event_contract", "level": "premier", "source": "manual", "expires_ts": None}
    want = {
        "usage_tier": "premier",
        "read": {"refill_rate": premier.refill_per_second, "bucket_capacity": premier.capacity},
        "write": {"refill_rate": 1000, "bucket_capacity": 2000},
        "grants": [grant],
    }
    for name, value in want.items():
        if name not in j.dialect.unkept:
            j.same(f"limits: {name}", answer[name], value)
    unkept = sorted(j.dialect.unkept & want.keys())
    if unkept:
        j.notes.append(f"limits: not compared, which its model does not keep: {', '.join(unkept)}")


def costs(j: Judge) -> None:
    j.same("endpoint costs", j.answer("costs"), endpoint_costs())


def progress(j: Judge) -> None:
    snapshots = j.answer("progress")["volume_progress"]
    j.same("volume_progress: snapshots", len(snapshots), 1)
    snapshot = snapshots[0]
    j.amount("trailing_30d_volume_fp", j.get(snapshot, "trailing_30d_volume_fp"), "12.50")
    j.same("computed_ts type", type(snapshot["computed_ts"]), int)
    got = {
        goal["level"]: tuple(Decimal(str(j.get(goal, name))) for name in ("earn_volume_goal_fp", "keep_volume_goal_fp"))
        for goal in snapshot["goals"]
    }
    j.same("volume goals", got, {level: (Decimal(earn), Decimal(keep)) for level, (earn, keep) in GOALS.items()})


def upgrade(j: Judge) -> None:
    if "UpgradeAccountApiUsageLevel" in j.dialect.bodyless_breaks:
        j.raised("upgrade", "JSONDecodeError", "it parses the 201 with no body (the spec's answer) as JSON")
    else:
        j.empty("upgrade")
    grants = j.stage.mock.api_usage_level(TRADER)["grants"]
    j.same("grants after the upgrade", [grant["level"] for grant in grants], ["advanced", "premier"])


def keys_made(j: Judge) -> None:
    for call, (name, scopes, kind) in MADE.items():
        if not j.made(call):  # 3.2.0 cannot ask for a key type
            continue
        answer = j.answer(call)
        made = j.stage.mock.keys.get(j.get(answer, "api_key_id"))
        if made is None:
            j.problems.append(f"{call}: {j.get(answer, 'api_key_id')} is not in the key registry")
            continue
        j.same(f"{call}: name and scopes", (made.name, made.scopes), (name, tuple(scopes)))
        private = load_private_key(answer["private_key"])
        half = public_key_pem(private.public_key())
        j.same(f"{call}: the private key's public half", half, public_key_pem(made.public_key))
        j.same(f"{call}: key type", isinstance(private, KINDS[kind]), True)
        if j.stage.profile != "legacy" and "key_type" not in j.dialect.unkept:  # (SDK 3.2.0's model, pykalshi's)
            j.same(f"{call}: key_type", answer.get("key_type"), kind)
    created = j.answer("create")
    key_id = created if isinstance(created, str) else j.get(created, "api_key_id")  # (pykalshi answers the id alone)
    uploaded = j.stage.mock.keys.get(key_id)
    j.same("create: the registry's public key", uploaded and public_key_pem(uploaded.public_key), UPLOADED)


def key_deleted(j: Judge) -> None:
    j.empty("delete")
    j.same("the deleted key in the registry", j.stage.mock.keys.get(j.facts["doomed"]), None)
    j.refused("delete_again", 404)


def keys_listed(j: Judge) -> None:
    answer = j.answer("list")
    listed = answer if isinstance(answer, list) else answer["api_keys"]  # (pykalshi answers the list alone)
    registry = j.stage.mock.keys.for_user(TRADER)
    got = [(j.get(k, "api_key_id"), k["name"], k["scopes"]) for k in listed]
    j.same("api_keys", got, [(k.key_id, k.name, list(k.scopes)) for k in registry])
    names = ["", *(name for call, (name, _, _) in MADE.items() if j.made(call)), "up"]
    j.same("api_keys: names", [k["name"] for k in listed], names)


_KEYS = ("GenerateApiKey", "CreateApiKey")
ACCOUNT = Scene(
    "account",
    seed,
    calls,
    (
        Check("limits", ("GetAccountApiLimits",), limits),
        Check("endpoint costs", ("GetAccountEndpointCosts",), costs),
        Check("volume progress", ("GetAccountApiUsageLevelVolumeProgress",), progress),
        Check("the upgrade", ("UpgradeAccountApiUsageLevel",), upgrade),
        Check("keys made", _KEYS, keys_made),
        Check("a key deleted", ("DeleteApiKey",), key_deleted),
        Check("keys listed", ("GetApiKeys", *_KEYS), keys_listed),
    ),
)
