/* The sandbox inspector: Deribit's section (docs/inspector.md), registered with inspector.js
 * (`window.inspector.venue`), which calls it with its own helpers (`ui`): its accounts in the list (each with its
 * subaccounts' wallets), one wallet (its balances, client ids, positions, trades, orders and the book it trades on),
 * whose client id a request carried, and the live feed's `instruments` event.
 *
 * A wallet's open orders (the newest placed first) and its order history (the most recent change first), each order as
 * private/get_open_orders and private/get_order_state serve it; the book of an instrument it trades on as
 * public/get_order_book serves it, each level beside what the wallet's own open orders show there, and a choice of
 * the instrument, with the instrument's newest public trades (public/get_last_trades_by_instrument) and its last hour's
 * one-minute candles (public/get_tradingview_chart_data). GET /_admin/accounts/{user_id}'s `deribit` carries them (its
 * `queries` name the requests); the live feed's `instruments` event names the books an order or a trade moved, and the
 * page reads the shown one again. Data goes into the
 * page as text, never as markup. */
"use strict";

(() => {
  const POSITION_COLUMNS = ["instrument_name", "kind", "direction", "size", "average_price", "mark_price",
    "index_price", "floating_profit_loss", "realized_profit_loss", "total_profit_loss", "delta", "initial_margin"];
  const PUBLIC_TRADE_COLUMNS = ["timestamp", "trade_seq", "direction", "price", "amount", "tick_direction",
    "mark_price", "index_price", "trade_id"];
  const TRADE_COLUMNS = ["timestamp", "instrument_name", "direction", "amount", "price", "fee", "fee_currency",
    "profit_loss", "trade_id"];
  // An order's columns: who it is, its terms, what filled, its state, when.
  const ORDER_COLUMNS = ["order_id", "label", "instrument_name", "direction", "order_type", "price", "amount",
    "filled_amount", "average_price", "order_state", "time_in_force", "post_only", "reduce_only", "max_show",
    "trigger", "trigger_price", "cancel_reason", "creation_timestamp", "last_update_timestamp"];

  /** An order with its times (milliseconds) as ISO 8601 text. */
  function timed(order) {
    const iso = (ms) => new Date(ms).toISOString();
    return { ...order, creation_timestamp: iso(order.creation_timestamp),
      last_update_timestamp: iso(order.last_update_timestamp) };
  }

  /** The wallet's open orders and its closed ones (the newest 100 of each). */
  function orders(d, ui) {
    const { open, history } = d.orders;
    const more = (list) => (list.more ? "the newest 100 (more follow), " : "");
    return [
      ui.el("h3", {}, "Open orders"),
      ui.dataTable("deribit-open-orders-table", open.orders.map(timed), ORDER_COLUMNS,
        `${more(open)}newest placed first, each as ${d.queries.open_orders}`),
      ui.el("h3", {}, "Order history"),
      ui.dataTable("deribit-order-history-table", history.orders.map(timed), ORDER_COLUMNS,
        `${more(history)}filled, cancelled or rejected, as ${d.queries.order_history}`),
    ];
  }

  /** The instrument's book as a ladder: asks above (the best nearest the spread), bids below; a level where the
   * wallet's own orders show is marked, with what they show there and their ids. `choose` shows another instrument. */
  function book(d, ui, choose) {
    const shown = d.book;
    const title = ui.el("h3", {}, "Order book");
    if (!shown) return [title, ui.el("p", { class: "muted", id: "deribit-book-table" }, "no instrument traded yet")];
    const picker = ui.el("label", {}, "instrument ", ui.el("select", {
      id: "deribit-book-instrument", onchange: (event) => choose(event.target.value),
    }, [...new Set([shown.instrument_name, ...d.instruments])].map((name) => ui.el("option", {
      value: name, selected: name === shown.instrument_name,
    }, name))));
    const served = shown.order_book;
    const own = (levels) => new Map(levels.map((level) => [String(level.price), level]));
    const ownBids = own(shown.own.bids);
    const ownAsks = own(shown.own.asks);
    const row = (kind, [price, amount], mine) => {
      const part = mine.get(String(price));
      return ui.el("tr", { class: [kind, part ? "own" : ""].join(" ").trim() },
        ui.el("td", { "data-field": "side" }, kind),
        ui.el("td", { class: "num", "data-field": "price" }, String(price)),
        ui.el("td", { class: "num", "data-field": "amount" }, String(amount)),
        ui.el("td", { class: "num", "data-field": "own_amount" }, part ? String(part.amount) : ""),
        ui.el("td", { class: "mono", "data-field": "own_orders" }, part ? ownOrders(part) : ""));
    };
    const ladder = served.bids.length || served.asks.length
      ? ui.el("div", { class: "table-box fit" }, ui.el("table", { id: "deribit-book-table", class: "ladder" },
        ui.el("thead", {}, ui.el("tr", {}, ["side", "price", "amount", "own_amount", "own_orders"]
          .map((n) => ui.el("th", { scope: "col" }, n)))),
        ui.el("tbody", {}, [...served.asks].reverse().map((level) => row("ask", level, ownAsks)),
          ui.el("tr", { class: "spread" }, ui.el("td", { colspan: 5 }, spread(served))),
          served.bids.map((level) => row("bid", level, ownBids)))))
      : ui.el("p", { class: "muted", id: "deribit-book-table" }, "empty");
    return [
      title,
      ui.el("div", { class: "row" }, picker, ui.el("span", { class: "muted", id: "deribit-book-change" },
        `change_id ${served.change_id}`)),
      ladder,
      ui.el("p", { class: "source" }, `as ${d.queries.order_book} answers (the best 20 levels a side); own: what `
        + "this wallet's open orders show at the level and their ids"),
    ];
  }

  /** The instrument's newest public trades, and its last hour's candles as a picture (a wick from low to high, a body
   * from open to close; green where it closed at or above its open). */
  function market(d, ui) {
    const shown = d.book;
    if (!shown) return [];
    const trades = shown.trades.map((t) => ({ ...t, timestamp: new Date(t.timestamp).toISOString() }));
    return [
      ui.el("h3", {}, `Recent trades of ${shown.instrument_name}`),
      ui.dataTable("deribit-instrument-trades-table", trades, PUBLIC_TRADE_COLUMNS,
        `as ${d.queries.last_trades} answers`),
      ui.el("h3", {}, `Candles of ${shown.instrument_name}`),
      candles(shown.chart, ui),
      ui.el("p", { class: "source" }, `as ${d.queries.chart} answers`),
    ];
  }

  function candles(chart, ui) {
    if (chart.status !== "ok") return ui.el("p", { class: "muted", id: "deribit-candles" }, "no trade in the last hour");
    const { svg } = ui;
    const width = 520;
    const height = 120;
    const pad = 6;
    const low = Math.min(...chart.low);
    const high = Math.max(...chart.high);
    const y = (v) => pad + (high > low ? (1 - (v - low) / (high - low)) : 0.5) * (height - 2 * pad);
    const step = (width - 2 * pad) / Math.max(chart.ticks.length, 1);
    const bars = chart.ticks.map((tick, i) => {
      const x = pad + step * i + step / 2;
      const [open, close] = [chart.open[i], chart.close[i]];
      const top = y(Math.max(open, close));
      const title = `${new Date(tick).toISOString().slice(11, 16)}: open ${open}, high ${chart.high[i]}, low `
        + `${chart.low[i]}, close ${close}, volume ${chart.volume[i]}`;
      return svg("g", { class: `candle ${close >= open ? "up" : "down"}`, "data-tick": tick },
        svg("title", {}, title),
        svg("line", { x1: x.toFixed(1), x2: x.toFixed(1), y1: y(chart.high[i]).toFixed(1),
          y2: y(chart.low[i]).toFixed(1) }),
        svg("rect", { x: (x - step * 0.35).toFixed(1), width: (step * 0.7).toFixed(1), y: top.toFixed(1),
          height: Math.max(y(Math.min(open, close)) - top, 1).toFixed(1) }));
    });
    const summary = `${chart.ticks.length} one-minute candles, low ${low}, high ${high}, last close `
      + `${chart.close[chart.close.length - 1]}`;
    return ui.el("div", { class: "svg-box", id: "deribit-candles" },
      svg("svg", { viewBox: `0 0 ${width} ${height + 14}`, role: "img", "aria-label": summary },
        svg("title", {}, summary), bars,
        svg("text", { x: pad, y: height + 12 }, new Date(chart.ticks[0]).toISOString().slice(11, 16)),
        svg("text", { x: width - pad, y: height + 12, "text-anchor": "end" },
          new Date(chart.ticks[chart.ticks.length - 1]).toISOString().slice(11, 16))));
  }

  function ownOrders(part) {
    const more = part.orders > part.order_ids.length ? ` (+${part.orders - part.order_ids.length} more)` : "";
    return part.order_ids.join(" ") + more;
  }

  function spread(served) {
    const bid = served.best_bid_price;
    const ask = served.best_ask_price;
    if (!served.bids.length || !served.asks.length) return served.bids.length ? "no ask" : "no bid";
    return `best bid ${bid}, best ask ${ask}; mark ${served.mark_price}, index ${served.index_price}`;
  }

  /** Whether the live feed's `instruments` event (`names`: null for every instrument) moved the book shown. */
  function moved(d, names) {
    return Boolean(d && d.book) && (names === null || names.includes(d.book.instrument_name));
  }

  function balancesText(balances) {
    return Object.entries(balances).map(([code, amount]) => `${amount} ${code}`).join(", ");
  }

  /** The account list's items: each account's main wallet, its subaccounts' nested under it. */
  function items(accounts, ui) {
    const { el, accountButton } = ui;
    return accounts.map((account) => {
      const [main, ...subs] = account.wallets;
      return el(
        "li", {},
        accountButton(NAME, account.user_id, main.id, account.user_id, balancesText(main.balances),
          `${account.user_id}, main account ${main.id}`),
        subs.length
          ? el("ul", {}, subs.map((wallet) => el("li", {}, accountButton(NAME, account.user_id, wallet.id,
            `${wallet.username} #${wallet.id}`, balancesText(wallet.balances), `subaccount ${wallet.id}`))))
          : null,
      );
    });
  }

  /** One wallet, as GET /_admin/accounts/{user_id}?wallet=ID's `deribit` carries it. */
  function detail(user, d, ui) {
    const { el, dataTable, fact, pnlPictures, select } = ui;
    const wallet = d.wallets.find((w) => w.id === d.wallet_id) || d.wallets[0];
    const switcher = d.wallets.length > 1
      ? el("div", { class: "buttons", role: "group", "aria-label": "wallets" },
        d.wallets.map((w) => el("button", {
          type: "button", id: `wallet-${w.id}`, "aria-pressed": w.id === d.wallet_id ? "true" : "false",
          onclick: () => select(NAME, user, w.id),
        }, `${w.main ? "main" : w.username} #${w.id}`)))
      : null;
    const trades = d.trades.map((t) => ({ ...t, timestamp: new Date(t.timestamp).toISOString() }));
    return [
      el("p", { class: "muted" }, `${wallet.main ? "main account" : "subaccount"} ${wallet.username} #${wallet.id}`),
      switcher,
      el("div", { class: "facts" }, Object.keys(wallet.balances).length
        ? Object.entries(wallet.balances).map(([code, amount]) => fact(code, amount))
        : fact("balances", "none")),
      el("p", { class: "source" }, "client ids: ", d.keys.length
        ? d.keys.map((key, i) => [i ? ", " : "", el("code", {}, key.client_id)]) : "none"),
      el("h3", {}, "Positions"),
      dataTable("deribit-positions-table", d.positions, POSITION_COLUMNS,
        "as private/get_positions answers for this wallet"),
      orders(d, ui),
      book(d, ui, (name) => ui.showWith({ instrument: name })),
      market(d, ui),
      el("h3", {}, "Position and realized P&L over exchange time"),
      pnlPictures(d.pnl),
      el("h3", {}, "Trades"),
      dataTable("trades-table", trades, TRADE_COLUMNS, "the newest 100"),
    ];
  }

  const NAME = "deribit";
  window.inspector.venue(NAME, {
    title: "Deribit",
    labels: [NAME, "signalplus"], // the native API and the SignalPlus gateway's
    items,
    has: (accounts, selected) => accounts.some((a) => a.user_id === selected.user
      && a.wallets.some((w) => w.id === selected.sub)),
    query(selected) {
      const instrument = selected.instrument ? `&instrument=${encodeURIComponent(selected.instrument)}` : "";
      return `wallet=${selected.sub}${instrument}`;
    },
    detail,
    owner(accounts, keyId) {
      const account = accounts.find((a) => a.client_ids.includes(keyId));
      return account ? account.user_id : null;
    },
    make: "/_admin/deribit/accounts",
    shows: "a Deribit wallet's order book, its own levels marked, and the instrument's trades and candles",
    events: {
      instruments(data, shown, ui) {
        if (moved(shown, data.instrument_names)) ui.reload();
      },
    },
  });
})();
