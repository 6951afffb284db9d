/* The sandbox inspector: Kalshi's section (docs/inspector.md), registered with inspector.js (`window.inspector.venue`),
 * which calls it with its own helpers (`ui`): its accounts in the list (each FCM member with its subtraders nested, each
 * user's subaccounts), the house (the mock's own liquidity) apart, one account, whose key a request carried, and its
 * markets (inspector-markets.js) followed by the live feed's `markets` event.
 *
 * An account: its balance, positions and event roll-ups, its fills, settlements, deposits and withdrawals. Its
 * subaccounts (balance per exchange index, netting), the transfers between them and between exchange instances, the
 * target balance allocation, its API keys, the historical cutoff and what it moved, an FCM member's subtraders: each is
 * the Kalshi venue's own answer that GET /_admin/accounts/{user_id} carries (its `queries` name the request), shown as
 * served. Its orders: the shown subaccount's resting ones and those that ended, most recent first, each as REST serves
 * it with what it holds, its time in force and whether it is post-only; its order groups as REST serves them, with
 * what their orders matched in the window and how many rest. Its RFQs, the quotes it made and the quotes offered to
 * it, every subaccount's, each as REST serves the user. Lists are the newest (or first) 100 of what there is, with how many there are (`counts`, `moved`). Data goes
 * into the page as text, never as markup. */
"use strict";

(() => {
  const PREFERRED = {
    fills: ["created_time", "ticker", "side", "action", "count_fp", "count", "yes_price_dollars", "no_price_dollars",
      "price", "fee_cost", "is_taker", "order_id", "subaccount_number"],
    settlements: ["settled_time", "ticker", "market_result", "yes_count_fp", "yes_total_cost_dollars", "no_count_fp",
      "no_total_cost_dollars", "revenue", "fee_cost"],
  };
  const COLUMNS = {
    subaccountTransfers: ["created_ts", "transfer_id", "from_subaccount", "to_subaccount", "amount_cents", "dollars",
      "exchange_index"],
    instanceTransfers: ["created_ts", "transfer_id", "client_transfer_id", "status", "source", "source_exchange_shard",
      "destination", "destination_exchange_shard", "amount", "dollars"],
    keys: ["api_key_id", "name", "scopes", "subaccount", "fcm_subtrader_id"],
    orders: ["last_update_time", "ticker", "status", "side", "action", "yes_price_dollars", "initial_count_fp",
      "order_id", "subaccount_number"],
  };

  // An order's columns: who it is, its terms, what rests and filled, what it holds, how long it lives, its group.
  const ORDER_COLUMNS = ["order_id", "client_order_id", "ticker", "side", "action", "yes_price_dollars",
    "remaining_count_fp", "fill_count_fp", "held_dollars", "time_in_force", "post_only", "expiration_time",
    "order_group_id", "status", "last_update_time"];
  // An order group's columns: its limit, what its orders matched in the window, whether it is triggered, its orders.
  const GROUP_COLUMNS = ["id", "contracts_limit_fp", "matched_fp", "is_auto_cancel_enabled", "exchange_index",
    "orders_count", "resting_count", "orders"];

  /** Whole cents (an integer, as `amount_cents` is) in dollars, exactly: 150 -> "$1.50". */
  function centsInDollars(cents) {
    const digits = String(Math.abs(cents)).padStart(3, "0");
    return `${cents < 0 ? "-" : ""}$${digits.slice(0, -2)}.${digits.slice(-2)}`;
  }

  /** A list's caption's start: "the newest 100 (more follow), " when more follow. */
  function newest(list) {
    return list.more ? "the newest 100 (more follow), " : "";
  }

  /** "1 key", "3 keys". */
  function plural(count, word) {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
  }

  /** "3 keys", or "the first 100 of 4000 keys" when the answer was cut. */
  function howMany(shown, total, word) {
    return shown < total ? `the first ${shown} of ${plural(total, word)}` : plural(total, word);
  }

  function subaccounts(k, ui) {
    const enabled = new Map(k.netting.netting_configs.map((c) => [`${c.subaccount_number}:${c.exchange_index}`,
      c.enabled]));
    const rows = k.subaccount_balances.subaccount_balances.map((b) => {
      const netting = enabled.get(`${b.subaccount_number}:${b.exchange_index}`);
      return {
        subaccount_number: b.subaccount_number, exchange_index: b.exchange_index, balance: b.balance,
        updated_ts: b.updated_ts, netting: netting === undefined ? null : netting ? "enabled" : "disabled",
      };
    });
    const count = howMany(rows.length, k.counts.subaccount_balances, "balance");
    return [
      ui.el("h3", {}, "Subaccounts"),
      ui.dataTable("subaccounts-table", rows, null, `${count} by subaccount and exchange index, as `
        + `${k.queries.subaccount_balances} answers; netting as ${k.queries.netting} answers`),
    ];
  }

  /** The history tabs of the account's transfers, newest first: each amount in dollars beside the wire's own. */
  function transferTabs(k) {
    const subaccountRows = k.subaccount_transfers.transfers.map((t) => ({ ...t, dollars: centsInDollars(t.amount_cents) }));
    const instanceRows = k.instance_transfers.transfers.map((t) => ({ ...t, dollars: `$${t.amount}` }));
    return [
      { name: "subaccount-transfers", label: "Subaccount transfers", rows: subaccountRows,
        total: k.counts.subaccount_transfers, preferred: COLUMNS.subaccountTransfers, query: k.queries.subaccount_transfers },
      { name: "instance-transfers", label: "Instance transfers", rows: instanceRows,
        total: k.counts.instance_transfers, preferred: COLUMNS.instanceTransfers, query: k.queries.instance_transfers },
    ];
  }

  function allocation(k, ui) {
    const found = k.target_balance_allocation;
    return [
      ui.el("h3", {}, "Target balance allocation"),
      found.allocations.length
        ? ui.dataTable("allocation-table", found.allocations, ["exchange_index", "percent"],
          `as ${k.queries.target_balance_allocation} answers`)
        : ui.el("p", { class: "muted", id: "allocation-table" }, "none set: no automatic rebalancing"),
      ui.el("p", {}, "resting margin reservation: ",
        ui.el("code", { id: "allocation-reservation" }, found.resting_margin_reservation)),
    ];
  }

  function keys(k, ui) {
    const rows = k.api_keys.api_keys.map((key) => ({ ...key, scopes: key.scopes.join(", ") }));
    const count = howMany(rows.length, k.counts.api_keys, "key");
    return [
      ui.el("h3", {}, "API keys"),
      ui.dataTable("keys-table", rows, COLUMNS.keys, `${count}, as ${k.queries.api_keys} answers (never a private key)`),
    ];
  }

  function historical(k, ui) {
    const found = k.historical;
    const title = ui.el("h3", {}, "Historical cutoff");
    if (!found) return [title, ui.el("p", { class: "muted" }, `the ${k.profile} profile has no historical API`)];
    const cutoff = found.cutoff;
    const moved = found.moved;
    const q = k.queries;
    return [
      title,
      ui.el("div", { class: "facts" }, Object.entries(cutoff).map(([name, when]) => ui.fact(name, when, `cutoff-${name}`))),
      ui.el("p", { id: "historical-moved" }, `moved to /historical/*: ${plural(moved.fills, "fill")} and `
        + `${plural(moved.orders, "ended order")} of the account, ${plural(moved.positions, "position")} in `
        + `${plural(moved.events, "event")} of subaccount ${k.subaccount}`),
      ui.tabbed("historical", "historical records", [
        { name: "historical-positions", label: "Positions", rows: found.positions.market_positions,
          total: moved.positions, preferred: null, query: q.historical_positions },
        { name: "historical-fills", label: "Fills", rows: found.fills.fills, total: moved.fills,
          preferred: PREFERRED.fills, query: q.historical_fills },
        { name: "historical-orders", label: "Orders", rows: found.orders.orders, total: moved.orders,
          preferred: COLUMNS.orders, query: q.historical_orders },
      ]),
    ];
  }

  function fcmDesk(k, ui) {
    const desk = k.fcm;
    if (!desk) return [];
    const rows = desk.subtraders.map(({ subtrader, daily_cap: cap, blocked_categories: blocked, blocked_count: count }) => ({
      subtrader_id: subtrader.subtrader_id,
      exchange_indices: subtrader.exchange_indices.join(", "),
      limit: cap ? cap.limit : null,
      executed_utilization: cap ? cap.executed_utilization : null,
      resting_order_utilization: cap ? cap.resting_order_utilization : null,
      cap_date: cap ? cap.cap_date : null,
      blocked_categories: blocked.length
        ? blocked.join(", ") + (count > blocked.length ? ` (+${count - blocked.length} more)` : "") : null,
    }));
    const q = k.queries;
    return [
      ui.el("h3", {}, "FCM desk"),
      ui.dataTable("fcm-table", rows, null, `${howMany(rows.length, desk.subtrader_count, "subtrader")}, as `
        + `${q.fcm_subtraders} lists them; their daily caps (\u2013: none) and blocked categories as `
        + `${q.fcm_daily_cap} and ${q.fcm_blocked_categories} answer`),
    ];
  }

  /** The shown subaccount's resting orders and its ended ones (the newest 100 of each), and its order groups. */
  function orders(k, ui) {
    const { resting, ended } = k.orders;
    const groups = k.order_groups;
    // A group's orders as one cell of ids (the latest 20 placed, in the order placed).
    const groupRows = groups.order_groups.map((group) => ({ ...group, orders: group.orders.join(" ") }));
    return [
      ui.el("h3", {}, "Resting orders"),
      ui.dataTable("resting-orders-table", resting.orders, ORDER_COLUMNS, `${newest(resting)}newest placed first, as `
        + `${k.queries.resting_orders} answers, with what each holds of the account's cash (held_dollars), its time in `
        + "force and post_only"),
      ui.el("h3", {}, "Ended orders"),
      ui.dataTable("ended-orders-table", ended.orders, ORDER_COLUMNS, `${newest(ended)}executed or canceled, the most `
        + `recent first, each as ${k.queries.ended_orders}`),
      ui.el("h3", {}, "Order groups"),
      ui.dataTable("order-groups-table", groupRows, GROUP_COLUMNS,
        `${groups.more ? "the first 100 (more follow), " : ""}oldest first, as ${k.queries.order_groups} lists `
        + `them (is_auto_cancel_enabled: triggered), each one's latest 20 orders as ${k.queries.order_group} lists `
        + "them, with the contracts its orders matched in the rolling 15 s window (matched_fp), how many orders it has "
        + "(orders_count) and how many rest (resting_count)"),
    ];
  }

  /** The user's RFQs, the quotes it made and those offered to it (every subaccount's), newest first. */
  function communications(k, ui) {
    const c = k.communications;
    const q = k.queries;
    return [
      ui.el("h3", {}, "RFQs"),
      ui.dataTable("rfqs-table", c.rfqs.rfqs, null, `${newest(c.rfqs)}newest first, as ${q.rfqs} answers`),
      ui.el("h3", {}, "Quotes made"),
      ui.dataTable("quotes-made-table", c.quotes_made.quotes, null,
        `${newest(c.quotes_made)}newest first, as ${q.quotes_made} answers`),
      ui.el("h3", {}, "Quotes offered"),
      ui.dataTable("quotes-offered-table", c.quotes_offered.quotes, null,
        `${newest(c.quotes_offered)}on the user's RFQs, newest first, as ${q.quotes_offered} answers`),
    ];
  }

  /** The account list's items: each user's subaccounts nested under it, an FCM member's subtraders under it. */
  function items(users, ui) {
    const { el, accountButton, dollars } = ui;
    const byId = new Map(users.map((user) => [user.user_id, user]));
    const item = (user) => {
      const [primary, ...others] = user.subaccounts;
      const badges = [user.fcm_member ? " \u00b7 FCM" : "", user.subtrader_of ? " \u00b7 subtrader" : ""].join("");
      const nested = [
        ...others.map((sub) =>
          el("li", {}, accountButton(NAME, user.user_id, sub.subaccount, `subaccount ${sub.subaccount}`,
            dollars(sub.balance_dollars), `${user.user_id}, subaccount ${sub.subaccount}`)),
        ),
        ...user.subtraders.filter((id) => byId.has(id)).map((id) => item(byId.get(id))),
      ];
      return el(
        "li", {},
        accountButton(NAME, user.user_id, 0, user.user_id + badges, dollars(primary && primary.balance_dollars),
          `${user.user_id}${user.fcm_member ? ", FCM member" : ""}${user.subtrader_of ? ", subtrader of " + user.subtrader_of : ""}`),
        nested.length ? el("ul", {}, nested) : null,
      );
    };
    return users.filter((user) => !user.subtrader_of || !byId.has(user.subtrader_of)).map(item);
  }

  /** One account, as GET /_admin/accounts/{user_id}?subaccount=N's `kalshi` carries it. */
  function detail(user, k, ui) {
    const { el, dataTable, fact, tabbed, pnlPictures, dollars, more, select } = ui;
    const balance = k.balance;
    const about = [
      k.fcm_member && k.subtraders.length
        ? `FCM member of ${k.subtraders.slice(0, 10).join(", ")}${more(10, k.subtraders.length, "subtraders")}` : null,
      k.fcm_member && !k.subtraders.length ? "FCM member" : null,
      k.subtrader_of ? `subtrader of ${k.subtrader_of}` : null,
      `profile ${k.profile}`,
    ].filter(Boolean).join(" \u00b7 ");
    const switcher = k.subaccounts.length > 1
      ? el("div", { class: "buttons", role: "group", "aria-label": "subaccounts" },
        k.subaccounts.map((sub) => el("button", {
          type: "button", id: `sub-${sub}`, "aria-pressed": sub === k.subaccount ? "true" : "false",
          onclick: () => select(NAME, user, sub),
        }, `subaccount ${sub}`)))
      : null;
    const tabs = [
      { name: "fills", label: "Fills", rows: k.fills.fills, preferred: PREFERRED.fills, query: k.queries.fills },
      { name: "settlements", label: "Settlements", rows: k.settlements.settlements, preferred: PREFERRED.settlements,
        query: k.queries.settlements },
      { name: "deposits", label: "Deposits", rows: k.deposits.deposits, preferred: null, query: k.queries.deposits },
      { name: "withdrawals", label: "Withdrawals", rows: k.withdrawals.withdrawals, preferred: null,
        query: k.queries.withdrawals },
      ...transferTabs(k),
    ];
    return [
      el("p", { class: "muted" }, `subaccount ${k.subaccount} \u00b7 ${about}`),
      switcher,
      el("div", { class: "facts" },
        fact("balance", dollars(balance.balance_dollars), "kalshi-balance"),
        fact("balance (cents)", balance.balance),
        fact("portfolio value (cents)", balance.portfolio_value),
        fact("updated", new Date(balance.updated_ts * 1000).toISOString().replace(".000Z", "Z"))),
      subaccounts(k, ui),
      el("h3", {}, "Positions"),
      dataTable("positions-table", k.positions.market_positions, null, `as ${k.queries.positions} answers`),
      el("h3", {}, "Event roll-ups"),
      dataTable("events-table", k.positions.event_positions, null, "event_positions of the same answer"),
      orders(k, ui),
      communications(k, ui),
      el("h3", {}, "Position and realized P&L over exchange time"),
      pnlPictures(k.pnl),
      tabbed("history", "history", tabs),
      allocation(k, ui),
      keys(k, ui),
      historical(k, ui),
      fcmDesk(k, ui),
    ];
  }

  /** The house: the mock's own liquidity, no user, named apart with no balance. */
  function house(accounts, ui) {
    if (!accounts.house) return null;
    return ui.el("div", { id: "house" },
      ui.el("h3", {}, "The mock's liquidity"),
      ui.el("p", { class: "source" }, ui.el("code", { id: "house-id" }, accounts.house.user_id),
        " is the mock's own scripted liquidity (POST /_admin/books), no user: its levels show in each market's book, "
        + "marked house; it holds no cash for them."));
  }

  const NAME = "kalshi";
  window.inspector.venue(NAME, {
    title: "Kalshi",
    items,
    apart: house,
    has: (users, selected) => users.some((u) => u.user_id === selected.user),
    query: (selected) => `subaccount=${selected.sub}`,
    detail,
    // An FCM member's subtraders: their daily caps and blocked categories are published as theirs.
    watches: (k, user) => Boolean(k.fcm && k.subtraders.includes(user)),
    owner(users, keyId) {
      const user = users.find((u) => u.key_ids.includes(keyId));
      return user ? user.user_id : null;
    },
    make: "/_admin/accounts",
    python: "MockServer.create_account",
    shows: "a Kalshi account's subaccounts, order groups, RFQs and quotes, transfers, API keys, historical cutoff and "
      + "FCM desk",
    events: { markets: (data) => window.inspectorMarkets.changed(data.tickers) },
    start: (ui) => window.inspectorMarkets.start(ui),
    hello: () => window.inspectorMarkets.refresh(),
    keys: { m: () => window.inspectorMarkets.focus() },
  });
})();
