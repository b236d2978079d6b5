// Unidesk workspace: live updates over one WebSocket, keyboard shortcuts, SLA countdowns.
// No framework and no build step; htmx does the partial reloads.
(function () {
  "use strict";
  var body = document.body;
  var watch = body.dataset.watchTicket ? parseInt(body.dataset.watchTicket, 10) : null;
  var me = body.dataset.me || "";
  var status = document.getElementById("live-status");
  var delay = 500;
  var socket = null;
  var HEARTBEAT_MS = 30000;

  function setLive(on) {
    if (!status) return;
    status.textContent = on ? status.dataset.online : status.dataset.offline;
    status.classList.toggle("on", on);
  }

  function showPresence(viewers) {
    var el = document.getElementById("presence");
    if (!el) return;
    var others = viewers.filter(function (v) { return v !== me; });
    el.hidden = others.length === 0;
    el.textContent = el.dataset.label + " " + others.join(", ");
  }

  function connect() {
    if (!status) return; // not logged in
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/desk/");
    socket.onopen = function () {
      delay = 500;
      setLive(true);
      if (watch) socket.send(JSON.stringify({ watch: watch }));
    };
    socket.onmessage = function (e) {
      var msg = JSON.parse(e.data);
      if (msg.event === "ticket") {
        body.dispatchEvent(new CustomEvent("desk:queues", { detail: msg }));
        if (msg.ticket === watch) body.dispatchEvent(new CustomEvent("desk:ticket", { detail: msg }));
      } else if (msg.event === "presence" && msg.ticket === watch) {
        showPresence(msg.viewers);
      } else if (msg.event === "visitor" && msg.ticket === watch) {
        if ("typing" in msg) showTyping("visitor-typing", msg.typing);
        else body.dispatchEvent(new CustomEvent("desk:visitor", { detail: msg }));
      } else if (msg.event === "typing" && msg.ticket === watch && msg.agent !== me) {
        var agentTyping = document.getElementById("agent-typing");
        if (agentTyping) agentTyping.textContent = agentTyping.dataset.label.replace("{agent}", msg.agent);
        showTyping("agent-typing", msg.typing);
      }
    };
    socket.onclose = function () {
      socket = null;
      setLive(false);
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }

  // Typing indicators: shown while notices say so, hidden after a quiet spell.
  var typingTimers = {};
  function showTyping(id, on) {
    var el = document.getElementById(id);
    if (!el) return;
    el.hidden = !on;
    clearTimeout(typingTimers[id]);
    if (on) typingTimers[id] = setTimeout(function () { el.hidden = true; }, 8000);
  }

  function send(frame) {
    if (socket && socket.readyState === 1) socket.send(JSON.stringify(frame));
  }

  // Tell the customer (a chat visitor) and colleagues that a reply is being written.
  var typingSince = 0, typingQuiet = null;
  function stopTyping() {
    clearTimeout(typingQuiet);
    if (typingSince) { typingSince = 0; send({ typing: watch, on: false }); }
  }
  document.addEventListener("input", function (e) {
    if (!watch || e.target.id !== "reply-text") return;
    var internal = document.getElementById("reply-internal");
    if (internal && internal.checked) return; // a note is not a reply
    if (Date.now() - typingSince > 2500) { typingSince = Date.now(); send({ typing: watch, on: true }); }
    clearTimeout(typingQuiet);
    typingQuiet = setTimeout(stopTyping, 4000);
  });
  document.addEventListener("submit", function (e) {
    if (e.target.classList && e.target.classList.contains("reply")) stopTyping();
  });
  setInterval(function () { send({ ping: 1 }); }, HEARTBEAT_MS);

  function typing(target) {
    var tag = target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "n") {
      var next = document.getElementById("next-ticket-form");
      if (next) { e.preventDefault(); next.submit(); }
    } else if (e.key === "/") {
      var search = document.querySelector("header .search input[type=search]");
      if (search) { e.preventDefault(); search.focus(); }
    } else if (e.key === "r") {
      var reply = document.getElementById("reply-text");
      if (reply) { e.preventDefault(); reply.focus(); }
    }
  });

  // Bulk selection: collect ticked rows into the bulk form.
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-select-all]")) {
      document.querySelectorAll("input.pick").forEach(function (b) { b.checked = e.target.checked; });
    }
    var ids = document.getElementById("bulk-ids");
    if (ids) {
      ids.value = Array.prototype.map.call(document.querySelectorAll("input.pick:checked"), function (b) { return b.value; }).join(",");
    }
  });

  // SLA clocks count down in place.
  function tick() {
    document.querySelectorAll(".clock[data-due]").forEach(function (el) {
      var left = Math.round((Date.parse(el.dataset.due) - Date.now()) / 60000);
      var abs = Math.abs(left);
      var amount = abs < 120 ? abs + " min" : Math.floor(abs / 60) + " h";
      var dl = el.closest("dl");
      el.classList.toggle("overdue", left < 0);
      if (dl) el.textContent = (left < 0 ? dl.dataset.overdue : dl.dataset.left).replace("{amount}", amount);
    });
  }
  setInterval(tick, 1000);
  tick();
  connect();
})();
