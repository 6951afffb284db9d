/* The sandbox inspector: Kalshi perps' section (docs/inspector.md), registered with inspector.js
 * (`window.inspector.venue`), which calls it with its own helpers (`ui`): its accounts in the list (each user's primary
 * margin subaccount with its numbered ones nested, each with its cash), one account (its cash, balance and margin,
 * margin ratio, positions at the liquidation mark, resting orders and newest fills), whose key a request carried, and
 * the live feed's `perps_markets` event: a mark moved in a market the shown account holds or rests an order in reads
 * it again. Its columns are the answer's (GET /_admin/accounts/{user_id}'s `perps`); every amount is the venue's
 * decimal text. Data goes into the page as text, never as markup. */
"use strict";

(() => {
  const NAME = "perps";
  // The balance's facts, as GET /margin/balance?compute_available_balance=true serves the subaccount's row.
  const BALANCE = ["account_equity", "position_value", "maintenance_margin", "initial_margin", "resting_orders_margin",
    "available_balance"];
  const ORDER_COLUMNS = ["order_id", "client_order_id", "ticker", "side", "price", "remaining_count", "fill_count",
    "expiration_time", "self_trade_prevention_type", "order_source", "last_update_reason", "created_time",
    "last_update_time"];
  const FILL_COLUMNS = ["created_time", "ticker", "side", "count", "price", "entry_price", "realized_pnl", "fees",
    "is_taker", "order_source", "order_id", "fill_id"];

  /** The account list's items: each user's primary subaccount, its numbered ones nested under it. */
  function items(accounts, ui) {
    const { el, accountButton, dollars } = ui;
    return accounts.map((account) => {
      const [primary, ...numbered] = account.subaccounts;
      return el(
        "li", {},
        accountButton(NAME, account.user_id, 0, account.user_id, dollars(primary.cash),
          `${account.user_id}, primary margin subaccount: cash`),
        numbered.length
          ? el("ul", {}, numbered.map((sub) => el("li", {}, accountButton(NAME, account.user_id, sub.subaccount,
            `subaccount ${sub.subaccount}`, dollars(sub.cash), `margin subaccount ${sub.subaccount}: cash`))))
          : null,
      );
    });
  }

  /** One margin subaccount, as GET /_admin/accounts/{user_id}?margin_subaccount=N's `perps` carries it. */
  function detail(user, d, ui) {
    const { el, dataTable, fact, dollars, select } = ui;
    const switcher = d.subaccounts.length > 1
      ? el("div", { class: "buttons", role: "group", "aria-label": "margin subaccounts" },
        d.subaccounts.map((sub) => el("button", {
          type: "button", id: `perps-subaccount-${sub}`, "aria-pressed": sub === d.subaccount ? "true" : "false",
          onclick: () => select(NAME, user, sub),
        }, sub ? `subaccount ${sub}` : "primary")))
      : null;
    const ratio = d.margin_ratio === null ? "\u2013 (no maintenance margin)" : d.margin_ratio;
    return [
      el("p", { class: "muted" }, d.subaccount ? `margin subaccount ${d.subaccount}` : "primary margin subaccount"),
      switcher,
      el("div", { class: "facts" },
        fact("cash", dollars(d.cash), "perps-cash"),
        BALANCE.map((name) => fact(name, dollars(d.balance[name]), `perps-${name}`)),
        fact("margin ratio", ratio, "perps-margin_ratio"),
        fact("liquidation threshold", d.liquidation_margin_ratio_threshold, "perps-threshold")),
      el("p", { class: "source" }, `as ${d.queries.balance} serves it; the margin ratio is the equity over the `
        + "maintenance margin, liquidated at the threshold"),
      el("h3", {}, "Positions"),
      dataTable("perps-positions-table", d.positions, d.position_columns, `as ${d.queries.positions} serve them; `
        + "realized_pnl over the position's life, fees while it is open"),
      el("h3", {}, "Resting orders"),
      dataTable("perps-orders-table", d.orders.orders, ORDER_COLUMNS,
        `${d.orders.more ? "the newest 100 (more rest), " : ""}as ${d.queries.orders}`),
      el("h3", {}, "Fills"),
      dataTable("perps-fills-table", d.fills, FILL_COLUMNS, `the newest 100, as ${d.queries.fills} answers`),
    ];
  }

  window.inspector.venue(NAME, {
    title: "Kalshi perps",
    movedBy: ["kalshi"], // its cash is Kalshi's margined instance's: a transfer is a Kalshi change of the user
    items,
    has: (accounts, selected) => accounts.some((a) => a.user_id === selected.user
      && a.subaccounts.some((s) => s.subaccount === selected.sub)),
    query: (selected) => `margin_subaccount=${selected.sub}`,
    detail,
    owner(accounts, keyId) {
      const account = accounts.find((a) => a.key_ids.includes(keyId));
      return account ? account.user_id : null;
    },
    shows: "a Kalshi perps account's margin, its positions at the mark with their liquidation prices, and its "
      + "resting orders",
    events: {
      perps_markets(data, shown, ui) {
        if (shown && (data.tickers === null || data.tickers.some((ticker) => shown.markets.includes(ticker)))) {
          ui.reload();
        }
      },
    },
  });
})();
