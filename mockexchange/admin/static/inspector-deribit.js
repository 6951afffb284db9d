/* The sandbox inspector: a Deribit wallet's orders and the book it trades on (docs/inspector.md), drawn for
 * inspector.js, which loads after it and calls it with its own helpers (`ui`).
 *
 * Its open orders (the newest placed first) and its order history (the most recent change first), each order as
 * private/get_open_orders and private/get_order_state serve it; the book of an instrument it trades on as
 * public/get_order_book serves it, each level beside what the wallet's own open orders show there, and a choice of
 * the instrument. GET /_admin/accounts/{user_id}'s `deribit` carries them (its `queries` name the requests); the live
 * feed's `instruments` event names the books that moved, and the page reads the shown one again. Data goes into the
 * page as text, never as markup. */
"use strict";

window.inspectorDeribit = (() => {
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

  return { orders, book, moved };
})();
