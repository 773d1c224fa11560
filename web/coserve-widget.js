/*! CoServe (合產) chat widget · MIT · plain JavaScript, no dependencies, nothing from a CDN.
 *
 * Embed with one tag:
 *   <script src="https://HOST/static/coserve-widget.js" data-server="https://rasa.example"></script>
 * Options (data-*): server (Rasa base URL), lang ("zh-TW" | "en"), title.
 *
 * Talks to Rasa's socket.io channel with a minimal Socket.IO v5 / Engine.IO v4 client over
 * WebSocket (python-socketio 5 speaks exactly this). Security rule for this file: nothing
 * received from the server or typed by the person is ever parsed as HTML; text goes in with
 * textContent, links and images only with http(s) URLs.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.CoServeWidget) return;

  var ZH = "zh-TW", EN = "en";
  var HISTORY_LIMIT = 60; // entries (messages) kept in localStorage and re-rendered on reload
  var REPLY_WAIT_MS = 30000; // the typing indicator gives up after this

  // ---------------------------------------------------------------- UI strings
  var STRINGS = {
    "zh-TW": {
      title: "臺北市民服務小幫手",
      launcher: "問小幫手",
      unread: "（有新訊息）",
      close: "關閉對話視窗",
      easy: "易讀模式（放大字體、加大間距）",
      newChat: "開始新對話（清除這台裝置上的對話紀錄）",
      otherLang: "English",
      otherLangLabel: "Switch to English",
      log: "對話紀錄",
      input: "輸入您的問題",
      placeholder: "輸入您的問題…",
      send: "送出",
      you: "您說：",
      bot: "小幫手說：",
      typing: "小幫手正在輸入…",
      connecting: "連線中…",
      offline: "連線中斷，正在重新連線…",
      noReply: "小幫手暫時沒有回應，請稍後再試，或撥打 1999 市民熱線。",
      welcome: "您好！請直接輸入您想詢問的公共服務，例如「身分證不見了要怎麼補辦」。",
      cleared: "已開始新對話。",
      replies: "快速回覆",
      cards: "找到的服務",
      cardCount: "找到 {n} 項服務：",
      howToApply: "申請方式：",
      agency: "承辦機關：",
      contact: "洽詢電話：",
      website: "官方網站",
      newTab: "（在新分頁開啟）",
      image: "圖片",
      langSwitched: "介面已切換為中文。",
      easyOn: "已開啟易讀模式。",
      easyOff: "已關閉易讀模式。",
    },
    en: {
      title: "Taipei Service Assistant",
      launcher: "Ask us",
      unread: " (new messages)",
      close: "Close the chat",
      easy: "Easy reading (larger text, more spacing)",
      newChat: "Start a new conversation (clears the history on this device)",
      otherLang: "中文",
      otherLangLabel: "切換為中文 (Switch to Chinese)",
      log: "Conversation",
      input: "Type your question",
      placeholder: "Type your question…",
      send: "Send",
      you: "You said:",
      bot: "Assistant said:",
      typing: "The assistant is typing…",
      connecting: "Connecting…",
      offline: "Connection lost, reconnecting…",
      noReply: "No reply yet. Please try again later, or call the 1999 citizen hotline.",
      welcome: "Hello! Ask about any Taipei public service, e.g. \"I lost my ID card, how do I get a new one\".",
      cleared: "New conversation started.",
      replies: "Quick replies",
      cards: "Services found",
      cardCount: "{n} services found:",
      howToApply: "How to apply: ",
      agency: "Agency: ",
      contact: "Phone: ",
      website: "Official website",
      newTab: " (opens in a new tab)",
      image: "Image",
      langSwitched: "The interface is now in English.",
      easyOn: "Easy reading on.",
      easyOff: "Easy reading off.",
    },
  };
  var HTML_LANG = { "zh-TW": "zh-Hant-TW", en: "en" };

  // ---------------------------------------------------------------- pure helpers
  function normLang(value) {
    value = String(value || "").toLowerCase();
    if (value.indexOf("en") === 0) return EN;
    if (value.indexOf("zh") === 0) return ZH;
    return null;
  }

  /** zh-TW or en for a text, null when it says nothing; mirrors bot/language.py
   *  (a Han character counts like an English word, ties go to Chinese). */
  function detectLanguage(text) {
    text = String(text || "");
    if (text.charAt(0) === "/") return null; // an intent payload, not language
    var han = (text.match(/[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]/g) || []).length;
    var words = (text.match(/[A-Za-z\u00c0-\u024f]+/g) || []).length;
    if (!han && !words) return null;
    return words > han ? EN : ZH;
  }

  /** The URL if it is absolute http(s), else null: no javascript:, data:, relative tricks. */
  function safeUrl(value) {
    if (typeof value !== "string") return null;
    try {
      var url = new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function str(value) {
    return value === undefined || value === null ? "" : String(value);
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }

  // ---------------------------------------------------------------- storage
  /** One JSON object per server in localStorage; falls back to memory when storage is off. */
  function Store(key) {
    this.key = key;
    this.data = {};
    try {
      this.data = JSON.parse(localStorage.getItem(key) || "{}") || {};
    } catch (e) {
      this.data = {};
    }
    if (!Array.isArray(this.data.history)) this.data.history = [];
  }
  Store.prototype.save = function () {
    this.data.history = this.data.history.slice(-HISTORY_LIMIT);
    try {
      localStorage.setItem(this.key, JSON.stringify(this.data));
    } catch (e) { /* private mode or full: keep going in memory */ }
  };

  // ---------------------------------------------------------------- socket.io client
  /** Minimal Socket.IO v5 client over an Engine.IO v4 WebSocket, default namespace only.
   *  Frames: "0{open}" → send "40"; "40{sid}" connected; "42[event, data]" events;
   *  "2" ping → "3" pong. Reconnects with capped exponential back-off. */
  function SocketClient(server, onEvent, onStatus, onConnect) {
    this.url = server.replace(/^http/, "ws").replace(/\/+$/, "") + "/socket.io/?EIO=4&transport=websocket";
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.onConnect = onConnect;
    this.ws = null;
    this.connected = false;
    this.attempt = 0;
    this.timers = {};
    this.stopped = true;
  }
  SocketClient.prototype.start = function () {
    if (!this.stopped) return;
    this.stopped = false;
    this.open();
  };
  SocketClient.prototype.open = function () {
    var self = this;
    clearTimeout(this.timers.retry);
    this.onStatus("connecting");
    var ws;
    try {
      ws = new WebSocket(this.url);
    } catch (e) {
      this.retry();
      return;
    }
    this.ws = ws;
    ws.onmessage = function (event) {
      if (ws === self.ws && typeof event.data === "string") self.frame(event.data);
    };
    ws.onclose = function () {
      if (ws !== self.ws) return;
      self.ws = null;
      self.connected = false;
      clearTimeout(self.timers.heartbeat);
      if (!self.stopped) {
        self.onStatus("offline");
        self.retry();
      }
    };
    ws.onerror = function () { /* onclose follows */ };
  };
  SocketClient.prototype.retry = function () {
    var self = this;
    var delay = Math.min(30000, 1000 * Math.pow(2, this.attempt++)) * (0.5 + Math.random() / 2);
    this.timers.retry = setTimeout(function () { self.open(); }, delay);
  };
  SocketClient.prototype.heartbeat = function () {
    var self = this;
    clearTimeout(this.timers.heartbeat);
    this.timers.heartbeat = setTimeout(function () {
      if (self.ws) self.ws.close(); // no ping in time: the connection is dead
    }, this.pingInterval + this.pingTimeout);
  };
  SocketClient.prototype.frame = function (data) {
    var kind = data.charAt(0);
    if (kind === "0") { // Engine.IO open
      var info = {};
      try { info = JSON.parse(data.slice(1)); } catch (e) { /* defaults */ }
      this.pingInterval = info.pingInterval || 25000;
      this.pingTimeout = info.pingTimeout || 20000;
      this.heartbeat();
      this.send("40");
    } else if (kind === "2") { // ping
      this.heartbeat();
      this.send("3");
    } else if (kind === "1") { // server closes
      if (this.ws) this.ws.close();
    } else if (kind === "4") {
      this.packet(data.slice(1));
    }
  };
  SocketClient.prototype.packet = function (packet) {
    var kind = packet.charAt(0);
    var rest = packet.slice(1);
    if (rest.charAt(0) === "/") { // namespaced packet: not ours
      var comma = rest.indexOf(",");
      if (rest.slice(0, comma) !== "/") return;
      rest = rest.slice(comma + 1);
    }
    rest = rest.replace(/^\d+/, ""); // acknowledgement id, unused
    if (kind === "0") {
      this.connected = true;
      this.attempt = 0;
      this.onStatus("connected");
      this.onConnect();
    } else if (kind === "2") {
      var args;
      try { args = JSON.parse(rest); } catch (e) { return; }
      if (Array.isArray(args) && typeof args[0] === "string") this.onEvent(args[0], args[1]);
    } else if (kind === "1" || kind === "4") { // disconnected / refused
      if (this.ws) this.ws.close();
    }
  };
  SocketClient.prototype.send = function (frame) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(frame);
  };
  SocketClient.prototype.emit = function (event, data) {
    if (!this.connected) return false;
    this.send("42" + JSON.stringify([event, data]));
    return true;
  };
  SocketClient.prototype.stop = function () {
    this.stopped = true;
    clearTimeout(this.timers.retry);
    clearTimeout(this.timers.heartbeat);
    if (this.ws) { var ws = this.ws; this.ws = null; ws.close(); }
    this.connected = false;
  };

  // ---------------------------------------------------------------- DOM builders
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null && text !== "") node.textContent = String(text);
    return node;
  }

  function svg(path) {
    var ns = "http://www.w3.org/2000/svg";
    var icon = document.createElementNS(ns, "svg");
    icon.setAttribute("viewBox", "0 0 24 24");
    icon.setAttribute("aria-hidden", "true");
    icon.setAttribute("focusable", "false");
    var p = document.createElementNS(ns, "path");
    p.setAttribute("d", path);
    p.setAttribute("fill", "currentColor");
    icon.appendChild(p);
    return icon;
  }
  var ICON_CHAT = "M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6v2h2V9H7zm4 0v2h2V9h-2zm4 0v2h2V9h-2z";
  var ICON_CLOSE = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12l5.6 5.6-1.4 1.4-5.6-5.6L6.4 19 5 17.6 10.6 12 5 6.4z";
  var ICON_NEW = "M12 4a8 8 0 1 1-7.7 10h2.1A6 6 0 1 0 12 6v3L7.5 5 12 1v3z";

  /** Text with http(s) URLs turned into links; everything else stays text. */
  function appendLinkedText(parent, text, strings) {
    var pattern = /https?:\/\/[^\s<>"'）」】，。]+/g;
    var last = 0, match;
    while ((match = pattern.exec(text))) {
      var shown = match[0].replace(/[.,;:!?)]+$/, "");
      var href = safeUrl(shown);
      if (!href) continue;
      parent.appendChild(document.createTextNode(text.slice(last, match.index)));
      parent.appendChild(link(href, shown, strings));
      last = match.index + shown.length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function link(href, text, strings, className) {
    var a = el("a", className, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.appendChild(el("span", "sr-only", strings.newTab));
    return a;
  }

  // ---------------------------------------------------------------- the widget
  function Widget(options) {
    this.server = options.server;
    this.title = options.title;
    this.store = new Store("coserve-widget:" + options.server);
    var data = this.store.data;
    this.lang = normLang(data.lang) || normLang(options.lang) || normLang(document.documentElement.lang) || ZH;
    this.easy = !!data.easy;
    this.waiting = false;
    this.awaitingLang = null; // a language switch asked for, until a reply in it arrives
    this.replyStart = null; // first element of the reply being received, to scroll to
    this.socket = new SocketClient(
      this.server, this.onEvent.bind(this), this.onStatus.bind(this), this.onConnect.bind(this)
    );
    this.build(options.cssHref);
    this.applyLang();
    this.applyEasy(this.easy, false);
    this.renderHistory();
    if (data.open) this.open(false);
  }

  Widget.prototype.t = function (key) {
    return STRINGS[this.lang][key];
  };

  Widget.prototype.build = function (cssHref) {
    var host = el("div");
    host.id = "coserve-widget";
    host.style.display = "none"; // until the stylesheet arrives, so nothing flashes unstyled
    var root = host.attachShadow({ mode: "open" });
    var css = el("link");
    css.rel = "stylesheet";
    css.href = cssHref;
    css.onload = css.onerror = function () { host.style.display = ""; };
    root.appendChild(css);

    var box = (this.box = el("div", "cw"));
    var launcher = (this.launcher = el("button", "cw-launcher"));
    launcher.type = "button";
    launcher.setAttribute("aria-controls", "cw-panel");
    launcher.setAttribute("aria-expanded", "false");
    launcher.appendChild(svg(ICON_CHAT));
    this.launcherText = launcher.appendChild(el("span"));
    this.unreadText = launcher.appendChild(el("span", "sr-only"));
    this.unreadDot = launcher.appendChild(el("span", "cw-unread"));
    this.unreadDot.hidden = true;
    this.unreadDot.setAttribute("aria-hidden", "true");

    var panel = (this.panel = el("section", "cw-panel"));
    panel.id = "cw-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-labelledby", "cw-title");

    var header = el("header", "cw-header");
    this.heading = header.appendChild(el("h2"));
    this.heading.id = "cw-title";
    this.easyButton = header.appendChild(this.headerButton("cw-easy-toggle"));
    this.easyButton.appendChild(el("span", "cw-easy-icon", "Aa")).setAttribute("aria-hidden", "true");
    this.langButton = header.appendChild(this.headerButton("cw-lang"));
    this.newButton = header.appendChild(this.headerButton("cw-new"));
    this.newButton.appendChild(svg(ICON_NEW));
    this.closeButton = header.appendChild(this.headerButton("cw-close"));
    this.closeButton.appendChild(svg(ICON_CLOSE));

    this.status = el("p", "cw-status");
    this.status.hidden = true;
    this.log = el("ol", "cw-log");
    this.log.tabIndex = 0; // keyboard users can scroll the conversation
    this.typing = el("div", "cw-typing");
    this.typing.hidden = true;
    this.typingText = this.typing.appendChild(el("span", "sr-only"));
    for (var i = 0; i < 3; i++) this.typing.appendChild(el("span", "cw-dot"));

    var form = (this.form = el("form", "cw-form"));
    this.inputLabel = form.appendChild(el("label", "sr-only"));
    this.inputLabel.htmlFor = "cw-input";
    var input = (this.input = form.appendChild(el("input")));
    input.id = "cw-input";
    input.type = "text";
    input.autocomplete = "off";
    input.setAttribute("enterkeyhint", "send");
    this.sendButton = form.appendChild(el("button", "cw-send"));
    this.sendButton.type = "submit";

    panel.append(header, this.status, this.log, this.typing, form);
    // Outside the panel so that announcements work while it is closed too.
    this.live = el("div", "sr-only");
    this.live.setAttribute("aria-live", "polite");
    this.live.setAttribute("aria-atomic", "false");
    box.append(panel, launcher, this.live);
    root.appendChild(box);
    document.body.appendChild(host);
    this.bind();
  };

  Widget.prototype.headerButton = function (className) {
    var button = el("button", className);
    button.type = "button";
    return button;
  };

  Widget.prototype.bind = function () {
    var self = this;
    this.launcher.addEventListener("click", function () { self.isOpen() ? self.close() : self.open(true); });
    this.closeButton.addEventListener("click", function () { self.close(); });
    this.easyButton.addEventListener("click", function () { self.applyEasy(!self.easy, true); });
    this.langButton.addEventListener("click", function () { self.switchLanguage(); });
    this.newButton.addEventListener("click", function () { self.newConversation(); });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = self.input.value;
      if (!text.trim()) return;
      self.input.value = "";
      self.send(text, text);
    });
    this.box.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && self.isOpen()) {
        event.preventDefault();
        self.close();
      } else if (event.key === "Tab" && self.isOpen() && self.isFullScreen()) {
        self.trapFocus(event);
      }
    });
  };

  Widget.prototype.isOpen = function () { return !this.panel.hidden; };
  Widget.prototype.isFullScreen = function () { return window.matchMedia("(max-width: 600px)").matches; };

  /** On a phone the panel covers the page, so Tab cycles inside it. */
  Widget.prototype.trapFocus = function (event) {
    var focusable = this.panel.querySelectorAll("button:not([disabled]), a[href], input, [tabindex='0']");
    var first = focusable[0], last = focusable[focusable.length - 1];
    var active = this.panel.getRootNode().activeElement;
    if (event.shiftKey && active === first) { event.preventDefault(); last.focus(); }
    else if (!event.shiftKey && active === last) { event.preventDefault(); first.focus(); }
  };

  Widget.prototype.open = function (focus) {
    this.panel.hidden = false;
    this.box.classList.add("open");
    this.launcher.setAttribute("aria-expanded", "true");
    this.panel.setAttribute("aria-modal", this.isFullScreen() ? "true" : "false");
    this.unreadDot.hidden = true;
    this.updateLauncherLabel(false);
    this.store.data.open = true;
    this.store.save();
    this.socket.start();
    if (!this.store.data.history.length && !this.log.children.length) {
      this.notice(this.t("welcome"));
    }
    this.scrollToEnd();
    if (focus !== false) this.input.focus();
  };

  Widget.prototype.close = function () {
    this.panel.hidden = true;
    this.box.classList.remove("open");
    this.launcher.setAttribute("aria-expanded", "false");
    this.store.data.open = false;
    this.store.save();
    this.launcher.focus();
  };

  /** The visible text is the accessible name (WCAG 2.5.3); "new messages" is added for screen readers. */
  Widget.prototype.updateLauncherLabel = function (unread) {
    this.launcherText.textContent = this.t("launcher");
    this.unreadText.textContent = unread ? this.t("unread") : "";
  };

  // ---------------------------------------------------------------- language and easy reading
  Widget.prototype.applyLang = function () {
    var t = this.t.bind(this);
    this.box.lang = HTML_LANG[this.lang];
    this.heading.textContent = this.title || t("title");
    this.updateLauncherLabel(!this.unreadDot.hidden);
    this.easyButton.setAttribute("aria-label", t("easy"));
    this.easyButton.title = t("easy");
    this.langButton.textContent = t("otherLang");
    this.langButton.lang = HTML_LANG[this.lang === ZH ? EN : ZH];
    this.langButton.setAttribute("aria-label", t("otherLangLabel"));
    this.newButton.setAttribute("aria-label", t("newChat"));
    this.newButton.title = t("newChat");
    this.closeButton.setAttribute("aria-label", t("close"));
    this.closeButton.title = t("close");
    this.log.setAttribute("aria-label", t("log"));
    this.typingText.textContent = t("typing");
    this.inputLabel.textContent = t("input");
    this.input.placeholder = t("placeholder");
    this.sendButton.textContent = t("send");
    if (this.statusKey) this.status.textContent = t(this.statusKey);
  };

  Widget.prototype.setLang = function (lang, announce) {
    if (lang === this.lang || !STRINGS[lang]) return;
    this.lang = lang;
    this.store.data.lang = lang;
    this.store.save();
    this.applyLang();
    if (announce) this.announce(this.t("langSwitched"));
  };

  /** The header toggle: switch the interface now and ask the bot to reply in that language. */
  Widget.prototype.switchLanguage = function () {
    var target = this.lang === ZH ? EN : ZH;
    this.setLang(target, true);
    this.awaitingLang = target;
    this.send('/change_language{"language":"' + target + '"}', null);
  };

  /** Replies lead: the interface follows the language the bot answers in. */
  Widget.prototype.followLanguage = function (text) {
    var lang = detectLanguage(text);
    if (!lang) return;
    if (this.awaitingLang) {
      if (lang !== this.awaitingLang) return; // an older reply still arriving
      this.awaitingLang = null;
    }
    this.setLang(lang, true);
  };

  Widget.prototype.applyEasy = function (on, announce) {
    this.easy = on;
    this.box.classList.toggle("easy", on);
    this.easyButton.setAttribute("aria-pressed", on ? "true" : "false");
    this.store.data.easy = on;
    this.store.save();
    if (announce) this.announce(this.t(on ? "easyOn" : "easyOff"));
  };

  // ---------------------------------------------------------------- connection
  Widget.prototype.onStatus = function (state) {
    if (state !== "connected") this.ready = false;
    this.statusKey = state === "connected" ? null : state;
    this.status.hidden = !this.statusKey;
    if (this.statusKey) this.status.textContent = this.t(this.statusKey);
    if (state === "offline" && !this.offlineAnnounced) {
      this.offlineAnnounced = true;
      this.announce(this.t("offline"));
    }
    if (state === "connected") this.offlineAnnounced = false;
  };

  Widget.prototype.onConnect = function () {
    var data = this.store.data;
    if (!data.session) {
      data.session = uuid();
      this.store.save();
    }
    this.ready = false;
    this.socket.emit("session_request", { session_id: data.session });
  };

  Widget.prototype.onEvent = function (name, payload) {
    if (name === "session_confirm") {
      if (typeof payload === "string" && payload && payload !== this.store.data.session) {
        this.store.data.session = payload;
        this.store.save();
      }
      this.ready = true;
      this.flush();
    } else if (name === "bot_uttered" && payload && typeof payload === "object") {
      this.receive(payload);
    }
  };

  Widget.prototype.flush = function () {
    var queue = this.queue || [];
    this.queue = [];
    for (var i = 0; i < queue.length; i++) this.emitMessage(queue[i]);
  };

  Widget.prototype.emitMessage = function (message) {
    if (!this.ready || !this.socket.emit("user_uttered", { message: message, session_id: this.store.data.session })) {
      (this.queue = this.queue || []).push(message);
    }
  };

  // ---------------------------------------------------------------- conversation
  /** Sends ``message`` to the bot; ``shown`` is what appears in the log (null: nothing). */
  Widget.prototype.send = function (message, shown) {
    this.removeReplies();
    if (shown) this.add({ role: "user", text: shown });
    this.replyStart = null;
    this.setWaiting(true);
    this.socket.start();
    this.emitMessage(message);
  };

  Widget.prototype.setWaiting = function (on) {
    var self = this;
    this.waiting = on;
    this.typing.hidden = !on;
    clearTimeout(this.waitTimer);
    if (on) {
      this.waitTimer = setTimeout(function () {
        self.setWaiting(false);
        self.notice(self.t("noReply"), true);
      }, REPLY_WAIT_MS);
    }
  };

  /** A ``bot_uttered`` payload: text, quick_replies/buttons, attachment, custom.cards. */
  Widget.prototype.receive = function (payload) {
    this.setWaiting(false);
    var entry = { role: "bot" };
    if (payload.text !== undefined && payload.text !== null) entry.text = str(payload.text);
    var buttons = payload.quick_replies || payload.buttons;
    if (Array.isArray(buttons) && buttons.length) entry.buttons = buttons.map(cleanButton).filter(Boolean);
    var custom = payload.custom && typeof payload.custom === "object" ? payload.custom : payload;
    if (Array.isArray(custom.cards)) entry.cards = custom.cards.map(cleanCard).filter(Boolean);
    var attachment = payload.attachment;
    if (attachment && attachment.type === "image" && attachment.payload) {
      entry.image = safeUrl(attachment.payload.src) || undefined;
    }
    if (!entry.text && !entry.buttons && !(entry.cards && entry.cards.length) && !entry.image) return;
    if (entry.text) this.followLanguage(entry.text);
    entry.lang = detectLanguage(entry.text || (entry.cards && entry.cards[0] && entry.cards[0].title)) || this.lang;
    this.add(entry);
    if (this.panel.hidden) {
      this.unreadDot.hidden = false;
      this.updateLauncherLabel(true);
    }
    this.announce(this.describe(entry));
  };

  function cleanButton(button) {
    if (!button || typeof button !== "object") return null;
    return { title: str(button.title), payload: str(button.payload) };
  }

  function cleanCard(card) {
    if (!card || typeof card !== "object") return null;
    var out = {};
    ["entry_id", "title", "summary", "how_to_apply", "agency", "url", "contact"].forEach(function (key) {
      if (card[key] !== undefined && card[key] !== null) out[key] = str(card[key]);
    });
    out.buttons = Array.isArray(card.buttons) ? card.buttons.map(cleanButton).filter(Boolean) : [];
    return out;
  }

  /** What the live region says for a bot entry: its text, then the card titles. */
  Widget.prototype.describe = function (entry) {
    var parts = [];
    if (entry.text) parts.push(entry.text);
    if (entry.cards && entry.cards.length) {
      parts.push(this.t("cardCount").replace("{n}", entry.cards.length));
      entry.cards.forEach(function (card) { parts.push(card.title); });
    }
    if (entry.buttons && entry.buttons.length) {
      var zh = this.lang === ZH;
      parts.push(this.t("replies") + (zh ? "：" : ": ") +
        entry.buttons.map(function (b) { return b.title; }).join(zh ? "、" : ", "));
    }
    return this.t("bot") + " " + parts.join(" ");
  };

  Widget.prototype.add = function (entry) {
    this.store.data.history.push(entry);
    this.store.save();
    var node = this.render(entry, true);
    if (entry.role === "bot" && !this.replyStart) this.replyStart = node;
    this.scrollToReply();
  };

  /** Quick replies stay usable for the bot's messages since the person last spoke. */
  Widget.prototype.renderHistory = function () {
    var history = this.store.data.history;
    var lastUser = -1;
    for (var i = 0; i < history.length; i++) if (history[i].role === "user") lastUser = i;
    for (var j = 0; j < history.length; j++) this.render(history[j], j > lastUser);
  };

  /** One log item for a history entry; ``current``: its quick replies can still be pressed. */
  Widget.prototype.render = function (entry, current) {
    var strings = STRINGS[normLang(entry.lang) || this.lang];
    var item = el("li", "cw-item");
    if (entry.role === "user") {
      var mine = item.appendChild(el("div", "cw-msg cw-user"));
      mine.appendChild(el("span", "sr-only", this.t("you") + " "));
      mine.appendChild(document.createTextNode(str(entry.text)));
      var userLang = detectLanguage(entry.text);
      if (userLang) mine.lang = HTML_LANG[userLang];
    } else {
      item.lang = HTML_LANG[normLang(entry.lang) || this.lang];
      if (entry.text) {
        var bubble = item.appendChild(el("div", "cw-msg cw-bot"));
        bubble.appendChild(el("span", "sr-only", strings.bot + " "));
        appendLinkedText(bubble, entry.text, strings);
      }
      if (entry.image) {
        var figure = item.appendChild(el("div", "cw-msg cw-bot"));
        var img = figure.appendChild(el("img"));
        img.alt = strings.image;
        img.loading = "lazy";
        img.src = entry.image;
      }
      if (entry.cards && entry.cards.length) item.appendChild(this.renderCards(entry.cards, strings));
      if (entry.buttons && entry.buttons.length && current) item.appendChild(this.renderButtons(entry.buttons, strings, true));
    }
    this.log.appendChild(item);
    return item;
  };

  Widget.prototype.renderCards = function (cards, strings) {
    var list = el("ul", "cw-cards");
    list.setAttribute("aria-label", strings.cards);
    for (var i = 0; i < cards.length; i++) {
      var card = cards[i];
      var item = list.appendChild(el("li", "cw-card"));
      item.appendChild(el("h3", null, card.title));
      if (card.summary) item.appendChild(el("p", null, card.summary));
      this.labelled(item, strings.howToApply, card.how_to_apply);
      this.labelled(item, strings.agency, card.agency);
      this.labelled(item, strings.contact, card.contact);
      var buttons = card.buttons.slice();
      var url = safeUrl(card.url);
      var linked = buttons.some(function (b) { return safeUrl(b.payload) === url; });
      if (url && !linked) buttons.push({ title: strings.website, payload: card.url });
      if (buttons.length) item.appendChild(this.renderButtons(buttons, strings, false));
    }
    return list;
  };

  Widget.prototype.labelled = function (parent, label, value) {
    if (!value) return;
    var p = parent.appendChild(el("p"));
    p.appendChild(el("span", "cw-label", label));
    p.appendChild(document.createTextNode(value));
  };

  /** Buttons whose payload is a web address open it; the others send their payload. */
  Widget.prototype.renderButtons = function (buttons, strings, quick) {
    var self = this;
    var group = el("div", "cw-replies");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", strings.replies);
    if (quick) group.setAttribute("data-quick", "");
    buttons.forEach(function (b) {
      var href = /^https?:/i.test(b.payload) ? safeUrl(b.payload) : null;
      if (href) {
        group.appendChild(link(href, b.title || href, strings, "cw-choice"));
        return;
      }
      // Anything else is text for the bot, never a link: "javascript:…" is just sent as text.
      var button = group.appendChild(el("button", "cw-choice", b.title || b.payload));
      button.type = "button";
      button.addEventListener("click", function () {
        self.send(b.payload, b.title || b.payload);
        self.input.focus();
      });
    });
    return group;
  };

  Widget.prototype.removeReplies = function () {
    var groups = this.log.querySelectorAll("[data-quick]");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  };

  Widget.prototype.notice = function (text, announce) {
    var item = this.log.appendChild(el("li", "cw-item cw-notice", text));
    item.lang = HTML_LANG[this.lang];
    if (announce) this.announce(text);
    this.scrollToEnd();
  };

  Widget.prototype.newConversation = function () {
    this.store.data.history = [];
    this.store.data.session = null;
    this.store.save();
    this.queue = [];
    this.setWaiting(false);
    this.log.textContent = "";
    this.notice(this.t("cleared"), true);
    this.notice(this.t("welcome"));
    if (this.socket.connected) this.onConnect();
    this.input.focus();
  };

  Widget.prototype.announce = function (text) {
    var live = this.live;
    var line = live.appendChild(el("p", null, text));
    setTimeout(function () { line.remove(); }, 15000);
    while (live.children.length > 5) live.firstChild.remove();
  };

  Widget.prototype.scrollToEnd = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  /** Shows the start of the reply when it is taller than the log, else the end. */
  Widget.prototype.scrollToReply = function () {
    var log = this.log;
    if (!this.replyStart || !this.replyStart.isConnected) return this.scrollToEnd();
    var top = this.replyStart.offsetTop - log.offsetTop - 8;
    log.scrollTop = Math.min(top, log.scrollHeight - log.clientHeight);
  };

  // ---------------------------------------------------------------- boot
  var dataset = script.dataset;
  var server = safeUrl(dataset.server || "http://localhost:5005");
  if (!server) {
    if (window.console) console.error("CoServe widget: data-server must be an http(s) URL");
    return;
  }
  var options = {
    server: server.replace(/\/+$/, ""),
    lang: dataset.lang,
    title: dataset.title,
    cssHref: new URL("coserve-widget.css", script.src).href,
  };

  function boot() {
    var widget = new Widget(options);
    window.CoServeWidget = {
      open: function () { widget.open(true); },
      close: function () { widget.close(); },
      version: "1.0.0",
    };
  }
  window.CoServeWidget = { pending: true };
  if (document.body) boot();
  else document.addEventListener("DOMContentLoaded", boot);
})();
