/* The sandbox inspector: Kalshi's markets (docs/inspector.md), which Kalshi's section (inspector-kalshi.js) starts with
 * inspector.js's helpers (`ui`) and tells of the live feed's `markets` event.
 *
 * The list is GET /_admin/markets, a page at a time (a search and a status narrow it; Next and Previous follow its
 * cursors); the market picked is GET /_admin/markets/{ticker}: its figures as GET /markets/{ticker} serves them, its
 * book as GET /markets/{ticker}/orderbook serves it (YES bids and NO bids, as Kalshi shows them) and as the YES book,
 * each level saying who rests there in queue order (the house's scripted liquidity, each account's order), at the
 * book's clock. The live feed's `markets` event names the markets that moved: the page reads again what it shows of
 * them, one read at a time and a few a second at most, however fast a book moves. Data goes into the page as text, never as markup. */
"use strict";

window.inspectorMarkets = (() => {
  const LIST_GAP_MS = 500; // the list is read again at most this often...
  const DETAIL_GAP_MS = 250; // ...and the market picked this often, one read at a time
  const COLUMNS = ["ticker", "event_ticker", "status", "open_time", "close_time", "result", "price_level_structure",
    "yes_bid_dollars", "yes_ask_dollars", "last_price_dollars", "volume_fp", "open_interest_fp"];
  const NUMERIC = /^-?\d+(\.\d+)?$/;

  let ui = null;
  const view = {
    page: null, // the list's answer
    start: "", // the cursor the page starts after ("" the first page)
    before: [], // the starts of the pages before it, for Previous
    selected: null, // the ticker picked
    detail: null, // its answer
  };

  const $ = (id) => document.getElementById(id);

  /** The markets' panel: the list (a search, a status, its pages) and the market picked. */
  function panel() {
    const statuses = ["initialized", "active", "inactive", "closed", "determined", "finalized"];
    return el("section", { id: "kalshi-markets", class: "panel wide", "aria-labelledby": "markets-title" },
      el("h2", { id: "markets-title" }, "Kalshi markets ", el("kbd", {}, "m"), " ",
        el("span", { id: "market-count", class: "badge" }, "0")),
      el("p", { id: "exchange-status", class: "muted" }),
      el("form", { id: "market-filters", class: "row", role: "search", "aria-label": "search the markets" },
        el("label", {}, "search ", el("input", { id: "market-search", type: "search", maxlength: "256",
          placeholder: "ticker, event, series, title", "aria-keyshortcuts": "m" })),
        " ",
        el("label", {}, "status ", el("select", { id: "market-status" },
          el("option", { value: "" }, "all"), statuses.map((status) => el("option", {}, status)))),
        " ",
        el("span", { class: "buttons" },
          el("button", { type: "button", id: "markets-first" }, "First"), " ",
          el("button", { type: "button", id: "markets-previous", disabled: true }, "Previous"), " ",
          el("button", { type: "button", id: "markets-next", disabled: true }, "Next")),
        " ",
        el("span", { id: "markets-page", class: "muted", role: "status" })),
      el("div", { class: "table-box" }, el("table", { id: "markets-table" },
        el("thead", {}, el("tr", {}, COLUMNS.map((name) => el("th", { scope: "col" }, name)))),
        el("tbody", { id: "markets-body" }))),
      el("p", { class: "source" },
        "Each row as GET /trade-api/v2/markets serves the market; a page of 50 in ticker order."),
      el("h3", { id: "market-title" }, "Pick a market"),
      el("div", { id: "market-detail" }, el("p", { class: "muted" }, "Pick a market in the list: its figures and its book.")));
  }

  function start(helpers) {
    ui = helpers;
    ui.panel(panel());
    ui.help(ui.el("kbd", {}, "m"), ["search the markets (then ", ui.el("kbd", {}, "Tab"), " to the list, ",
      ui.el("kbd", {}, "\u2193"), " ", ui.el("kbd", {}, "\u2191"), ", ", ui.el("kbd", {}, "Enter"), " picks one)"]);
    listReader = ui.coalesced(readList, LIST_GAP_MS);
    detailReader = ui.coalesced(readDetail, DETAIL_GAP_MS);
    $("market-filters").addEventListener("submit", (event) => event.preventDefault());
    for (const kind of ["input", "search"]) $("market-search").addEventListener(kind, () => restart());
    $("market-status").addEventListener("change", () => restart());
    $("markets-first").addEventListener("click", () => restart());
    $("markets-previous").addEventListener("click", () => {
      view.start = view.before.pop() || "";
      listReader();
    });
    $("markets-next").addEventListener("click", () => {
      if (!view.page || !view.page.cursor) return;
      view.before.push(view.start);
      view.start = view.page.cursor;
      listReader();
    });
    $("markets-body").addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const buttons = [...$("markets-body").querySelectorAll(".market-button")];
      const next = buttons[buttons.indexOf(document.activeElement) + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) focusButton(next);
      event.preventDefault();
    });
    listReader();
  }

  function restart() {
    view.start = "";
    view.before = [];
    listReader();
  }

  let listReader = null; // each a coalesced read (inspector.js): one at a time, a gap between them
  let detailReader = null;

  async function readList() {
    const query = new URLSearchParams();
    const search = $("market-search").value.trim();
    if (search) query.set("search", search.slice(0, 256));
    if ($("market-status").value) query.set("status", $("market-status").value);
    if (view.start) query.set("cursor", view.start);
    const text = query.toString();
    view.page = await ui.api("/_admin/markets" + (text ? "?" + text : ""));
    renderList();
  }

  async function readDetail() {
    const ticker = view.selected;
    if (ticker === null) return;
    let detail = null;
    try {
      detail = await ui.api(`/_admin/markets/${encodeURIComponent(ticker)}`);
    } catch (error) {
      if (!/unknown market/.test(error.message)) throw error;
      // it went (a reset): nothing is picked any more
    }
    if (view.selected !== ticker) return; // another market was picked meanwhile
    if (detail === null) view.selected = null;
    view.detail = detail;
    renderDetail();
  }

  // -- the live feed ------------------------------------------------------------------------------------------------

  /** The feed's `markets` event: `tickers` moved (null: any may have). */
  function changed(tickers) {
    if (view.selected !== null && (tickers === null || tickers.includes(view.selected))) detailReader();
    if (tickers === null || tickers.some(mayShow)) listReader();
  }

  /** Whether the page shows the market, or would if it was listed now: it sorts inside the page's range. */
  function mayShow(ticker) {
    const page = view.page;
    if (!page) return true;
    const shown = page.markets.map((row) => row.ticker);
    if (shown.includes(ticker)) return true;
    if (view.start && ticker <= view.start) return false;
    return !page.cursor || (shown.length > 0 && ticker < shown[shown.length - 1]);
  }

  function refresh() {
    listReader();
    detailReader();
  }

  // -- the list -----------------------------------------------------------------------------------------------------

  function renderList() {
    const page = view.page;
    const counts = page.counts;
    $("market-count").textContent = String(counts.markets);
    const exchange = page.exchange;
    $("exchange-status").textContent = `exchange ${exchange.exchange_active ? "active" : "inactive"}, trading `
      + `${exchange.trading_active ? "active" : "halted"} (as ${page.queries.exchange} answers) \u00b7 `
      + `${counts.series} series, ${counts.events} events, ${counts.markets} markets \u00b7 profile ${page.profile}`;
    const focused = document.activeElement && document.activeElement.classList.contains("market-button")
      ? document.activeElement.dataset.ticker : null;
    const rows = page.markets.map((row) => el("tr", { "data-ticker": row.ticker },
      COLUMNS.map((name) => name === "ticker"
        ? el("td", { "data-field": name }, el("button", {
          type: "button", class: "market-button", "data-ticker": row.ticker, title: row.title,
          "aria-current": row.ticker === view.selected ? "true" : "false", tabindex: "-1",
          onclick: (event) => pick(row.ticker, event.currentTarget),
        }, row.ticker))
        : cell(name, row[name]))));
    $("markets-body").replaceChildren(...rows);
    const buttons = [...$("markets-body").querySelectorAll(".market-button")];
    const active = buttons.find((b) => b.dataset.ticker === (focused || view.selected)) || buttons[0];
    if (active) active.setAttribute("tabindex", "0");
    if (focused && active && active.dataset.ticker === focused) active.focus();
    const pageNumber = view.before.length + 1;
    $("markets-page").textContent = !rows.length
      ? (page.cursor ? "none found in the markets looked at: Next looks further" : "no market found")
      : `page ${pageNumber}: ${rows.length} markets${page.cursor ? ", more after" : ""}`;
    $("markets-previous").disabled = !view.before.length;
    $("markets-next").disabled = !page.cursor;
  }

  function cell(name, value) {
    const text = value === null || value === undefined || value === "" ? "\u2013" : String(value);
    if (name === "status") {
      return el("td", { "data-field": name }, el("span", { class: `badge status-${value}` }, text));
    }
    return el("td", { class: NUMERIC.test(text) ? "num" : "mono", "data-field": name }, text);
  }

  function focusButton(button) {
    for (const other of $("markets-body").querySelectorAll('.market-button[tabindex="0"]')) {
      other.setAttribute("tabindex", "-1");
    }
    button.setAttribute("tabindex", "0");
    button.focus();
  }

  function pick(ticker, button) {
    view.selected = ticker;
    view.detail = null;
    for (const other of $("markets-body").querySelectorAll(".market-button")) {
      other.setAttribute("aria-current", other.dataset.ticker === ticker ? "true" : "false");
    }
    if (button) focusButton(button);
    $("market-title").textContent = `${ticker} \u2026`;
    detailReader();
  }

  // -- one market ---------------------------------------------------------------------------------------------------

  function renderDetail() {
    const box = $("market-detail");
    const detail = view.detail;
    if (!detail) {
      $("market-title").textContent = "Pick a market";
      box.replaceChildren(el("p", { class: "muted" }, "Pick a market in the list: its figures and its book."));
      return;
    }
    const m = detail.market;
    const title = $("market-title");
    title.replaceChildren(detail.ticker, " ", el("span", { class: `badge status-${m.status}`, id: "market-status-badge" },
      m.status));
    const facts = [
      ["status", m.status, "market-fact-status"], ["open_time", m.open_time], ["close_time", m.close_time],
      ["result", m.result || "\u2013", "market-fact-result"], ["price_level_structure", m.price_level_structure],
      ["yes_bid_dollars", m.yes_bid_dollars, "market-fact-yes-bid"],
      ["yes_ask_dollars", m.yes_ask_dollars, "market-fact-yes-ask"], ["volume_fp", m.volume_fp],
      ["open_interest_fp", m.open_interest_fp], ["book clock", String(detail.book.clock), "market-book-clock"],
    ];
    box.replaceChildren(
      el("p", { class: "muted" }, `${m.title} \u00b7 event ${m.event_ticker} \u00b7 series ${detail.series_ticker}`
        + ` \u00b7 profile ${detail.profile}`),
      el("div", { class: "facts" }, facts.map(([label, value, id]) => ui.fact(label, value, id))),
      el("div", { class: "books" },
        el("div", {}, el("h3", {}, "The book as Kalshi shows it"), kalshiBook(detail)),
        el("div", {}, el("h3", {}, "The YES book"), yesBook(detail))),
      rawAnswers(detail),
    );
  }

  /** One who rests at a level: the house, an account's order (its subaccount past the primary), the orders past the
   * ones named. */
  function ownerName(o) {
    if (o.owner === "house") return "house";
    if (o.order_id === undefined) return `${o.orders} more orders`;
    return `${o.owner}${o.subaccount ? ` (subaccount ${o.subaccount})` : ""} order ${o.order_id}`;
  }

  /** Who rests at a level, in queue order: "house", "house 10.00 + alice order 1f0c... 5.00", ... */
  function owners(level) {
    if (!level) return "\u2013";
    if (level.owners.length === 1 && level.owners[0].owner === "house") return "house";
    return level.owners.map((o) => `${ownerName(o)} ${o.count_fp}`).join(" + ");
  }

  function isHouse(level) {
    return Boolean(level && level.owners.some((o) => o.owner === "house"));
  }

  /** GET /markets/{ticker}/orderbook's YES bids and NO bids, in the order it lists them (the best last). */
  function kalshiBook(detail) {
    const served = detail.orderbook.orderbook_fp || detail.orderbook.orderbook;
    const bids = new Map(detail.book.bids.map((level) => [level.yes_price_dollars, level]));
    const asks = new Map(detail.book.asks.map((level) => [level.no_price_dollars, level]));
    const side = (id, name, levels, at) => el("div", {},
      el("h4", {}, name),
      levels.length
        ? el("table", { id },
          el("thead", {}, el("tr", {}, ["price", "count", "owner"].map((n) => el("th", { scope: "col" }, n)))),
          el("tbody", {}, levels.map(([price, count]) => {
            const level = at.get(price);
            return el("tr", { class: isHouse(level) ? "house" : null },
              el("td", { class: "num", "data-field": "price" }, price),
              el("td", { class: "num", "data-field": "count" }, count),
              el("td", { "data-field": "owner" }, owners(level)));
          })))
        : el("p", { class: "muted", id }, "none"));
    return [
      el("div", { class: "sides" },
        side("yes-bids-table", "YES bids", served.yes_dollars || [], bids),
        side("no-bids-table", "NO bids", served.no_dollars || [], asks)),
      el("p", { class: "source" },
        `as ${detail.queries.orderbook} answers; the owners as the book holds them, in queue order`),
    ];
  }

  /** The YES book as a ladder: asks (a NO bid at 1 - the price) above, the best nearest the spread, bids below. */
  function yesBook(detail) {
    const book = detail.book;
    const row = (kind, level) => el("tr", { class: [kind, isHouse(level) ? "house" : ""].join(" ").trim() },
      el("td", { "data-field": "side" }, kind === "ask" ? "ask" : "bid"),
      el("td", { class: "num", "data-field": "yes_price_dollars" }, level.yes_price_dollars),
      el("td", { class: "num", "data-field": "no_price_dollars" }, level.no_price_dollars),
      el("td", { class: "num", "data-field": "count_fp" }, level.count_fp),
      el("td", { "data-field": "owner" }, owners(level)));
    if (!book.bids.length && !book.asks.length) {
      return [el("p", { class: "muted", id: "yes-book-table" }, "empty"), clockLine(book)];
    }
    return [
      el("table", { id: "yes-book-table" },
        el("thead", {}, el("tr", {}, ["side", "yes_price_dollars", "no_price_dollars", "count_fp", "owner"]
          .map((n) => el("th", { scope: "col" }, n)))),
        el("tbody", {}, [...book.asks].reverse().map((level) => row("ask", level)),
          el("tr", { class: "spread" }, el("td", { colspan: 5 }, spread(book))),
          book.bids.map((level) => row("bid", level)))),
      clockLine(book),
    ];
  }

  function spread(book) {
    const bid = book.bids[0];
    const ask = book.asks[0];
    if (!bid || !ask) return bid ? "no ask" : "no bid";
    return `best bid ${bid.yes_price_dollars}, best ask ${ask.yes_price_dollars}`;
  }

  function clockLine(book) {
    return el("p", { class: "source" }, `at the book's clock ${book.clock}; a house level is scripted liquidity `
      + "(POST /_admin/books)");
  }

  function rawAnswers(detail) {
    const answer = (name, label, value) => el("details", {},
      el("summary", {}, `${label}, as ${detail.queries[name]} answers`),
      el("pre", {}, JSON.stringify(value, null, 2)));
    return el("div", { class: "answers" },
      answer("market", "the market", detail.market),
      answer("event", "its event", detail.event),
      answer("series", "its series", detail.series));
  }

  function el(...args) {
    return ui.el(...args);
  }

  function focus() {
    const search = $("market-search");
    if (search) search.focus(); // a proxy's page has no markets
  }

  return { start, changed, refresh, focus };
})();
