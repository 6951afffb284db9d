"""The statuses each of Kalshi's communications operations may answer in the random sequences of
test_hostile_rfq_invariants.py: those its 3.34.0 spec documents, and those the docs say the mock answers beside them.
Never a 500."""

# Statuses each operation documents (Kalshi's OpenAPI 3.34.0, `responses`), beside 500, which never may answer.
DOCUMENTED = {
    "GetBalance": {200, 401}, "GetPositions": {200, 400, 401}, "GetFills": {200, 400, 401},
    "GetOrders": {200, 400, 401}, "CreateOrderV2": {201, 400, 401, 403, 409, 429, 503},
    "GetRFQs": {200, 400, 401}, "CreateRFQ": {201, 400, 401, 409}, "GetRFQ": {200, 400, 401, 404},
    "DeleteRFQ": {204, 400, 401, 404}, "GetRFQQuote": {200, 400, 401, 404}, "DeleteRFQQuote": {204, 400, 401, 404},
    "AcceptRFQQuote": {204, 400, 401, 404}, "ConfirmRFQQuote": {204, 400, 401, 404}, "GetQuotes": {200, 400, 401},
    "CreateQuote": {201, 400, 401}, "GetQuote": {200, 400, 401, 404}, "DeleteQuote": {204, 400, 401, 404},
    "AcceptQuote": {204, 400, 401, 404}, "ConfirmQuote": {204, 400, 401, 404},
    "GetBlockTradeProposals": {200, 400, 401}, "ProposeBlockTrade": {201, 400, 401, 403},
    "AcceptBlockTradeProposal": {204, 400, 401, 404}, "GetRFQBatches": {200, 400, 401},
    "CreateRFQBatch": {201, 400, 401, 403, 409}, "GetRFQBatch": {200, 400, 401, 404},
    "DeleteRFQBatch": {204, 400, 401, 404}, "GetRFQBatchBestQuotes": {200, 400, 401, 403, 404},
    "AcceptRFQBatch": {200, 400, 401, 403, 404, 409}, "GetRFQBatchQuotes": {200, 400, 401, 404},
    "CreateRFQBatchQuote": {201, 400, 401, 403, 404, 409}, "DeleteRFQBatchQuote": {204, 400, 401, 404},
    "ConfirmRFQBatchQuote": {204, 400, 401, 404, 409},
}  # fmt: skip
# And those docs/known-differences.md says the mock answers beside them: "RFQs and quotes" (409 `conflict`,
# `rfq_closed`, `market_closed`, `too_many_quotes` of a write on an RFQ or a quote in the wrong state; 403 `forbidden`
# of the wrong party: accepting as the maker, confirming or deleting as the RFQ's creator), "Orders" (the 404 of an
# order naming no market), "Block trade proposals" (409 `too_many_block_trade_proposals`; 403 to one of no party).
for _op in ("DeleteRFQ", "CreateQuote", "DeleteRFQQuote", "DeleteQuote", "AcceptRFQQuote", "AcceptQuote",
            "ConfirmRFQQuote", "ConfirmQuote", "DeleteRFQBatch", "DeleteRFQBatchQuote",
            "ConfirmRFQBatchQuote"):  # fmt: skip
    DOCUMENTED[_op] |= {403, 409}
# And docs/kalshi.md's: a quote's `rfq_id` well formed but of no RFQ is 404 ("RFQs and quotes"), and so is a market
# no one listed ("a ticker, event or series no one listed is 404"); a batch's children as single RFQs: one of them
# quoted alone 400, deleted alone 409 (known-differences.md, "RFQ batches").
for _op, _also in {"CreateOrderV2": {404}, "CreateQuote": {404}, "CreateRFQ": {404}, "ProposeBlockTrade": {404, 409},
                   "CreateRFQBatch": {404},
                   "AcceptBlockTradeProposal": {403}}.items():  # fmt: skip
    DOCUMENTED[_op] |= _also
