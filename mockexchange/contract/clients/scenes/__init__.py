"""The client matrix's scenes: the capabilities that write as well as read (the orders among them), the market data
reads, the exchange's and what it is told (scene.py says what a scene is), by the matrix's column name."""

from mockexchange.contract.clients.scenes.account import ACCOUNT
from mockexchange.contract.clients.scenes.exchange_data import EXCHANGE_DATA
from mockexchange.contract.clients.scenes.fcm_desk import FCM_DESK
from mockexchange.contract.clients.scenes.historical import HISTORICAL
from mockexchange.contract.clients.scenes.legacy_orders import LEGACY_ORDERS
from mockexchange.contract.clients.scenes.live_data import LIVE_DATA
from mockexchange.contract.clients.scenes.markets import MARKETS_SCENE
from mockexchange.contract.clients.scenes.orders import ORDERS
from mockexchange.contract.clients.scenes.rfqs import RFQS
from mockexchange.contract.clients.scenes.scene import Scene
from mockexchange.contract.clients.scenes.subaccounts import SUBACCOUNTS

SCENES: dict[str, Scene] = {
    scene.capability: scene
    for scene in (
        ACCOUNT,
        SUBACCOUNTS,
        HISTORICAL,
        FCM_DESK,
        MARKETS_SCENE,
        ORDERS,
        RFQS,
        EXCHANGE_DATA,
        LIVE_DATA,
    )
}
# A client of the legacy profile trades through the first order routes, which that profile serves (3.34 does not)
LEGACY_SCENES: dict[str, Scene] = {"orders": LEGACY_ORDERS}


def scene_for(capability: str, profile: str) -> Scene:
    """The scene of a column, for a row on `profile`."""
    return LEGACY_SCENES.get(capability, SCENES[capability]) if profile == "legacy" else SCENES[capability]
