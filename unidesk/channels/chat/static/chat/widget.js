/* Unidesk chat widget: paste
 *   <script src="https://desk.example.com/chat/widget.js" data-widget="KEY" async></script>
 * into a page. No dependencies and no build step; styles live in a shadow root so the host
 * page and the widget do not touch each other. WebSocket first, HTTP polling when that fails.
 * Everything a person wrote is put on the page with textContent, never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector("script[data-widget]");
  if (!script || !script.dataset.widget || window.__unideskChat) return;
  window.__unideskChat = true;

  var KEY = script.dataset.widget;
  var BASE = new URL(script.src, location.href).origin;
  var API = BASE + "/chat/api/" + encodeURIComponent(KEY) + "/";
  var WS_URL = BASE.replace(/^http/, "ws") + "/ws/chat/" + encodeURIComponent(KEY) + "/";
  var STORE = "unidesk.chat." + KEY;
  var POLL_MS = 3000;

  var STRINGS = {
    en: {
      title: "Chat with us", greeting: "Hi! How can we help?", online: "We are online",
      offline: "No one is online right now",
      offlineText: "Leave your e-mail and your question: we will answer by e-mail.",
      name: "Your name", email: "Your e-mail", question: "Your question", start: "Start the chat",
      placeholder: "Write a message…", send: "Send", attach: "Attach a file",
      typing: "An agent is typing…", sentByEmail: "Thank you! We will answer by e-mail to %s.",
      tooLarge: "This file is too large (at most %s).", fileType: "This kind of file is not accepted.",
      pending: "sending…", failed: "Could not send; it will be retried.", required: "Please fill this in.",
      reconnecting: "Reconnecting…", close: "Close the chat", open: "Open the chat", you: "You",
      filesRefused: "A file was too large and was not kept.", file: "file", badEmail: "That does not look like an e-mail address."
    },
    ru: {
      title: "Напишите нам", greeting: "Здравствуйте! Чем можем помочь?", online: "Мы на связи",
      offline: "Сейчас никого нет на связи",
      offlineText: "Оставьте e-mail и вопрос: мы ответим по почте.",
      name: "Ваше имя", email: "Ваш e-mail", question: "Ваш вопрос", start: "Начать чат",
      placeholder: "Напишите сообщение…", send: "Отправить", attach: "Прикрепить файл",
      typing: "Оператор печатает…", sentByEmail: "Спасибо! Мы ответим по почте на %s.",
      tooLarge: "Файл слишком большой (не больше %s).", fileType: "Такие файлы не принимаются.",
      pending: "отправляется…", failed: "Не отправлено; попробуем ещё раз.", required: "Заполните это поле.",
      reconnecting: "Переподключаемся…", close: "Закрыть чат", open: "Открыть чат", you: "Вы",
      filesRefused: "Файл оказался слишком большим и не сохранён.", file: "файл", badEmail: "Это не похоже на адрес e-mail."
    }
  };

  var config = null, t = STRINGS.en, lang = "en";
  var state = {
    token: null, lastId: 0, online: true, leftEmail: false, visitor: { name: "", email: "" },
    messages: {}, order: [], pending: [], open: false, unread: 0
  };
  var socket = null, mode = "ws", wsFailures = 0, everOpened = false, pollTimer = null;
  var connected = false, helloDone = false, typingSent = 0, typingStop = null, agentTypingTimer = null;
  var ui = {}, queued = [];

  try {
    var saved = JSON.parse(localStorage.getItem(STORE) || "{}");
    state.token = saved.token || null;
    state.pending = Array.isArray(saved.pending) ? saved.pending : [];
  } catch (e) { /* storage may be disabled */ }

  function save() {
    try { localStorage.setItem(STORE, JSON.stringify({ token: state.token, pending: state.pending })); } catch (e) { /* ignore */ }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      var r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function fmt(s, v) { return s.replace("%s", v); }
  function size(n) { return n >= 1048576 ? Math.round(n / 104857.6) / 10 + " MB" : n >= 1024 ? Math.round(n / 1024) + " KB" : n + " B"; }
  function page() { return { url: location.href, title: document.title }; }

  // Icons as SVG built node by node (emoji fonts are not everywhere).
  var ICONS = {
    chat: "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z",
    clip: "M16.5 6.5l-7.8 7.8a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.2-6.2"
  };
  function icon(name, size, filled) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", size);
    svg.setAttribute("height", size);
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", filled ? "currentColor" : "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", filled ? "0" : "2");
    path.setAttribute("stroke-linecap", "round");
    svg.appendChild(path);
    return svg;
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // --- drawing -------------------------------------------------------------------------

  var CSS = [
    ":host{all:initial}",
    "*{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}",
    ".launcher{position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;",
    "color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000;",
    "display:flex;align-items:center;justify-content:center}",
    ".badge{position:absolute;top:-4px;right:-4px;background:#dc2626;color:#fff;border-radius:10px;",
    "font-size:12px;padding:1px 6px}",
    ".panel{position:fixed;right:20px;bottom:88px;width:360px;max-width:calc(100vw - 24px);height:520px;",
    "max-height:calc(100vh - 110px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);",
    "display:flex;flex-direction:column;overflow:hidden;z-index:2147483000;color:#111;font-size:14px}",
    ".panel[hidden]{display:none}",
    "header{color:#fff;padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "header h2{margin:0;font-size:16px;flex:1}",
    "header .status{font-size:12px;opacity:.9}",
    "header button{background:transparent;border:0;color:#fff;font-size:20px;cursor:pointer}",
    ".log{flex:1;overflow-y:auto;padding:12px;background:#f6f7f9;display:flex;flex-direction:column;gap:6px}",
    ".msg{max-width:80%;padding:8px 10px;border-radius:10px;white-space:pre-wrap;word-wrap:break-word;line-height:1.35}",
    ".msg.agent{background:#fff;border:1px solid #e3e5e8;align-self:flex-start}",
    ".msg.visitor{color:#fff;align-self:flex-end}",
    ".msg .who{display:block;font-size:11px;opacity:.75;margin-bottom:2px}",
    ".msg .file{display:block;font-size:12px;margin-top:4px;opacity:.9}",
    ".msg.pending{opacity:.6}",
    ".note{font-size:12px;color:#555;text-align:center;padding:4px}",
    ".typing{font-size:12px;color:#555;padding:2px 14px;min-height:18px}",
    "form{display:flex;flex-direction:column;gap:6px;padding:10px;border-top:1px solid #e3e5e8;background:#fff}",
    "form[hidden]{display:none}",
    "input,textarea{font:inherit;padding:7px 8px;border:1px solid #c9ccd1;border-radius:6px;width:100%}",
    "textarea{resize:none}",
    ".row{display:flex;gap:6px;align-items:flex-end}",
    ".row textarea{flex:1}",
    "button.send{color:#fff;border:0;border-radius:6px;padding:8px 12px;cursor:pointer;font:inherit}",
    "button.clip{background:#eef0f3;border:0;border-radius:6px;padding:8px;cursor:pointer;color:#444;display:flex}",
    ".error{color:#b91c1c;font-size:12px}",
    ".offline{background:#fff7e6;border-bottom:1px solid #f0d9a8;padding:8px 12px;font-size:13px}",
    ".offline[hidden]{display:none}"
  ].join("");

  function draw() {
    var host = el("div");
    host.id = "unidesk-chat";
    document.body.appendChild(host);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    var style = el("style");
    style.textContent = CSS;
    root.appendChild(style);
    var colour = /^#[0-9a-fA-F]{6}$/.test(config.colour) ? config.colour : "#2563eb";

    ui.launcher = el("button", "launcher");
    ui.launcher.appendChild(icon("chat", 26, true));
    ui.launcher.type = "button";
    ui.launcher.style.background = colour;
    ui.launcher.setAttribute("aria-label", t.open);
    ui.badge = el("span", "badge");
    ui.badge.hidden = true;
    ui.launcher.appendChild(ui.badge);
    root.appendChild(ui.launcher);

    ui.panel = el("section", "panel");
    ui.panel.hidden = true;
    ui.panel.setAttribute("role", "dialog");
    ui.panel.setAttribute("aria-label", config.title || t.title);
    var head = el("header");
    head.style.background = colour;
    head.appendChild(el("h2", "", config.title || t.title));
    ui.status = el("span", "status");
    head.appendChild(ui.status);
    var close = el("button", "", "×");
    close.type = "button";
    close.setAttribute("aria-label", t.close);
    head.appendChild(close);
    ui.panel.appendChild(head);

    ui.offline = el("div", "offline");
    ui.offline.hidden = true;
    ui.panel.appendChild(ui.offline);
    ui.log = el("div", "log");
    ui.log.setAttribute("aria-live", "polite");
    ui.log.appendChild(el("div", "msg agent", config.greeting || t.greeting));
    ui.panel.appendChild(ui.log);
    ui.typing = el("div", "typing");
    ui.panel.appendChild(ui.typing);

    // Pre-chat form: name and e-mail as the widget asks for them.
    ui.prechat = el("form", "prechat");
    ui.preName = field(ui.prechat, "text", t.name, config.fields.name);
    ui.preEmail = field(ui.prechat, "email", t.email, config.fields.email);
    ui.preError = el("div", "error");
    ui.prechat.appendChild(ui.preError);
    var start = el("button", "send", t.start);
    start.type = "submit";
    start.style.background = colour;
    ui.prechat.appendChild(start);
    ui.panel.appendChild(ui.prechat);

    // Nobody online: leave an e-mail and the question.
    ui.leave = el("form", "leave");
    ui.leaveEmail = field(ui.leave, "email", t.email, "required");
    ui.leaveText = el("textarea");
    ui.leaveText.rows = 3;
    ui.leaveText.placeholder = t.question;
    ui.leave.appendChild(ui.leaveText);
    ui.leaveError = el("div", "error");
    ui.leave.appendChild(ui.leaveError);
    var leaveButton = el("button", "send", t.send);
    leaveButton.type = "submit";
    leaveButton.style.background = colour;
    ui.leave.appendChild(leaveButton);
    ui.leave.hidden = true;
    ui.panel.appendChild(ui.leave);

    // The composer.
    ui.composer = el("form", "composer");
    var row = el("div", "row");
    ui.text = el("textarea");
    ui.text.rows = 2;
    ui.text.placeholder = t.placeholder;
    ui.text.setAttribute("aria-label", t.placeholder);
    row.appendChild(ui.text);
    ui.file = el("input");
    ui.file.type = "file";
    ui.file.hidden = true;
    if (config.upload.types.length) ui.file.accept = config.upload.types.join(",");
    var clip = el("button", "clip");
    clip.appendChild(icon("clip", 18, false));
    clip.type = "button";
    clip.title = t.attach;
    clip.setAttribute("aria-label", t.attach);
    clip.hidden = config.upload.types.length === 0;
    row.appendChild(clip);
    row.appendChild(ui.file);
    var send = el("button", "send", t.send);
    send.type = "submit";
    send.style.background = colour;
    row.appendChild(send);
    ui.composer.appendChild(row);
    ui.composerError = el("div", "error");
    ui.composer.appendChild(ui.composerError);
    ui.panel.appendChild(ui.composer);
    root.appendChild(ui.panel);
    ui.colour = colour;

    ui.launcher.addEventListener("click", function () { toggle(!state.open); });
    close.addEventListener("click", function () { toggle(false); });
    clip.addEventListener("click", function () { ui.file.click(); });
    ui.file.addEventListener("change", function () { if (ui.file.files[0]) upload(ui.file.files[0]); ui.file.value = ""; });
    ui.composer.addEventListener("submit", function (e) { e.preventDefault(); sendText(); });
    ui.text.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); sendText(); }
    });
    ui.text.addEventListener("input", typingInput);
    ui.prechat.addEventListener("submit", function (e) { e.preventDefault(); submitPrechat(); });
    ui.leave.addEventListener("submit", function (e) { e.preventDefault(); submitLeave(); });
  }

  function field(form, type, label, modeName) {
    var input = el("input");
    input.type = type;
    input.placeholder = label + (modeName === "required" ? " *" : "");
    input.setAttribute("aria-label", label);
    input.hidden = modeName === "off";
    input.dataset.mode = modeName;
    form.appendChild(input);
    return input;
  }

  function toggle(open) {
    state.open = open;
    ui.panel.hidden = !open;
    if (open) {
      state.unread = 0;
      ui.badge.hidden = true;
      if (!socket && !pollTimer) connect();
      layout();
      setTimeout(function () { (ui.prechat.hidden ? ui.text : ui.preName).focus(); }, 0);
    }
  }

  function needsPrechat() {
    var f = config.fields;
    if (f.name === "off" && f.email === "off") return false;
    if (state.order.length > 0 || state.visitor.name || state.visitor.email) return false;
    return !state.prechatDone;
  }

  function layout() {
    ui.status.textContent = !connected && helloDone ? t.reconnecting : (state.online ? t.online : t.offline);
    var offline = !state.online && !state.leftEmail;
    ui.offline.hidden = !(offline || state.leftEmail);
    ui.offline.textContent = state.leftEmail ? fmt(t.sentByEmail, state.visitor.email) : t.offline + ". " + t.offlineText;
    ui.leave.hidden = !offline;
    ui.prechat.hidden = offline || !needsPrechat();
    ui.composer.hidden = offline || !ui.prechat.hidden;
  }

  function render(message) {
    var known = state.messages[message.id];
    var node = known || (message.client_id && ui.log.querySelector('[data-client="' + cssEscape(message.client_id) + '"]'));
    if (!node) {
      node = el("div");
      ui.log.appendChild(node);
    }
    while (node.firstChild) node.removeChild(node.firstChild);
    node.className = "msg " + message.from + (message.pending ? " pending" : "");
    if (message.from === "visitor") node.style.background = ui.colour;
    if (message.client_id) node.dataset.client = message.client_id;
    if (message.from === "agent" && message.author) node.appendChild(el("span", "who", message.author));
    node.appendChild(document.createTextNode(message.text || ""));
    (message.files || []).forEach(function (f) { node.appendChild(el("span", "file", "[" + t.file + "] " + f.name + " (" + size(f.size) + ")")); });
    if (message.files_refused) node.appendChild(el("span", "file", t.filesRefused));
    if (message.pending) node.appendChild(el("span", "file", t.pending));
    if (message.id) {
      node.dataset.id = message.id;
      if (!state.messages[message.id]) state.order.push(message.id);
      state.messages[message.id] = node;
      state.lastId = Math.max(state.lastId, message.id);
    }
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function cssEscape(v) { return String(v).replace(/[^a-zA-Z0-9-]/g, ""); }

  function receiveMessage(message) {
    var isNew = !state.messages[message.id];
    render(message);
    if (message.client_id) {
      state.pending = state.pending.filter(function (p) { return p.id !== message.client_id; });
      save();
    }
    if (message.from === "agent") {
      showAgentTyping(false);
      if (isNew && !state.open) {
        state.unread += 1;
        ui.badge.textContent = String(state.unread);
        ui.badge.hidden = false;
      }
    }
    layout();
  }

  function showAgentTyping(on) {
    ui.typing.textContent = on ? t.typing : "";
    clearTimeout(agentTypingTimer);
    if (on) agentTypingTimer = setTimeout(function () { ui.typing.textContent = ""; }, 8000);
  }

  // --- talking to the desk ----------------------------------------------------------------

  function connect() {
    if (mode === "poll") return startPolling();
    var opened = false;
    try {
      socket = new WebSocket(WS_URL);
    } catch (e) {
      return fallBack();
    }
    var timer = setTimeout(function () { if (!opened) { socket.close(); } }, 5000);
    socket.onopen = function () {
      opened = everOpened = true;
      clearTimeout(timer);
      wsFailures = 0;
      socket.send(JSON.stringify({ type: "hello", token: state.token, since: state.lastId, page: page() }));
    };
    socket.onmessage = function (e) {
      var frame;
      try { frame = JSON.parse(e.data); } catch (err) { return; }
      handle(frame);
    };
    socket.onclose = function () {
      clearTimeout(timer);
      socket = null;
      connected = false;
      layout();
      wsFailures += 1;
      if (!everOpened && wsFailures >= 2) return fallBack();
      if (wsFailures >= 5) return fallBack();
      setTimeout(connect, Math.min(500 * Math.pow(2, wsFailures), 10000));
    };
  }

  function fallBack() {
    mode = "poll";
    socket = null;
    startPolling();
  }

  function request(method, path, body, isForm) {
    var headers = {};
    if (state.token) headers.Authorization = "Bearer " + state.token;
    if (body && !isForm) headers["Content-Type"] = "application/json";
    return fetch(API + path, {
      method: method, headers: headers, mode: "cors", credentials: "omit",
      body: body ? (isForm ? body : JSON.stringify(body)) : undefined
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { data.status = r.status; throw data; }
        return data;
      });
    });
  }

  function startPolling() {
    if (pollTimer) return;
    request("POST", "hello", { token: state.token, since: state.lastId, page: page() })
      .then(function (frame) {
        handle(frame);
        pollTimer = setInterval(poll, POLL_MS);
      })
      .catch(function () { setTimeout(startPolling, POLL_MS); });
  }

  // Resend what the desk has not confirmed (a resend is harmless: the id is the same).
  function flushPending(all) {
    var now = Date.now();
    state.pending.forEach(function (p) {
      if (!all && p.sentAt && now - p.sentAt < 8000) return;
      p.sentAt = now;
      render({ client_id: p.id, from: "visitor", text: p.text, pending: true });
      sendFrame({ type: "message", id: p.id, text: p.text });
    });
  }

  function poll() {
    request("GET", "poll?since=" + state.lastId).then(function (data) {
      connected = true;
      flushPending(false);
      state.online = data.online;
      data.messages.forEach(receiveMessage);
      showAgentTyping(data.agent_typing);
      layout();
    }).catch(function (err) {
      connected = false;
      if (err && err.status === 401) { state.token = null; save(); clearInterval(pollTimer); pollTimer = null; startPolling(); }
      layout();
    });
  }

  function sendFrame(frame) {
    if (!helloDone) {
      // Before the session exists: messages wait in the pending list, forms in the queue.
      if (frame.type === "identify" || frame.type === "leave_email") { queued.push(frame); return true; }
      return false;
    }
    if (mode === "ws") {
      if (socket && socket.readyState === 1 && helloDone) { socket.send(JSON.stringify(frame)); return true; }
      return false;
    }
    request("POST", "frame", frame).then(handle).catch(function (err) {
      if (err && err.detail) handle({ type: "error", error: err.error, detail: err.detail, id: frame.id });
    });
    return true;
  }

  function handle(frame) {
    if (frame.type === "welcome") {
      state.token = frame.token;
      state.online = frame.online;
      state.leftEmail = frame.left_email;
      state.visitor = frame.visitor || state.visitor;
      connected = helloDone = true;
      save();
      frame.messages.forEach(receiveMessage);
      showAgentTyping(frame.agent_typing);
      queued.splice(0).forEach(sendFrame);
      flushPending(true);
      layout();
    } else if (frame.type === "ack" || frame.type === "message") {
      receiveMessage(frame.message);
    } else if (frame.type === "typing") {
      showAgentTyping(frame.typing);
    } else if (frame.type === "identified") {
      state.visitor = frame.visitor;
      layout();
    } else if (frame.type === "left_email") {
      state.leftEmail = true;
      state.visitor.email = frame.email;
      if (frame.message) receiveMessage(frame.message);
      layout();
    } else if (frame.type === "error" && frame.error === "server") {
      return; // a message it concerns stays pending and is sent again (flushPending)
    } else if (frame.type === "error") {
      var target = ui.leave.hidden ? ui.composerError : ui.leaveError;
      target.textContent = frame.detail || t.failed;
    }
  }

  function sendText() {
    var text = ui.text.value.trim();
    if (!text) return;
    var item = { id: uuid(), text: text, sentAt: Date.now() };
    state.pending.push(item);
    save();
    ui.text.value = "";
    ui.composerError.textContent = "";
    render({ client_id: item.id, from: "visitor", text: text, pending: true });
    stopTyping();
    if (!sendFrame({ type: "message", id: item.id, text: text })) {
      if (!socket && !pollTimer) connect(); // sent from the pending list once connected
    }
  }

  function typingInput() {
    var now = Date.now();
    if (now - typingSent > 2500) {
      typingSent = now;
      sendFrame({ type: "typing", typing: true });
    }
    clearTimeout(typingStop);
    typingStop = setTimeout(stopTyping, 3000);
  }

  function stopTyping() {
    clearTimeout(typingStop);
    if (typingSent) {
      typingSent = 0;
      sendFrame({ type: "typing", typing: false });
    }
  }

  function upload(file) {
    ui.composerError.textContent = "";
    var types = config.upload.types;
    if (file.size > config.upload.max_bytes) { ui.composerError.textContent = fmt(t.tooLarge, size(config.upload.max_bytes)); return; }
    if (types.indexOf((file.type || "").toLowerCase()) < 0) { ui.composerError.textContent = t.fileType; return; }
    var form = new FormData();
    var id = uuid();
    form.append("file", file);
    form.append("id", id);
    render({ client_id: id, from: "visitor", text: "", files: [{ name: file.name, size: file.size }], pending: true });
    request("POST", "upload", form, true).then(function (frame) {
      receiveMessage(frame.message);
    }).catch(function (err) {
      var node = ui.log.querySelector('[data-client="' + cssEscape(id) + '"]');
      if (node) node.parentNode.removeChild(node);
      ui.composerError.textContent = err && err.error === "too_large" ? fmt(t.tooLarge, size(config.upload.max_bytes))
        : err && err.error === "file_type" ? t.fileType : (err && err.detail) || t.failed;
    });
  }

  function validEmail(v) { return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v); }

  function check(input, errorNode) {
    var v = input.value.trim();
    if (!input.hidden && input.dataset.mode === "required" && !v) { errorNode.textContent = t.required; input.focus(); return null; }
    if (input.type === "email" && v && !validEmail(v)) { errorNode.textContent = t.badEmail; input.focus(); return null; }
    return v;
  }

  function submitPrechat() {
    ui.preError.textContent = "";
    var name = check(ui.preName, ui.preError);
    if (name === null) return;
    var email = check(ui.preEmail, ui.preError);
    if (email === null) return;
    state.prechatDone = true;
    if (name || email) {
      state.visitor = { name: name, email: email };
      sendFrame({ type: "identify", name: name, email: email });
    }
    layout();
    ui.text.focus();
  }

  function submitLeave() {
    ui.leaveError.textContent = "";
    var email = check(ui.leaveEmail, ui.leaveError);
    if (email === null) return;
    var text = ui.leaveText.value.trim();
    if (!text && state.order.length === 0) { ui.leaveError.textContent = t.required; ui.leaveText.focus(); return; }
    if (!sendFrame({ type: "leave_email", email: email, name: ui.preName.value.trim(), text: text, id: uuid() })) {
      ui.leaveError.textContent = t.failed;
    }
  }

  // The page the visitor is on, for the agent: sent when it changes (single-page sites too).
  var lastPage = location.href + "|" + document.title;
  setInterval(function () {
    var now = location.href + "|" + document.title;
    if (now !== lastPage) { lastPage = now; sendFrame({ type: "page", url: location.href, title: document.title }); }
  }, 2000);
  setInterval(function () { if (socket && socket.readyState === 1) socket.send('{"type":"ping"}'); }, 30000);
  // Anything the desk has not confirmed within a few seconds is sent again (same id).
  setInterval(function () { if (helloDone && connected && mode === "ws") flushPending(false); }, 5000);
  setInterval(function () {
    if (!state.open || !config) return;
    request("GET", "config").then(function (c) { state.online = c.online; layout(); }).catch(function () {});
  }, 60000);

  function boot() {
    fetch(API + "config", { mode: "cors", credentials: "omit" })
      .then(function (r) { if (!r.ok) throw new Error("chat unavailable"); return r.json(); })
      .then(function (c) {
        config = c;
        var wanted = script.dataset.lang || (c.language !== "auto" ? c.language : (navigator.language || "en"));
        lang = String(wanted).slice(0, 2).toLowerCase() === "ru" ? "ru" : "en";
        t = STRINGS[lang];
        state.online = c.online;
        draw();
        layout();
        if (state.token) connect(); // a returning visitor: history and replies right away
      })
      .catch(function () { /* no widget: leave the host page alone */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
