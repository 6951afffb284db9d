"""Block trade proposals (the ledger's `block_trades` part): a trade of one market agreed between two users off the
book, proposed by its buyer or its seller, accepted by the other, executed at once when both have.

The execution is one trade between the two, booked as a match's two sides are (filling.py's `fill_of_order`: the
one road every fill takes; the sides' terms as matching.py makes a match's), off the book: no resting order is
touched; its trade is printed among the market's trades as a match's is, marked a block trade (`print_match`'s
`block`: `is_block_trade`). The buyer buys YES at the price, the seller sells it; `maker_side` says whose fill is the
maker's (yes: the buyer's), each paying the market's fee schedule as maker or taker. Both fills are checked first
against every bound and each side's cash (run through copies, batch_checks.py's `run_bounds`); a side that cannot pay
fails the proposal and moves nothing.

A pending proposal expires at its `expiration_ts` on the exchange clock: it is expired to every read and command from
then on (`status_at`: worked out from the clock, not kept, so a refused accept changes nothing and a state file replays
to the same answers).

What a user keeps: a proposer has at most `MAX_PENDING` pending proposals (one more is refused, 409
`too_many_block_trade_proposals`), and keeps its latest ended ones (executed, failed, expired) up to the ledger's
`kept_ended` (Settings.kalshi_ended_orders, the ended orders' bound): past it its oldest, by when it ended (an expired
one at its `expiration_ts`, a `Timer` of kind `EXPIRE_DUE` on the lifecycle's schedule), is forgotten, for both parties.
A proposal counts against its proposer alone, so one user's flood forgets only proposals it made.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from mockexchange.core.ids import uuid_text
from mockexchange.core.kalshi.batch_checks import run_bounds
from mockexchange.core.kalshi.block_trade_commands import AcceptBlockTradeProposal, ProposeBlockTrade
from mockexchange.core.kalshi.block_trade_records import (
    EXECUTED,
    FAILED,
    PENDING,
    BlockTradeProposal,
    Party,
)
from mockexchange.core.kalshi.checks import LedgerError, Refusal
from mockexchange.core.kalshi.due import Timer
from mockexchange.core.kalshi.lifecycle import schedule, tradable
from mockexchange.core.kalshi.matching import yes_terms

if TYPE_CHECKING:
    from mockexchange.core.kalshi.accounts import Account
    from mockexchange.core.kalshi.catalogue import Catalogue
    from mockexchange.core.kalshi.filling import Filling
    from mockexchange.core.kalshi.ledger_state import LedgerState

# The latest a proposal may expire: a day after it is made (the mock's bound; Kalshi states none).
MOST_EXPIRY = timedelta(hours=24)
MAX_PENDING = 100  # a proposer's pending proposals at once (the mock's bound, as Kalshi's on open RFQs)
EXPIRE_DUE = "block_trade_expire"  # the schedule's timer kind: a pending proposal's expiration


class BlockTrading:
    """Block trade proposals (module docstring), under the ledger's lock. It takes the ledger's state and what it
    calls of the other parts: the lifecycle's transitions due (`run_due`), the catalogue's fee rules, the fills
    (`fill_of_order`, `drawn_id`) and a subaccount's check (`known`, subaccounts.py)."""

    def __init__(
        self,
        state: LedgerState,
        run_due: Callable[[], None],
        catalogue: Catalogue,
        filling: Filling,
        known: Callable[[Account, int, str], None],
    ) -> None:
        self.state = state
        self.run_due = run_due
        self.catalogue = catalogue
        self.filling = filling
        self.known = known

    # -- commands ----------------------------------------------------------------------------------------------------

    def propose(self, command: ProposeBlockTrade) -> BlockTradeProposal:
        """A new proposal; the proposer's side accepted as it is made."""
        state = self.state
        with state.lock:
            now = self._begin()
            proposer = command.user_id
            if proposer not in (command.buyer_user_id, command.seller_user_id):
                raise LedgerError("the proposer of a block trade must be its buyer or its seller", status=403)
            if command.buyer_user_id == command.seller_user_id:
                raise Refusal("a block trade's buyer and seller must be different users", code="invalid_parameters")
            buyer = self._party(command.buyer_user_id, command.buyer_subtrader_id, command.buyer_subaccount, "buyer_")
            seller = self._party(
                command.seller_user_id, command.seller_subtrader_id, command.seller_subaccount, "seller_"
            )
            if not now < command.expiration_ts <= now + MOST_EXPIRY:
                raise Refusal(
                    f"expiration_ts must be after now ({now.isoformat()}) and within {MOST_EXPIRY} of it",
                    code="invalid_parameters",
                )
            try:
                market = tradable(state, command.market_ticker) or state.market(command.market_ticker)
            except LedgerError as exc:
                raise Refusal(str(exc), code="invalid_parameters") from None
            blocks = state.block_trades
            if len(blocks.pending.get(proposer, ())) >= MAX_PENDING:
                raise Refusal(f"a user has at most {MAX_PENDING} pending block trade proposals",
                              409, "too_many_block_trade_proposals")  # fmt: skip
            proposal_id = command.block_trade_proposal_id or state.new_id()
            if proposal_id in blocks.proposals:
                raise LedgerError(f"block trade proposal {proposal_id!r} exists already", status=409)
            proposal = BlockTradeProposal(
                proposal_id, proposer, buyer, seller, market.ticker, command.price_centi_cents, command.centicount,
                command.maker_side, command.expiration_ts, now, now,
            )  # fmt: skip
            if proposer == buyer.user_id:
                proposal.buyer_accepted_ts = now
            else:
                proposal.seller_accepted_ts = now
            blocks.add(proposal)
            schedule(state, proposal.expiration_ts, Timer(EXPIRE_DUE, proposal_id))
            return proposal

    def accept(self, command: AcceptBlockTradeProposal) -> BlockTradeProposal:
        """The other side accepts: the proposal executes at once (or fails, if a side cannot pay)."""
        state = self.state
        with state.lock:
            now = self._begin()
            proposal = self.proposal_for(command.user_id, command.block_trade_proposal_id)
            status = proposal.status_at(now)
            if status != PENDING:
                raise Refusal(f"block trade proposal {proposal.proposal_id!r} is {status}",
                              code="invalid_parameters")  # fmt: skip
            side = next((s for s in proposal.party_of(command.user_id) if _accepted(proposal, s) is None), None)
            if side is None:
                raise Refusal("this block trade proposal is accepted already on the caller's side",
                              code="invalid_parameters")  # fmt: skip
            party = proposal.buyer if side == "buyer" else proposal.seller
            named = self._party(party.user_id, command.subtrader_id, command.subaccount, "")
            if (command.subtrader_id or command.subaccount is not None) and named != party:
                raise Refusal(f"the proposal names another subtrader or subaccount for the {side}",
                              code="invalid_parameters")  # fmt: skip
            if side == "buyer":
                proposal.buyer_accepted_ts = now
            else:
                proposal.seller_accepted_ts = now
            proposal.updated_ts = now
            self._execute(proposal, now)
            state.block_trades.end(proposal, now, state.kept_ended)
            return proposal

    def expire_due(self, proposal_id: str, when: datetime) -> None:
        """A proposal's expiration came at `when`: if still pending, it ended then (its status is read from the
        clock)."""
        proposal = self.state.block_trades.proposals.get(proposal_id)
        if proposal is not None and proposal.status == PENDING and proposal.expiration_ts <= when:
            self.state.block_trades.end(proposal, proposal.expiration_ts, self.state.kept_ended)

    def _begin(self) -> datetime:
        """Now, every market transition due by now made first (under the lock)."""
        self.run_due()
        return self.state.clock.now()

    def _party(self, user_id: str, subtrader_id: str | None, subaccount: int | None, named: str) -> Party:
        """A side of a trade: the user's account (refused if none), as its FCM subtrader or its subaccount."""
        state = self.state
        account = state.accounts.get(user_id)
        if account is None:
            raise Refusal(f"{named or 'the '}user_id {user_id!r} is not a user of the exchange",
                          code="invalid_parameters")  # fmt: skip
        if subtrader_id:
            trader = state.accounts.get(subtrader_id)
            if trader is None or trader.subtrader_of != user_id:
                raise Refusal(f"{named}subtrader_id {subtrader_id!r} is not a subtrader of {user_id!r}",
                              code="invalid_parameters")  # fmt: skip
            return Party(user_id, 0, subtrader_id)
        if subaccount is not None:
            try:
                self.known(account, subaccount, f"{named}subaccount")
            except Refusal as exc:
                raise Refusal(str(exc), code="invalid_parameters") from None
        return Party(user_id, subaccount or 0)

    # -- execution ---------------------------------------------------------------------------------------------------

    def _execute(self, proposal: BlockTradeProposal, now: datetime) -> None:
        """The trade of a proposal both sides accepted, or its failure (nothing moved) if a bound or a side's cash
        refuses it, or its market takes no trading now."""
        state = self.state
        count, price = proposal.count, proposal.price
        buyer, seller = proposal.buyer, proposal.seller
        try:
            market = tradable(state, proposal.market_ticker) or state.market(proposal.market_ticker)
            rule = self.catalogue.fee_rule_for(market.ticker, None)
            buyer_makes = proposal.maker_side == "yes"
            sides = (
                (buyer, yes_terms(True, count, price, rule.fee_units(count, price, not buyer_makes)), buyer_makes),
                (seller, yes_terms(False, count, price, rule.fee_units(count, price, buyer_makes)), not buyer_makes),
            )
            places = [(party.account, market.ticker, party.subaccount) for party, _, _ in sides]
            funds = run_bounds(state, places, [terms for _, terms, _ in sides], numbered=False)
            for party, _, _ in sides:  # (a side that closes a position is paid in: its cash may only grow)
                account, where = party.account, (party.subaccount, market.exchange_index)
                before, after = state.accounts[account].cash.get(where, 0), funds[account].cash.get(where, 0)
                if after < 0 and after < before:
                    raise LedgerError(f"insufficient balance: {account!r} cannot pay its side")
        except LedgerError:
            proposal.status, proposal.updated_ts = FAILED, now
            return
        filling, bus = self.filling, state.bus
        takers = (bus.takers("fill"), bus.takers("position"))
        trade_id = filling.drawn_id()
        order_ids, written = [], []
        for party, terms, makes in sides:
            order_id = filling.drawn_id()
            order_ids.append(uuid_text(order_id) if isinstance(order_id, int) else order_id)
            written.append(filling.fill_of_order(
                state.accounts[party.account], market, party.subaccount, terms, not makes, order_id, None, now,
                trade_id, takers, {},
            ))  # fmt: skip
        taker = 1 if buyer_makes else 0  # (the seller takes when the buyer makes)
        filling.print_match(market, written[taker], sides[taker][1], now, block=True)
        proposal.buyer_order_id, proposal.seller_order_id = order_ids
        proposal.status, proposal.executed_ts, proposal.updated_ts = EXECUTED, now, now

    # -- reads -------------------------------------------------------------------------------------------------------

    def proposal_for(self, user_id: str, proposal_id: str) -> BlockTradeProposal:
        """The proposal, if `user_id` is a party to it (a 404 refusal otherwise: another's is not shown)."""
        proposal = self.state.block_trades.proposals.get(proposal_id)
        if proposal is None or not proposal.party_of(user_id):
            raise LedgerError(f"no block trade proposal {proposal_id!r} of {user_id!r}", status=404)
        return proposal

    def proposals_of(
        self, user_id: str, market_ticker: str | None, status: str | None, before: tuple[int, int] | None, limit: int
    ) -> tuple[list[tuple[tuple[int, int], BlockTradeProposal]], bool]:
        """Up to `limit` of the user's proposals, newest first, each with its key in the user's list (a page's key),
        from the one before key `before` (None: the newest), of the market and showing the status given (None: any);
        and whether more follow. Read under the ledger's lock (`Ledger.reading`)."""
        now = self.state.clock.now()

        def keep(proposal: BlockTradeProposal) -> bool:
            return market_ticker in (None, proposal.market_ticker) and status in (None, proposal.status_at(now))

        return self.state.block_trades.listed.page(user_id, limit, before=before, keep=keep)


def _accepted(proposal: BlockTradeProposal, side: str) -> datetime | None:
    return proposal.buyer_accepted_ts if side == "buyer" else proposal.seller_accepted_ts
