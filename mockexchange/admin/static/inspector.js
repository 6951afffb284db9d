/* The sandbox inspector (docs/inspector.md): plain JavaScript, no framework, no build step, nothing from another host.
 *
 * It reads the admin API (GET /_admin/accounts, /_admin/accounts/{user_id}, /_admin/connections, /_admin/requests,
 * ...), follows the live feed GET /_admin/events (server-sent events, read with fetch so that a token can go with it)
 * and acts through the admin operations. Each venue's section (its accounts in the list, one account of it, what its
 * own feed events move) is its panel's script's (inspector-kalshi.js, inspector-deribit.js, loaded after this one),
 * registered with `window.inspector.venue`; the page iterates what is registered and names no venue. Data goes into
 * the page as text (textContent), never as markup. The pictures are SVG drawn here. */
"use strict";

(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const KEEP_REQUESTS = 2000; // journal entries held by the page
  const SHOW_REQUESTS = 500; // rows in the requests table
  const WINDOW_MS = 5 * 60 * 1000; // the request rate's picture: the last 5 minutes...
  const BUCKET_MS = 10 * 1000; // ...in 10-second bars
  const TOKEN_KEY = "mockexchange-admin-token";
  const KEEP_FRAMES = 20; // a connection's last frames, as many as the mock keeps
  const STATUS_CLASSES = [
    ["s2xx", "2xx"], ["s3xx", "3xx"], ["s401", "401"], ["s4xx", "4xx"], ["s5xx", "5xx, dropped"], ["sws", "ws messages"],
  ];

  const state = {
    token: null,
    proxy: null, // GET /_admin/health's `proxy` when the page is a proxy's: its journal is all it shows
    accounts: null, // GET /_admin/accounts
    selected: null, // {venue, user, sub}: sub is the venue's own (a Kalshi subaccount, a Deribit wallet id)
    detail: null, // GET /_admin/accounts/{user}
    tabs: {}, // tab group -> the tab chosen in it ("history": "fills", ...)
    requests: [], // journal entries, oldest first
    lastSeq: 0,
    renderedSeq: 0, // the newest entry the table holds
    expanded: new Set(), // seq of the requests opened
    activeSeq: null, // the request row that takes the focus (roving tabindex)
    connections: null, // {count, rows: Map id -> row}: the live feed's connections, changes applied
    control: null,
    clock: null,
    clockAt: 0,
    retryMs: 2000,
    rateQueued: false,
    rowsQueued: false,
    fullRender: true,
    seenHello: false,
  };

  const $ = (id) => document.getElementById(id);

  /* The venues' sections, in the order registered: name -> section. A venue's script registers its own with
   * `window.inspector.venue(name, section)`; each hook is given `ui` (the page's helpers, below):
   *   title                  its name as the page shows it ("Kalshi"): its account list's heading
   *   labels                 the journal's names of its requests (default: [name])
   *   items(list, ui)        its account list's items, from its part of GET /_admin/accounts (rows with user_id)
   *   apart(accounts, ui)    what it shows below the account lists (from the whole answer), or null
   *   has(list, selected)    whether the selected account ({venue, user, sub, ...}) is still in its list
   *   query(selected)        GET /_admin/accounts/{user_id}'s query for it
   *   detail(user, part, ui) the selected account, from its part of that answer
   *   watches(part, user)    whether a change of another user changes what the shown account shows (optional)
   *   movedBy                the venues whose change of the user moves its account too (optional: the perps
   *                          exchange's cash is Kalshi's margined instance's)
   *   owner(list, keyId)     the user whose key (or client id) a request of it carried, or null
   *   make, python, shows    how an account of it is made (its admin path, a Python method) and what one shows, for
   *                          the hint in the empty middle column
   *   events                 the live feed's events of its own topics: name -> handler(data, shown, ui), `shown`
   *                          the selected account's part when it is the venue's, else null
   *   start(ui), hello()     when the page starts (not a proxy's: its own panels, `ui.panel`, and their shortcuts'
   *                          help, `ui.help`, are added then) and when the feed says hello
   *   keys                   its keyboard shortcuts: key -> action */
  const VENUES = new Map();
  window.inspector = {
    venue(name, section) {
      VENUES.set(name, section);
    },
  };

  /* The page's helpers, given to each venue's hooks. */
  const ui = {
    el, svg, nodes, api, coalesced, dataTable, fact, tabbed, pnlPictures, dollars, more, accountButton, select,
    reload: () => loadDetail(),
    panel: (node) => $("venue-panels").append(node), // a venue's own panel (Kalshi's markets), above the requests
    help(keys, what) { // a venue's own shortcut in the list of them
      $("help-leave").before(el("dt", {}, keys), el("dd", {}, what));
    },
    showWith(shown) { // the selected account again, with more said of how to show it (Deribit's instrument)
      Object.assign(state.selected, shown);
      loadDetail();
    },
  };

  /** An element with attributes (`class`, `data-*`, aria, ...) and children (strings become text). */
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  /** What a list of children puts in the page: arrays flattened, nothing for null, false and undefined. */
  function nodes(children) {
    return children.flat(Infinity).filter((child) => child !== null && child !== undefined && child !== false);
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, String(value));
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function notice(message) {
    const box = $("notice");
    box.textContent = message;
    box.hidden = !message;
  }

  // -- the admin API ------------------------------------------------------------------------------------------------

  function readToken() {
    const found = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (found) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(found[1]));
      history.replaceState(null, "", location.pathname + location.search);
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function headers(accept) {
    const found = { Accept: accept };
    if (state.token) found.Authorization = "Bearer " + state.token;
    return found;
  }

  /** GET (no body) or an operation (a body: POST; `method` to say DELETE). Throws with the admin API's error. */
  async function api(path, body, method) {
    const init = { headers: headers("application/json"), cache: "no-store" };
    if (body !== undefined || method) {
      init.method = method || "POST";
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
    }
    const response = await fetch(path, init);
    const text = await response.text();
    let data = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch (_) {
      data = null;
    }
    if (!response.ok) throw new Error((data && data.error) || `${response.status} ${response.statusText}`);
    return data;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  /** A refresh that never runs twice at once: asked while it runs, it runs once more after, at least `gapMs` after
   * the previous run began (a busy mock is read a few times a second, not as fast as it changes). */
  function coalesced(work, gapMs = 0) {
    let running = false;
    let again = false;
    let began = -Infinity;
    return async function run() {
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          const wait = began + gapMs - Date.now();
          if (wait > 0) await sleep(wait); // asked again meanwhile: this one run reads what changed
          again = false;
          began = Date.now();
          await work();
        } while (again);
      } catch (error) {
        notice(error.message);
      } finally {
        running = false;
      }
    };
  }

  async function act(path, body, method) {
    try {
      notice("");
      return await api(path, body, method);
    } catch (error) {
      notice(error.message);
      return null;
    }
  }

  // -- the live feed ------------------------------------------------------------------------------------------------

  function setLive(on, text) {
    const live = $("live");
    live.textContent = text;
    live.className = "live " + (on ? "on" : "off");
  }

  async function follow() {
    try {
      const response = await fetch(`/_admin/events?since=${state.lastSeq}`, {
        headers: headers("text/event-stream"),
        cache: "no-store",
      });
      if (!response.ok || !response.body) throw new Error(`the live feed answered ${response.status}`);
      setLive(true, "live");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          dispatch(block);
        }
      }
    } catch (_) {
      // the mock went away, or stopped: try again below
    }
    setLive(false, "reconnecting\u2026");
    setTimeout(follow, state.retryMs);
  }

  function dispatch(block) {
    let name = "message";
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // a heartbeat
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && /^\d+$/.test(value)) state.retryMs = Number(value);
    }
    const handlers = EVENTS[name] ? [EVENTS[name]] : venueHandlers(name);
    if (!handlers.length || !data.length) return;
    try {
      const parsed = JSON.parse(data.join("\n"));
      for (const handler of handlers) handler(parsed);
    } catch (error) {
      notice(`the inspector could not show a ${name} event: ${error.message}`);
    }
  }

  const EVENTS = {
    hello(data) {
      $("version").textContent = "v" + data.version;
      state.connections = null; // a new stream: its first connections event lists them all
      if (data.last_seq < state.lastSeq) {
        // A new mock on the same port: its journal starts again.
        state.requests = [];
        state.lastSeq = data.last_seq;
        state.fullRender = true;
        queueRows();
      }
      if (state.proxy) return; // a proxy has no accounts, scenario or markets to read again
      refreshAll();
      for (const section of VENUES.values()) if (section.hello) section.hello();
    },
    state(data) {
      showClock(data.clock);
      showScenario(data.scenario);
      const users = data.users;
      const touched = users === null || Object.values(users).some((named) => named.length > 0);
      if (!touched) return;
      const selected = state.selected;
      wantDetail = wantDetail || (selected !== null && (users === null || movers(selected.venue)
        .some((venue) => (users[venue] || []).some(watched))));
      refreshAccounts();
    },
    cleared() {
      state.requests = [];
      state.expanded.clear();
      state.fullRender = true;
      queueRows();
    },
    requests(data) {
      addRequests(data.requests);
      state.lastSeq = Math.max(state.lastSeq, data.last_seq);
    },
    connections(data) {
      applyConnections(data);
      renderConnections();
    },
    control(data) {
      state.control = data;
      renderControl();
    },
  };

  /** The venues whose changes move an account of `venue`: its own, and those it names (`movedBy`). */
  function movers(venue) {
    const section = VENUES.get(venue);
    return [venue, ...((section && section.movedBy) || [])];
  }

  /** A venue's own event (Kalshi's `markets`, Deribit's `instruments`): each handler of a venue that has one. */
  function venueHandlers(name) {
    return [...VENUES].filter(([, section]) => section.events && section.events[name])
      .map(([venue, section]) => (data) => section.events[name](data, shownOf(venue), ui));
  }

  /** The selected account's part of the venue's answer, when the selected account is the venue's; else null. */
  function shownOf(venue) {
    const selected = state.selected;
    if (!selected || selected.venue !== venue || !state.detail) return null;
    return state.detail[venue] || null;
  }

  async function refreshAll() {
    refreshAccounts();
    await refreshControl();
  }

  /** Whether a change of `user` changes what the selected account shows: its own, or one its venue watches (an FCM
   * member's subtraders). */
  function watched(user) {
    const selected = state.selected;
    if (!selected) return false;
    if (user === selected.user) return true;
    const section = VENUES.get(selected.venue);
    const shown = shownOf(selected.venue);
    return Boolean(section && section.watches && shown && section.watches(shown, user));
  }

  let wantDetail = false;
  const refreshAccounts = coalesced(async () => {
    const detail = wantDetail || state.detail === null;
    wantDetail = false;
    state.accounts = await api("/_admin/accounts");
    renderAccounts();
    renderUserFilter();
    if (detail) await loadDetail();
  }, 300);

  const refreshControl = coalesced(async () => {
    const [scenario, faults, rateLimits, restLag] = await Promise.all([
      api("/_admin/scenario"), api("/_admin/faults"), api("/_admin/rate_limits"), api("/_admin/rest_lag"),
    ]);
    state.control = { scenario, faults: faults.faults, rate_limits: rateLimits, rest_lag: restLag };
    renderControl();
    showClock({ exchange_time: scenario.exchange_time, clock: scenario.clock });
  });

  // -- the exchange clock -------------------------------------------------------------------------------------------

  function showClock(clock) {
    if (!clock) return;
    state.clock = clock;
    state.clockAt = Date.now();
    $("clock-kind").textContent = clock.clock;
    tickClock();
  }

  function tickClock() {
    const clock = state.clock;
    if (!clock) return;
    let when = new Date(clock.exchange_time);
    if (clock.clock === "system") when = new Date(when.getTime() + (Date.now() - state.clockAt));
    const node = $("clock");
    node.textContent = when.toISOString().replace("T", " ").slice(0, 19) + " UTC";
    node.setAttribute("datetime", when.toISOString());
  }

  // -- accounts -----------------------------------------------------------------------------------------------------

  function accountKey(venue, sub, user) {
    return `${venue}:${sub}:${user}`;
  }

  function accountButton(venue, user, sub, name, amount, hint) {
    const key = accountKey(venue, sub, user);
    const selected = state.selected && accountKey(state.selected.venue, state.selected.sub, state.selected.user) === key;
    return el(
      "button",
      {
        type: "button",
        class: "account-button",
        "data-key": key,
        "aria-current": selected ? "true" : "false",
        title: hint,
        onclick: () => select(venue, user, sub),
      },
      el("span", { class: "name" }, name),
      el("span", { class: "amount" }, amount),
    );
  }

  function dollars(text) {
    return text === undefined || text === null ? "" : "$" + text;
  }

  /** Replace a list's items only where they differ: focus and scroll stay where they were. */
  function fillList(list, items, empty) {
    const focused = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.key : null;
    const fresh = items.length ? items : [el("li", { class: "muted" }, empty)];
    const same = fresh.length === list.children.length
      && fresh.every((item, i) => item.isEqualNode(list.children[i]));
    if (same) return;
    list.replaceChildren(...fresh);
    if (focused) {
      const again = list.querySelector(`[data-key="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  /** Each registered venue's account list (and what it shows apart), in the order registered. */
  function accountLists() {
    const sections = [...VENUES];
    $("account-lists").replaceChildren(...nodes([
      sections.map(([name, section]) => [
        el("h3", {}, section.title),
        el("ul", { id: `${name}-accounts`, class: "accounts", "aria-label": `${section.title} accounts` }),
      ]),
      sections.filter(([, section]) => section.apart).map(([name]) => el("div", { id: `${name}-apart` })),
    ]));
  }

  /** The venues a fault rule may name (each registered venue) and the request filter's (the journal's names). */
  function venueOptions() {
    const option = (name) => el("option", {}, name);
    $("fault-venue").append(...[...VENUES.keys()].map(option));
    $("filter-venue").append(...[...VENUES].flatMap(([name, section]) => section.labels || [name]).map(option));
  }

  function renderAccounts() {
    const accounts = state.accounts;
    if (!accounts) return;
    for (const [name, section] of VENUES) {
      fillList($(`${name}-accounts`), section.items(accounts[name] || [], ui), "no account yet");
      if (!section.apart) continue;
      const box = $(`${name}-apart`);
      const shown = nodes([section.apart(accounts, ui)]);
      const same = shown.length === box.children.length && shown.every((node, i) => node.isEqualNode(box.children[i]));
      if (!same) box.replaceChildren(...shown);
    }
    if (state.selected && !selectedExists()) {
      state.selected = null;
      state.detail = null;
    }
    if (!state.selected) renderDetail();
  }

  function selectedExists() {
    const section = VENUES.get(state.selected.venue);
    if (!state.accounts || !section) return false;
    return section.has(state.accounts[state.selected.venue] || [], state.selected);
  }

  function accountButtons() {
    return [...document.querySelectorAll(".account-button")];
  }

  function select(venue, user, sub) {
    state.selected = { venue, user, sub };
    const key = accountKey(venue, sub, user);
    for (const button of accountButtons()) {
      button.setAttribute("aria-current", button.dataset.key === key ? "true" : "false");
    }
    state.detail = null;
    $("account-title").textContent = `${user} \u2026`;
    loadDetail();
  }

  function selectNext(step) {
    const buttons = accountButtons();
    if (!buttons.length) return;
    const current = buttons.findIndex((b) => b.getAttribute("aria-current") === "true");
    const next = buttons[current < 0 ? 0 : (current + step + buttons.length) % buttons.length];
    next.focus();
    next.click();
  }

  const loadDetail = coalesced(async () => {
    const selected = state.selected;
    if (!selected || !selectedExists()) return;
    const query = VENUES.get(selected.venue).query(selected);
    const detail = await api(`/_admin/accounts/${encodeURIComponent(selected.user)}?${query}`);
    if (state.selected !== selected) return; // another account was chosen meanwhile
    state.detail = detail;
    renderDetail();
  });

  // -- one account --------------------------------------------------------------------------------------------------

  function columnsOf(rows, preferred) {
    const seen = [];
    for (const row of rows) for (const name of Object.keys(row)) if (!seen.includes(name)) seen.push(name);
    if (!preferred) return seen;
    const chosen = preferred.filter((name) => seen.includes(name));
    return chosen.length ? chosen : seen;
  }

  function cellText(value) {
    if (value === null || value === undefined) return "\u2013";
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  }

  const NUMERIC = /^-?\d+(\.\d+)?$/;

  /** A table in a box that scrolls both ways inside its column; its caption above the box, so it is read whole
   * however wide the table is. */
  function dataTable(id, rows, preferred, caption) {
    if (!rows.length) return el("p", { class: "muted", id }, "none");
    const columns = columnsOf(rows, preferred);
    const captionId = caption ? `${id}-caption` : null;
    return [
      caption ? el("p", { class: "source", id: captionId }, caption) : null,
      el(
        "div", { class: "table-box" },
        el(
          "table", { id, "aria-describedby": captionId },
          el("thead", {}, el("tr", {}, columns.map((name) => el("th", { scope: "col" }, name)))),
          el("tbody", {}, rows.map((row) => el("tr", {}, columns.map((name) => {
            const text = cellText(row[name]);
            return el("td", { class: NUMERIC.test(text) ? "num" : "mono", "data-field": name }, text);
          })))),
        ),
      ),
    ];
  }

  function fact(label, value, id) {
    return el("div", { class: "fact" }, el("span", { class: "label" }, label), el("span", { class: "value", id }, value));
  }

  function renderDetail() {
    const body = $("account-body");
    const title = $("account-title");
    const detail = state.detail;
    const selected = state.selected;
    const focusedId = body.contains(document.activeElement) ? document.activeElement.id : null;
    if (!detail || !selected) {
      title.textContent = "Select an account";
      body.replaceChildren(...nodes(whatToDo()));
      return;
    }
    const section = VENUES.get(selected.venue);
    const part = detail[selected.venue];
    if (section && part) body.replaceChildren(...nodes(section.detail(detail.user_id, part, ui)));
    title.textContent = "";
    title.append(detail.user_id, " ", el("span", { class: `badge ${selected.venue}` }, selected.venue));
    if (focusedId && $(focusedId)) $(focusedId).focus();
  }

  /** The empty column: what to do, with no account chosen (or none yet). */
  function whatToDo() {
    const accounts = state.accounts;
    const sections = [...VENUES.values()];
    if (accounts && [...VENUES.keys()].every((name) => !(accounts[name] || []).length)) {
      const made = sections.filter((section) => section.make);
      const pythons = sections.filter((section) => section.python).map((section) => section.python);
      return [
        el("p", { id: "what-to-do" }, "No account yet. Load a scenario (on the right), or make one: POST ",
          made.map((section, i) => [i ? " or " : "", el("code", {}, section.make), ` (${section.title})`]),
          " with a ", el("code", {}, "user_id"), pythons.length ? `, or ${pythons.join(" or ")} in Python` : "",
          ". It shows on the left as it is made."),
      ];
    }
    const shows = sections.filter((section) => section.shows).map((section) => "; " + section.shows);
    return [
      el("p", { id: "what-to-do" }, "Pick an account on the left (", el("kbd", {}, "j"), " / ", el("kbd", {}, "k"),
        " move through them): its balances, positions, orders and fills as the venue serves them, and its position and "
        + "realized P&L per market over exchange time" + shows.join("") + "."),
    ];
  }

  /** A group of tabs, each a table: `group` names it (its panel is `${group}-panel`; the tab chosen is kept in
   * `state.tabs[group]` across renders), `label` is the tab list's accessible name. Each tab: {name, label, rows,
   * preferred (columns), query (what answered the rows), total (how many there are, when the rows are the newest of
   * them)}. Arrows move between the tabs. */
  function tabbed(group, label, tabs) {
    if (!tabs.some((tab) => tab.name === state.tabs[group])) state.tabs[group] = tabs[0].name;
    const panelId = `${group}-panel`;
    const panel = el("div", { role: "tabpanel", id: panelId, "aria-labelledby": `tab-${state.tabs[group]}` });
    const show = () => {
      const tab = tabs.find((t) => t.name === state.tabs[group]);
      const newest = tab.total > tab.rows.length ? `the newest ${tab.rows.length} of ${tab.total}, ` : "";
      panel.replaceChildren(...nodes([dataTable(`${tab.name}-table`, tab.rows, tab.preferred,
        `${newest}as ${tab.query} answers`)]));
    };
    const list = el("div", { class: "tabs", role: "tablist", "aria-label": label });
    const buttons = tabs.map((tab) => el("button", {
      type: "button", role: "tab", id: `tab-${tab.name}`, "aria-controls": panelId,
      "aria-selected": tab.name === state.tabs[group] ? "true" : "false",
      tabindex: tab.name === state.tabs[group] ? "0" : "-1",
      onclick: () => {
        state.tabs[group] = tab.name;
        for (const b of buttons) {
          const on = b.id === `tab-${tab.name}`;
          b.setAttribute("aria-selected", on ? "true" : "false");
          b.setAttribute("tabindex", on ? "0" : "-1");
        }
        panel.setAttribute("aria-labelledby", `tab-${tab.name}`);
        show();
      },
      onkeydown: (event) => {
        if (event.key !== "ArrowRight" && event.key !== "ArrowLeft") return;
        const i = buttons.findIndex((b) => b.id === `tab-${tab.name}`);
        const next = buttons[(i + (event.key === "ArrowRight" ? 1 : -1) + buttons.length) % buttons.length];
        next.focus();
        next.click();
        event.preventDefault();
      },
    }, tab.total > tab.rows.length ? `${tab.label} (${tab.rows.length} of ${tab.total})` : `${tab.label} (${tab.rows.length})`));
    list.append(...buttons);
    show();
    return el("div", {}, list, panel);
  }

  // -- pictures: position and realized P&L per market ---------------------------------------------------------------

  function scale(values) {
    let low = Math.min(0, ...values);
    let high = Math.max(0, ...values);
    if (low === high) high = low + 1;
    return { low, high };
  }

  /** A step line through the points (a value holds until the next change), on to the right edge. */
  function stepPath(points, xs, y, field, right) {
    let d = "";
    points.forEach((point, i) => {
      const px = xs[i].toFixed(1);
      const py = y(Number(point[field])).toFixed(1);
      d += d ? `H${px}V${py}` : `M${px},${py}`;
    });
    return d + `H${right}`;
  }

  function pnlPictures(pnl) {
    const markets = pnl.markets;
    if (!markets.length) return el("p", { class: "muted" }, "no fills yet");
    const width = 260;
    const height = 70;
    const pad = 6;
    const inner = width - 2 * pad - 20; // room on the right: the last value holds to the edge
    const pictures = markets.slice(-12).map((market) => {
      const points = market.points.map((p) => ({ ...p, t: Date.parse(p.time) }));
      const t0 = points[0].t;
      const t1 = points[points.length - 1].t;
      // Changes at one exchange instant (a manual clock that did not move) are spread evenly instead.
      const xs = t1 > t0
        ? points.map((p) => pad + ((p.t - t0) / (t1 - t0)) * inner)
        : points.map((p, i) => pad + (points.length > 1 ? i / (points.length - 1) : 0) * inner);
      const yOf = (range) => (v) => pad + (1 - (v - range.low) / (range.high - range.low)) * (height - 2 * pad);
      const position = yOf(scale(points.map((p) => Number(p.position))));
      const realized = yOf(scale(points.map((p) => Number(p.realized_pnl))));
      const last = points[points.length - 1];
      const zero = position(0);
      const summary = `${market.market}: position ${last.position}, realized P&L ${last.realized_pnl} after ` +
        `${points.length} ${points.length === 1 ? "change" : "changes"}`;
      return el(
        "figure", { class: "market" },
        el("h4", {}, market.market),
        svg("svg", { viewBox: `0 0 ${width} ${height + 14}`, role: "img", "aria-label": summary },
          svg("title", {}, summary),
          svg("line", { class: "axis", x1: pad, x2: width - pad, y1: zero.toFixed(1), y2: zero.toFixed(1) }),
          svg("path", { class: "position", d: stepPath(points, xs, position, "position", width - pad) }),
          svg("path", { class: "pnl", d: stepPath(points, xs, realized, "realized_pnl", width - pad) }),
          points.map((p, i) => svg("circle", {
            class: p.kind === "settlement" ? "settled" : "fill", cx: xs[i].toFixed(1),
            cy: position(Number(p.position)).toFixed(1), r: 2,
          }, svg("title", {}, `${p.time}: ${p.kind}, position ${p.position}, realized ${p.realized_pnl}`))),
          svg("text", { x: pad, y: height + 12 }, new Date(t0).toISOString().slice(11, 19)),
          svg("text", { x: width - pad, y: height + 12, "text-anchor": "end" },
            new Date(t1).toISOString().slice(11, 19))),
        el("ul", { class: "legend" },
          el("li", { class: "position" }, `position ${last.position}`),
          el("li", { class: "pnl" }, `realized ${last.realized_pnl}`)),
      );
    });
    return el("div", {},
      pnl.complete ? null : el("p", { class: "muted" }, "the newest fills only: realized P&L counts from there"),
      el("div", { class: "markets" }, pictures));
  }

  // -- requests -----------------------------------------------------------------------------------------------------

  function userOf(entry) {
    if (entry.user_id !== undefined) return entry.user_id;
    const accounts = state.accounts;
    if (!accounts || !entry.key_id) return null;
    for (const [name, section] of VENUES) {
      if ((section.labels || [name]).includes(entry.venue)) return section.owner(accounts[name] || [], entry.key_id);
    }
    return null;
  }

  function addRequests(entries) {
    if (!entries.length) return;
    for (const entry of entries) {
      if (entry.user_id === undefined) entry.user_id = userOf(entry);
      state.requests.push(entry);
    }
    if (state.requests.length > KEEP_REQUESTS) state.requests.splice(0, state.requests.length - KEEP_REQUESTS);
    queueRows();
  }

  function statusClass(entry) {
    if (entry.status === null) return entry.method === null ? "sws" : "s5xx";
    if (entry.status === 401) return "s401";
    if (entry.status >= 500) return "s5xx";
    if (entry.status >= 400) return "s4xx";
    if (entry.status >= 300) return "s3xx";
    return "s2xx";
  }

  function refused(entry) {
    return (entry.status === null && entry.method !== null) || entry.status >= 400;
  }

  function flagged(entry) {
    return (entry.problems || []).length > 0;
  }

  /** The venue's refusal as its client was told it: "insufficient_balance: insufficient balance", "-32601: Method
   * not found" (a flat 400 has no code). */
  function refusalText(refusal) {
    return refusal.code === null ? refusal.message : `${refusal.code}: ${refusal.message}`;
  }

  function reasonOf(entry) {
    const parts = [];
    if (entry.refusal) parts.push(refusalText(entry.refusal));
    const diagnosed = entry.diagnosis && !entry.fault;
    if (diagnosed) parts.push("mock: " + entry.diagnosis);
    if (entry.fault) parts.push(entry.fault);
    if (entry.auth) parts.push("auth: " + entry.auth);
    for (const problem of entry.problems || []) {
      if (problem.rule === "auth.signature" && entry.auth) continue;
      if (diagnosed && (problem.detail || "").startsWith(entry.diagnosis)) continue; // Deribit's: the diagnosis again
      parts.push(problem.detail || problem.rule);
    }
    const errors = (entry.replies || []).filter((reply) => reply.startsWith("error"));
    if (errors.length && !entry.refusal) parts.push("replied " + errors.join(", "));
    if (entry.not_judged) parts.push("not judged: " + entry.not_judged); // a proxy's: no schema covers it
    return parts.join("; ");
  }

  function filters() {
    return {
      venue: $("filter-venue").value,
      status: $("filter-status").value,
      user: $("filter-user").value,
      text: $("filter-text").value.trim().toLowerCase(),
    };
  }

  function matches(entry, f) {
    if (f.venue && entry.venue !== f.venue) return false;
    if (f.user && (f.user === "\u0000" ? entry.user_id !== null : entry.user_id !== f.user)) return false;
    switch (f.status) {
      case "2xx": if (!(entry.status >= 200 && entry.status < 300)) return false; break;
      case "refused": if (!refused(entry)) return false; break;
      case "flagged": if (!flagged(entry)) return false; break;
      case "401": if (entry.status !== 401) return false; break;
      case "4xx": if (!(entry.status >= 400 && entry.status < 500)) return false; break;
      case "5xx": if (!(entry.status >= 500 || (entry.status === null && entry.method !== null))) return false; break;
      case "ws": if (entry.method !== null) return false; break;
      default: break;
    }
    if (f.text) {
      const haystack = [entry.path, entry.operation, entry.key_id, entry.command, entry.user_id,
        entry.refusal && refusalText(entry.refusal)].filter(Boolean).join(" ").toLowerCase();
      if (!haystack.includes(f.text)) return false;
    }
    return true;
  }

  function queueRows(full) {
    if (full) state.fullRender = true;
    queueRate();
    if (state.rowsQueued) return;
    state.rowsQueued = true;
    requestAnimationFrame(() => {
      state.rowsQueued = false;
      renderRequests();
    });
  }

  function queryText(entry) {
    return entry.query && entry.query.length
      ? "?" + entry.query.map(([k, v]) => `${k}=${v}`).join("&") : "";
  }

  function requestRow(entry) {
    const reason = reasonOf(entry);
    const classes = ["entry", refused(entry) && "refused", flagged(entry) && "flagged"].filter(Boolean).join(" ");
    const path = entry.method === null
      ? `${entry.operation || "message"}: ${entry.command || ""}`
      : entry.path + queryText(entry);
    const latency = entry.latency_us === null || entry.latency_us === undefined
      ? "\u2013" : (entry.latency_us / 1000).toFixed(1) + " ms";
    const row = el(
      "tr",
      {
        class: classes, "data-seq": entry.seq, tabindex: state.activeSeq === entry.seq ? "0" : "-1",
        "aria-expanded": state.expanded.has(entry.seq) ? "true" : "false",
      },
      el("td", { title: entry.time }, el("time", { datetime: entry.time }, entry.time.slice(11, 23))),
      el("td", {}, entry.venue),
      el("td", {}, entry.method === null ? "ws" : entry.method),
      el("td", { class: "path mono" }, path),
      el("td", { class: "status num" }, entry.status === null ? (entry.method === null ? "\u2013" : "dropped")
        : entry.status),
      el("td", { class: "num" }, latency),
      el("td", { class: "mono", title: entry.key_id || "" }, entry.key_id ? entry.key_id.slice(0, 13) : "\u2013"),
      el("td", {}, entry.user_id || "\u2013"),
      el("td", { class: "why" }, reason),
    );
    return row;
  }

  function detailRow(entry) {
    const pairs = [
      ["seq", entry.seq], ["time (wall clock)", entry.time], ["transport", entry.transport],
      ["operation", entry.operation], ["query", queryText(entry) || null], ["key id", entry.key_id],
      ["user", entry.user_id], ["status", entry.status], ["latency", entry.latency_us === null ? null
        : `${entry.latency_us} \u00b5s`],
      ["refused by the venue", entry.refusal && refusalText(entry.refusal)], ["mock's diagnosis", entry.diagnosis],
      ["auth diagnosis", entry.auth], ["fault", entry.fault], ["command", entry.command],
      ["replies", entry.replies && entry.replies.join(", ")], ["truncated", entry.truncated ? "yes" : null],
      ["direction", entry.direction], ["not judged", entry.not_judged],
    ].filter(([, value]) => value !== null && value !== undefined && value !== "");
    const problems = (entry.problems || []).map((problem) => el("li", { class: "problem" },
      el("span", { class: "rule" }, problem.rule), " ",
      problem.field ? [el("code", { class: "field" }, problem.field), " "] : "", problem.detail || ""));
    const bodies = el("div", { class: "bodies" }, el("p", { class: "muted" }, "reading the bodies\u2026"));
    showBodies(entry, bodies);
    return el("tr", { class: "detail", "data-detail": entry.seq },
      el("td", { colspan: 9 },
        el("dl", {}, pairs.map(([name, value]) => [el("dt", {}, name), el("dd", {}, String(value))])),
        problems.length ? el("div", {}, el("strong", {}, "problems"), el("ul", {}, problems))
          : el("p", { class: "muted" }, entry.not_judged ? "not judged: no published schema covers it"
            : "no problems found: the request is what the published schema allows"),
        bodies));
  }

  /** The request's and the answer's bodies, read for the one entry (the journal keeps them redacted and cut). */
  async function showBodies(entry, into) {
    let found;
    try {
      found = (await api(`/_admin/requests?seq=${entry.seq}&bodies=true`)).requests[0];
    } catch (error) {
      into.replaceChildren(el("p", { class: "muted" }, `the bodies could not be read: ${error.message}`));
      return;
    }
    if (!found) {
      into.replaceChildren(el("p", { class: "muted" }, "the journal holds this request no more"));
      return;
    }
    const sent = found.request_body === null && entry.method === null ? found.command : found.request_body;
    into.replaceChildren(...[["request body", sent], ["answer body", found.response_body]].map(([name, body]) =>
      el("div", { class: "body" }, el("strong", {}, name),
        body === null ? el("p", { class: "muted" }, "none") : el("pre", { class: name.split(" ")[0] }, body))));
  }

  function renderRequests() {
    const body = $("requests-body");
    const f = filters();
    if (state.fullRender) {
      state.fullRender = false;
      const shown = [];
      for (let i = state.requests.length - 1; i >= 0 && shown.length < SHOW_REQUESTS; i -= 1) {
        if (matches(state.requests[i], f)) shown.push(state.requests[i]);
      }
      const rows = [];
      for (const entry of shown) {
        rows.push(requestRow(entry));
        if (state.expanded.has(entry.seq)) rows.push(detailRow(entry));
      }
      body.replaceChildren(...rows);
    } else {
      const fresh = [];
      for (let i = state.requests.length - 1; i >= 0 && state.requests[i].seq > state.renderedSeq; i -= 1) {
        if (matches(state.requests[i], f)) fresh.push(requestRow(state.requests[i]));
      }
      body.prepend(...fresh);
      let extra = body.querySelectorAll("tr.entry").length - SHOW_REQUESTS;
      while (extra > 0 && body.lastElementChild) {
        if (body.lastElementChild.classList.contains("entry")) extra -= 1;
        body.lastElementChild.remove();
      }
    }
    state.renderedSeq = state.requests.length ? state.requests[state.requests.length - 1].seq : 0;
    const rows = body.querySelectorAll("tr.entry");
    if (rows.length && !body.querySelector('tr.entry[tabindex="0"]')) rows[0].setAttribute("tabindex", "0");
    $("request-count").textContent = `${rows.length} shown of ${state.requests.length} held`;
  }

  function toggleRequest(row) {
    const seq = Number(row.dataset.seq);
    const entry = state.requests.find((e) => e.seq === seq);
    if (!entry) return;
    const open = row.nextElementSibling && row.nextElementSibling.dataset.detail === String(seq);
    if (open) {
      row.nextElementSibling.remove();
      state.expanded.delete(seq);
    } else {
      row.after(detailRow(entry));
      state.expanded.add(seq);
    }
    row.setAttribute("aria-expanded", open ? "false" : "true");
  }

  function focusRow(row) {
    if (!row) return;
    for (const other of $("requests-body").querySelectorAll('tr.entry[tabindex="0"]')) other.setAttribute("tabindex", "-1");
    row.setAttribute("tabindex", "0");
    state.activeSeq = Number(row.dataset.seq);
    row.focus();
  }

  function siblingRow(row, step) {
    let next = step > 0 ? row.nextElementSibling : row.previousElementSibling;
    while (next && !next.classList.contains("entry")) next = step > 0 ? next.nextElementSibling : next.previousElementSibling;
    return next;
  }

  function renderUserFilter() {
    const select = $("filter-user");
    const users = new Set();
    for (const name of VENUES.keys()) {
      for (const row of (state.accounts && state.accounts[name]) || []) users.add(row.user_id);
    }
    const wanted = ["", "\u0000", ...[...users].sort()];
    const have = [...select.options].map((o) => o.value);
    if (wanted.length === have.length && wanted.every((v, i) => v === have[i])) return;
    const current = select.value;
    select.replaceChildren(...wanted.map((value) => el("option", { value },
      value === "" ? "all" : value === "\u0000" ? "(no user)" : value)));
    select.value = wanted.includes(current) ? current : "";
  }

  // -- the request rate's picture -----------------------------------------------------------------------------------

  function queueRate() {
    if (state.rateQueued) return;
    state.rateQueued = true;
    requestAnimationFrame(() => {
      state.rateQueued = false;
      drawRate();
    });
  }

  function drawRate() {
    const f = filters();
    const entries = state.requests.filter((entry) => matches(entry, f));
    const newest = entries.length ? Date.parse(entries[entries.length - 1].time) : Date.now();
    // The mock's wall clock may be a test's manual clock: then the window ends at its newest request.
    const end = Math.abs(Date.now() - newest) > WINDOW_MS ? newest : Date.now();
    const buckets = WINDOW_MS / BUCKET_MS;
    const start = end - WINDOW_MS;
    const counts = Array.from({ length: buckets }, () => Object.fromEntries(STATUS_CLASSES.map(([c]) => [c, 0])));
    let total = 0;
    for (const entry of entries) {
      const t = Date.parse(entry.time);
      if (t <= start || t > end) continue;
      const i = Math.min(buckets - 1, Math.floor((t - start) / BUCKET_MS));
      counts[i][statusClass(entry)] += 1;
      total += 1;
    }
    const most = Math.max(1, ...counts.map((c) => Object.values(c).reduce((a, b) => a + b, 0)));
    const width = Math.max(320, Math.round($("rate-chart").clientWidth || 600));
    const height = 90;
    const left = 28;
    const barWidth = (width - left) / buckets;
    const bars = [];
    counts.forEach((count, i) => {
      let y = height;
      for (const [name, label] of STATUS_CLASSES) {
        if (!count[name]) continue;
        const h = (count[name] / most) * (height - 4);
        y -= h;
        bars.push(svg("rect", {
          class: name, x: (left + i * barWidth + 1).toFixed(1), y: y.toFixed(1),
          width: Math.max(1, barWidth - 2).toFixed(1), height: h.toFixed(1),
        }, svg("title", {}, `${count[name]} ${label}`)));
      }
    });
    const summary = `${total} requests in the last 5 minutes` + (f.venue || f.status || f.user || f.text ? " (filtered)" : "");
    const picture = svg("svg", {
      viewBox: `0 0 ${width} ${height + 14}`, width, height: height + 14, role: "img", "aria-label": summary, id: "rate-svg",
    },
      svg("title", {}, summary),
      svg("line", { class: "axis", x1: left, x2: width, y1: height, y2: height }),
      svg("text", { x: 0, y: 10 }, String(most)),
      svg("text", { x: 0, y: height }, "0"),
      svg("text", { x: left, y: height + 12 }, "\u22125 min"),
      svg("text", { x: width, y: height + 12, "text-anchor": "end" }, "now"),
      bars);
    $("rate-chart").replaceChildren(picture, el("ul", { class: "legend" },
      STATUS_CLASSES.map(([name, label]) => el("li", { class: name }, label))));
    $("rate-caption").textContent = `${summary}; 10-second bars, by status.`;
  }

  // -- scenario, faults, limits -------------------------------------------------------------------------------------

  function showScenario(scenario) {
    if (!scenario) return;
    if (state.control) state.control.scenario = scenario;
    const loaded = scenario.loaded;
    const base = (path) => String(path).replace(/^.*[\\/]/, "");
    const name = $("scenario-name");
    name.textContent = loaded ? `${scenario.scenario} (${base(scenario.file)})` : "No scenario loaded";
    name.title = loaded ? String(scenario.file) : "";
    const progress = $("scenario-progress");
    progress.max = loaded ? Math.max(1, scenario.steps_total) : 1;
    progress.value = loaded ? scenario.next_step : 0;
    $("scenario-position").textContent = loaded
      ? `step ${scenario.next_step} of ${scenario.steps_total}` + (scenario.playing
        ? (scenario.pausing ? ", pausing\u2026" : `, playing at ${scenario.speed}\u00d7`) : "")
      : "\u2013";
    $("scenario-next").textContent = loaded && scenario.next ? `next: ${base(scenario.next)}` : "";
    const error = $("scenario-error");
    error.textContent = loaded && scenario.error ? scenario.error : "";
    error.hidden = !(loaded && scenario.error);
    const left = loaded && scenario.steps_left > 0;
    $("scenario-step").disabled = !left || scenario.playing;
    $("scenario-play").disabled = !left || scenario.playing || scenario.clock !== "manual";
    $("scenario-pause").disabled = !(loaded && scenario.playing && !scenario.pausing);
    showClock({ exchange_time: scenario.exchange_time, clock: scenario.clock });
  }

  function describeRule(rule) {
    const where = rule.path !== undefined ? rule.path : `channel ${rule.channel}`;
    const effect = rule.status !== undefined ? `status ${rule.status}`
      : rule.delay_ms !== undefined ? `delay ${rule.delay_ms} ms` : "drop";
    const venue = rule.venue ? `${rule.venue} ` : "";
    const method = rule.method ? `${rule.method} ` : "";
    const left = rule.remaining === null || rule.remaining === undefined ? "" : `, ${rule.remaining} left`;
    return [`#${rule.id} `, el("code", {}, venue + method + where), ` \u2192 ${effect} (fired ${rule.fired}${left})`];
  }

  function renderControl() {
    const control = state.control;
    if (!control) return;
    showScenario(control.scenario);
    const rules = control.faults || [];
    const list = $("fault-list");
    list.replaceChildren(...(rules.length ? rules.map((rule) => el("li", {},
      el("span", {}, describeRule(rule)),
      el("button", { type: "button", "aria-label": `remove fault rule ${rule.id}`,
        onclick: () => act("/_admin/faults/remove", { id: rule.id }) }, "Remove")))
      : [el("li", { class: "muted" }, "No fault rule: the venues answer normally.")]));
    $("fault-clear").disabled = !rules.length;
    const limits = control.rate_limits;
    if (limits) {
      const tier = $("tier");
      const have = [...tier.options].map((o) => o.value);
      if (have.join() !== limits.tiers.join()) tier.replaceChildren(...limits.tiers.map((name) => el("option", {}, name)));
      if (document.activeElement !== tier) tier.value = limits.tier;
      const subjects = Object.values(limits.buckets).reduce((n, venue) => n + Object.keys(venue).length, 0);
      $("buckets").textContent = limits.tier === "off" ? "nothing is limited" : `${subjects} buckets in use`;
    }
    const lag = control.rest_lag;
    if (lag) {
      if (document.activeElement !== $("lag")) $("lag").value = lag.ms;
      $("lag-as-of").textContent = lag.as_of ? `reads answer as of ${lag.as_of}` : "reads answer now";
    }
  }

  // -- connections --------------------------------------------------------------------------------------------------

  // The feed sends changes: a connection seen first whole, then what changed (its description when it differs, its
  // counts and new frames when it moved some), and the ids of those that ended.
  function applyConnections(data) {
    if (!state.connections) state.connections = { count: 0, rows: new Map() };
    const rows = state.connections.rows;
    for (const id of data.removed) rows.delete(id);
    for (const change of data.connections) {
      const { new_frames: frames, ...fields } = change;
      const row = Object.assign(rows.get(change.id) || { last_frames: [] }, fields);
      if (frames) row.last_frames = row.last_frames.concat(frames).slice(-KEEP_FRAMES);
      rows.set(change.id, row);
    }
    state.connections.count = data.count;
  }

  function more(shown, count, what) {
    return count > shown ? ` (+${count - shown} more ${what})` : "";
  }

  function subscriptionText(sub) {
    if (sub.sid !== undefined) {
      const tickers = sub.market_tickers;
      const markets = tickers === null
        ? "every market" : tickers.join(", ") + more(tickers.length, sub.market_count || 0, "markets");
      return `sid ${sub.sid} ${sub.channel} (${markets})`;
    }
    return sub.channel || JSON.stringify(sub);
  }

  function renderConnections() {
    const data = state.connections;
    if (!data) return;
    $("connection-count").textContent = String(data.count);
    const box = $("connection-list");
    if (!data.rows.size) {
      box.replaceChildren(el("p", { class: "muted" }, "No open connection."));
      return;
    }
    box.replaceChildren(...[...data.rows.values()].map((c) => el(
      "div", { class: "connection", "data-connection": c.id },
      el("p", {}, el("span", { class: `badge ${c.venue}` }, c.venue), " ", el("strong", {}, c.user_id || "not authenticated"),
        c.key_id ? [" \u00b7 ", el("code", { title: c.key_id }, c.key_id.slice(0, 13))] : "",
        c.opened_ms ? ` \u00b7 since ${new Date(c.opened_ms).toISOString().slice(11, 19)}` : ""),
      el("p", { class: "muted" }, c.subscriptions.length
        ? "subscribed: " + c.subscriptions.map(subscriptionText).join("; ")
          + more(c.subscriptions.length, c.subscription_count, "subscriptions")
        : "no subscription",
        c.frames_received !== undefined ? ` \u00b7 ${c.frames_received} in, ${c.frames_sent} out` : ""),
      c.last_frames && c.last_frames.length
        ? el("ol", { class: "frames", "aria-label": "last frames, newest first" },
          [...c.last_frames].reverse().map((frame) => el("li", { class: frame.direction },
            `${new Date(frame.time_ms).toISOString().slice(11, 23)} ${frame.direction === "in" ? "client \u2192" : "\u2190 mock"} `,
            frame.text.length > 400 ? frame.text.slice(0, 400) + "\u2026" : frame.text)))
        : null,
    )));
  }

  // -- the page's controls and keys ---------------------------------------------------------------------------------

  function bind() {
    $("help-button").addEventListener("click", toggleHelp);
    $("help-close").addEventListener("click", toggleHelp);
    $("scenario-step").addEventListener("click", step);
    $("scenario-play").addEventListener("click", play);
    $("scenario-pause").addEventListener("click", pause);
    $("scenario-load").addEventListener("submit", async (event) => {
      event.preventDefault();
      const loaded = await act("/_admin/scenario", { path: $("scenario-path").value.trim() });
      if (loaded) showScenario(loaded);
    });
    $("fault-kind").addEventListener("change", () => {
      const kind = $("fault-kind").value;
      const value = $("fault-value");
      value.disabled = kind === "drop";
      value.value = kind === "status" ? "503" : kind === "delay_ms" ? "500" : "";
    });
    $("fault-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const kind = $("fault-kind").value;
      const rule = { path: $("fault-path").value.trim() };
      if ($("fault-venue").value) rule.venue = $("fault-venue").value;
      if (kind === "drop") rule.drop = true;
      else rule[kind] = Number($("fault-value").value);
      if ($("fault-times").value) rule.times = Number($("fault-times").value);
      act("/_admin/faults", rule);
    });
    $("fault-clear").addEventListener("click", () => act("/_admin/faults", undefined, "DELETE"));
    $("tier").addEventListener("change", () => act("/_admin/rate_limits", { tier: $("tier").value }));
    $("lag-form").addEventListener("submit", (event) => {
      event.preventDefault();
      act("/_admin/rest_lag", { ms: Number($("lag").value) });
    });
    $("filters").addEventListener("submit", (event) => event.preventDefault());
    for (const id of ["filter-venue", "filter-status", "filter-user"]) {
      $(id).addEventListener("change", () => queueRows(true));
    }
    for (const kind of ["input", "search", "change"]) $("filter-text").addEventListener(kind, () => queueRows(true));

    const rows = $("requests-body");
    rows.addEventListener("click", (event) => {
      const row = event.target.closest("tr.entry");
      if (!row) return;
      focusRow(row);
      toggleRequest(row);
    });
    rows.addEventListener("keydown", (event) => {
      const row = event.target.closest("tr.entry");
      if (!row) return;
      if (event.key === "Enter" || event.key === " ") toggleRequest(row);
      else if (event.key === "ArrowDown") focusRow(siblingRow(row, 1));
      else if (event.key === "ArrowUp") focusRow(siblingRow(row, -1));
      else if (event.key === "Home") focusRow(rows.querySelector("tr.entry"));
      else return;
      event.preventDefault();
    });
    $("accounts").addEventListener("keydown", (event) => {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      const buttons = accountButtons();
      const i = buttons.indexOf(document.activeElement);
      if (i < 0) return;
      const next = buttons[i + (event.key === "ArrowDown" ? 1 : -1)];
      if (next) next.focus();
      event.preventDefault();
    });
    document.addEventListener("keydown", shortcut);
    setInterval(tickClock, 1000); // the page's own clock display; nothing is asked of the mock
    setInterval(queueRate, BUCKET_MS); // the request rate's window slides
  }

  function toggleHelp() {
    const help = $("help");
    if (help.open) help.close();
    else help.showModal();
  }

  function step() {
    act("/_admin/scenario/step", { count: 1 }).then((status) => status && showScenario(status));
  }

  function play() {
    const speed = Number($("scenario-speed").value) || 1;
    act("/_admin/scenario/play", { speed }).then((status) => status && showScenario(status));
  }

  function pause() {
    act("/_admin/scenario/pause", {}).then((status) => status && showScenario(status));
  }

  function shortcut(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    const typing = target instanceof Element && target.closest("input, select, textarea, [contenteditable]");
    if (typing) {
      if (event.key === "Escape") target.blur();
      return;
    }
    if ($("help").open && event.key !== "?") return;
    const scenario = state.control && state.control.scenario;
    switch (event.key) {
      case "?": toggleHelp(); break;
      case "/": $("filter-text").focus(); break;
      case "j": selectNext(1); break;
      case "k": selectNext(-1); break;
      case "a": {
        const buttons = accountButtons();
        const current = buttons.find((b) => b.getAttribute("aria-current") === "true") || buttons[0];
        if (current) current.focus();
        break;
      }
      case "r": {
        const row = $("requests-body").querySelector('tr.entry[tabindex="0"]') || $("requests-body").querySelector("tr.entry");
        if (row) focusRow(row);
        else $("filter-venue").focus();
        break;
      }
      case "f": $("fault-path").focus(); break;
      case "s": if (!$("scenario-step").disabled) step(); break;
      case "p":
        if (scenario && scenario.playing) {
          if (!$("scenario-pause").disabled) pause();
        } else if (!$("scenario-play").disabled) play();
        break;
      default: {
        const action = [...VENUES.values()].map((section) => section.keys && section.keys[event.key]).find(Boolean);
        if (!action) return;
        action();
      }
    }
    event.preventDefault();
  }

  /** A proxy's page (mockexchange proxy): it shows the requests that passed, to which upstream. */
  function showProxy(proxy) {
    document.body.classList.add("proxy");
    const upstreams = Object.entries(proxy.upstreams).map(([venue, url]) => `${venue} ${url}`).join(", ");
    const badge = $("proxy");
    badge.textContent = `proxy to ${upstreams}` + (proxy.recording ? `, recording ${proxy.recording}` : "");
    badge.hidden = false;
  }

  async function boot() {
    state.token = readToken();
    accountLists();
    venueOptions();
    bind();
    try {
      state.proxy = (await api("/_admin/health")).proxy || null;
    } catch (_) {
      state.proxy = null; // told below, by the journal's read
    }
    if (state.proxy) showProxy(state.proxy);
    else for (const section of VENUES.values()) if (section.start) section.start(ui);
    try {
      const journal = await api(`/_admin/requests?limit=${SHOW_REQUESTS}`);
      state.lastSeq = journal.last_seq;
      if (!state.proxy) {
        state.accounts = await api("/_admin/accounts");
        renderAccounts();
        renderUserFilter();
      }
      addRequests(journal.requests);
    } catch (error) {
      notice(`${error.message} (with --admin-token, open /_inspector#token=TOKEN)`);
    }
    queueRows(true);
    follow();
  }

  document.addEventListener("DOMContentLoaded", boot); // once the venues' scripts, loaded after this one, registered
})();
