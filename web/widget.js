/* supportd chat widget: one script tag, no build step, no dependencies.
 *
 *   <script src="https://SUPPORTD/widget.js" data-key="pk_…" data-kb="help" async></script>
 *
 * It renders inside a Shadow DOM (the host page's CSS cannot reach it), builds
 * every node with createElement/textContent (no innerHTML), and talks only to
 * the supportd that served it. Attributes: data-key, data-kb, data-title,
 * data-greeting, data-placeholder, data-color, data-text-color,
 * data-position (right|left), data-lang (en|fr), data-source-base (prefixed
 * to a citation's relative URI to link it), data-api (another supportd). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || customElements.get("supportd-chat")) return;

  var STRINGS = {
    en: {
      title: "Help", greeting: "Hi! Ask me anything about our product.", placeholder: "Type your question…",
      open: "Open the help chat", close: "Close the chat", send: "Send", typing: "Looking for an answer…",
      you: "You", assistant: "Assistant", sources: "Sources", helpful: "Was this helpful?", up: "Yes, helpful",
      down: "No, not helpful", reason: "What went wrong?", comment: "Anything to add? (optional)",
      reasons: { incorrect: "It is wrong", incomplete: "It is incomplete", outdated: "It is out of date", unclear: "It is unclear", other: "Something else" },
      sendFeedback: "Send feedback", thanks: "Thanks for the feedback.", person: "Talk to a person",
      handoffTitle: "A person will take it from here",
      handoffNext: "What happens next: this conversation goes to our support team, and a person reads it and follows up. Leave your email if you want the reply by email.",
      handoffFirst: "Ask your question first; we will pass the conversation to a person.",
      email: "Email (optional)", handoffSend: "Send to the support team", handoffDone: "Sent. Our support team has the conversation",
      handoffDoneEmail: " and will reply to ", badEmail: "Please enter a valid email address, or leave it empty.",
      network: "We could not reach the help service. Check your connection and try again.", retry: "Try again",
      wait: "You are asking quickly. Please wait {s} seconds before the next question.", waitDone: "You can ask again now.",
      origin: "This chat is not enabled on this website ({origin}). The site owner needs to allow it for this address.",
      failed: "Something went wrong on our side ({code}). Please try again.", reference: "Reference: ",
      interrupted: "The answer was interrupted.",
      working: "Still working on it…", helpCentre: "Our assistant is unavailable right now, so this answer comes straight from the help centre."
    },
    fr: {
      title: "Aide", greeting: "Bonjour ! Posez-moi vos questions sur notre produit.", placeholder: "Écrivez votre question…",
      open: "Ouvrir le chat d’aide", close: "Fermer le chat", send: "Envoyer", typing: "Recherche d’une réponse…",
      you: "Vous", assistant: "Assistant", sources: "Sources", helpful: "Cette réponse vous a-t-elle aidé ?", up: "Oui, utile",
      down: "Non, pas utile", reason: "Qu’est-ce qui n’allait pas ?", comment: "Un commentaire ? (facultatif)",
      reasons: { incorrect: "C’est faux", incomplete: "C’est incomplet", outdated: "Ce n’est plus à jour", unclear: "Ce n’est pas clair", other: "Autre chose" },
      sendFeedback: "Envoyer l’avis", thanks: "Merci pour votre avis.", person: "Parler à une personne",
      handoffTitle: "Une personne prend le relais",
      handoffNext: "La suite : cette conversation part à notre équipe d’assistance ; une personne la lit et vous répond. Laissez votre e-mail si vous voulez la réponse par e-mail.",
      handoffFirst: "Posez d’abord votre question ; nous transmettrons la conversation à une personne.",
      email: "E-mail (facultatif)", handoffSend: "Envoyer à l’équipe d’assistance", handoffDone: "Envoyé. Notre équipe d’assistance a la conversation",
      handoffDoneEmail: " et répondra à ", badEmail: "Saisissez une adresse e-mail valide, ou laissez le champ vide.",
      network: "Impossible de joindre le service d’aide. Vérifiez votre connexion et réessayez.", retry: "Réessayer",
      wait: "Vous posez beaucoup de questions. Patientez {s} secondes avant la suivante.", waitDone: "Vous pouvez poser une question.",
      origin: "Ce chat n’est pas activé sur ce site ({origin}). Le propriétaire du site doit l’autoriser pour cette adresse.",
      failed: "Une erreur est survenue de notre côté ({code}). Réessayez.", reference: "Référence : ",
      interrupted: "La réponse a été interrompue.",
      working: "Toujours en cours…", helpCentre: "Notre assistant est indisponible pour le moment : cette réponse vient directement du centre d’aide."
    }
  };

  var CSS = [
    ":host{all:initial}",
    ".root{all:initial;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1c2330;position:fixed;bottom:16px;right:16px;z-index:2147483647;display:flex;flex-direction:column;align-items:flex-end;gap:12px}",
    ".root.left{right:auto;left:16px;align-items:flex-start}",
    "*{box-sizing:border-box}",
    "button,input,textarea,select{font:inherit;color:inherit}",
    "button{cursor:pointer}",
    ":focus-visible{outline:3px solid #1a73e8;outline-offset:2px}",
    ".launcher{width:56px;height:56px;border-radius:50%;border:0;background:var(--brand);color:var(--brand-text);box-shadow:0 4px 14px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}",
    ".launcher svg{width:28px;height:28px;fill:currentColor}",
    ".panel{width:min(380px,calc(100vw - 32px));height:min(600px,calc(100vh - 104px));background:#fff;border-radius:14px;box-shadow:0 10px 40px rgba(0,0,0,.28);display:flex;flex-direction:column;overflow:hidden}",
    ".panel[hidden]{display:none}",
    "header{background:var(--brand);color:var(--brand-text);padding:12px 14px;display:flex;align-items:center;gap:8px}",
    "header h2{font-size:16px;margin:0;flex:1;font-weight:600}",
    ".icon{background:transparent;border:0;color:inherit;width:32px;height:32px;border-radius:8px;font-size:20px;line-height:1}",
    ".log{flex:1;overflow-y:auto;padding:14px;display:flex;flex-direction:column;gap:10px;background:#f6f7f9}",
    ".msg{max-width:88%;padding:9px 12px;border-radius:12px;background:#fff;border:1px solid #e3e6eb;overflow-wrap:anywhere}",
    ".msg.user{align-self:flex-end;background:var(--brand);color:var(--brand-text);border-color:transparent;white-space:pre-wrap}",
    ".msg p{margin:0 0 .5em}.msg p:last-child{margin-bottom:0}",
    ".msg ul,.msg ol{margin:.2em 0 .5em;padding-left:1.3em}",
    ".msg code{background:#eef0f3;border-radius:4px;padding:0 3px;font-family:ui-monospace,monospace;font-size:.92em}",
    ".msg a{color:#0b57d0}",
    ".ref{font-size:.75em;vertical-align:super;color:#5f6b7a}",
    ".note{margin:0 0 .5em;font-size:.9em;color:#5f6b7a;font-style:italic}.note:empty{display:none}",
    ".sources{margin:.6em 0 0;padding:.5em 0 0 1.3em;border-top:1px solid #e3e6eb;font-size:.9em}",
    ".sources li{margin-bottom:.4em}.snippet{display:block;color:#5f6b7a;font-size:.92em}",
    ".typing{display:inline-flex;gap:4px;align-items:center}",
    ".typing i{width:7px;height:7px;border-radius:50%;background:#8a94a3;animation:b 1s infinite}",
    ".typing i:nth-child(2){animation-delay:.15s}.typing i:nth-child(3){animation-delay:.3s}",
    "@keyframes b{0%,80%,100%{opacity:.3}40%{opacity:1}}",
    "@media (prefers-reduced-motion:reduce){.typing i{animation:none}}",
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}",
    ".row{display:flex;gap:6px;align-items:center;flex-wrap:wrap;margin-top:6px;font-size:.9em;color:#5f6b7a}",
    ".chip{border:1px solid #c9ced6;background:#fff;border-radius:16px;padding:3px 10px;line-height:0}",
    ".chip svg{width:16px;height:16px;fill:#5f6b7a}",
    ".chip[aria-pressed=true]{background:#e8f0fe;border-color:#0b57d0}",
    ".card{align-self:stretch;background:#fff;border:1px solid #c9ced6;border-radius:12px;padding:10px 12px}",
    ".card h3{font-size:15px;margin:0 0 6px}",
    ".card.error{border-color:#d93025;background:#fdecea}",
    ".card.wait{border-color:#f9ab00;background:#fef7e0}",
    "label{display:block;font-size:.9em;margin:6px 0 2px}",
    "input,select,textarea{width:100%;border:1px solid #c9ced6;border-radius:8px;padding:7px 9px;background:#fff}",
    ".primary{background:var(--brand);color:var(--brand-text);border:0;border-radius:8px;padding:8px 14px;margin-top:8px}",
    ".primary:disabled{opacity:.5;cursor:default}",
    "form.ask{display:flex;gap:8px;padding:10px;border-top:1px solid #e3e6eb;background:#fff}",
    "form.ask textarea{resize:none;height:42px;flex:1}",
    "form.ask .primary{margin:0}",
    ".foot{display:flex;justify-content:center;padding:0 10px 10px;background:#fff}",
    ".link{background:none;border:0;color:#0b57d0;text-decoration:underline;padding:4px}",
    "@media (max-width:480px){.root{bottom:8px;right:8px}.root.left{left:8px}.panel{width:calc(100vw - 16px);height:calc(100vh - 88px)}}"
  ].join("\n");

  function attr(name, fallback) {
    var v = script.getAttribute("data-" + name);
    return v === null || v === "" ? fallback : v;
  }

  var lang = attr("lang", (navigator.language || "en").slice(0, 2).toLowerCase());
  var T = STRINGS[lang] || STRINGS.en;
  var config = {
    key: attr("key", ""), kb: attr("kb", "default"), title: attr("title", T.title), greeting: attr("greeting", T.greeting),
    placeholder: attr("placeholder", T.placeholder), color: attr("color", "#1f5fbf"), textColor: attr("text-color", "#ffffff"),
    left: attr("position", "right") === "left", api: attr("api", new URL(script.src, location.href).origin),
    sourceBase: attr("source-base", "")
  };

  // el builds an element; children are nodes or strings (always text).
  function el(tag, props, children) {
    var n = document.createElement(tag);
    for (var k in props || {}) {
      if (k === "class") n.className = props[k];
      else if (k === "text") n.textContent = props[k];
      else if (k.slice(0, 2) === "on") n.addEventListener(k.slice(2), props[k]);
      else n.setAttribute(k, props[k]);
    }
    (children || []).forEach(function (c) { n.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return n;
  }

  // safeURL returns an absolute http(s) URL or "" for anything else
  // (javascript:, data:, relative paths without a base).
  function safeURL(href, base) {
    try {
      var u = base ? new URL(href, base) : new URL(href);
      return u.protocol === "http:" || u.protocol === "https:" ? u.href : "";
    } catch (e) { return ""; }
  }

  // icon is a decorative SVG of one path in a 24×24 box (no emoji font
  // needed).
  function icon(d, flip) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    if (flip) svg.setAttribute("transform", "rotate(180)");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", d);
    svg.appendChild(path);
    return svg;
  }
  var THUMB = "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3c0-.4-.2-.8-.5-1.1L13.2 1 7.6 7.6C7.2 8 7 8.5 7 9v10a2 2 0 0 0 2 2h9c.8 0 1.5-.5 1.8-1.2l3-7c.1-.3.2-.5.2-.8v-2z";

  function link(href, text) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, [text]);
  }

  // inline renders **bold**, *em*, `code`, [text](http…) and [n] markers;
  // everything else is text. Links outside http/https stay text.
  var INLINE = /(\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\[(P?\d{1,3})\]|\*([^*\s][^*]*)\*)/;
  function inline(parent, text) {
    while (text) {
      var m = INLINE.exec(text);
      if (!m) { parent.appendChild(document.createTextNode(text)); return; }
      if (m.index) parent.appendChild(document.createTextNode(text.slice(0, m.index)));
      if (m[2] !== undefined) parent.appendChild(el("strong", { text: m[2] }));
      else if (m[3] !== undefined) parent.appendChild(el("code", { text: m[3] }));
      else if (m[4] !== undefined) {
        var href = safeURL(m[5]);
        parent.appendChild(href ? link(href, m[4]) : document.createTextNode(m[0]));
      } else if (m[6] !== undefined) parent.appendChild(el("span", { class: "ref", text: "[" + m[6] + "]" }));
      else parent.appendChild(el("em", { text: m[7] }));
      text = text.slice(m.index + m[0].length);
    }
  }

  // markdown renders paragraphs and lists into a fragment.
  function markdown(src) {
    var frag = document.createDocumentFragment();
    src.replace(/\r/g, "").split(/\n{2,}/).forEach(function (block) {
      var lines = block.split("\n").filter(function (l) { return l.trim() !== ""; });
      if (!lines.length) return;
      var bullet = /^\s*[-*]\s+/, number = /^\s*\d+[.)]\s+/;
      var kind = lines.every(function (l) { return bullet.test(l); }) ? "ul" : lines.every(function (l) { return number.test(l); }) ? "ol" : "";
      if (kind) {
        var list = el(kind);
        lines.forEach(function (l) { var li = el("li"); inline(li, l.replace(kind === "ul" ? bullet : number, "")); list.appendChild(li); });
        frag.appendChild(list);
        return;
      }
      var p = el("p");
      lines.forEach(function (l, i) {
        if (i) p.appendChild(el("br"));
        inline(p, l.replace(/^#{1,6}\s+/, ""));
      });
      frag.appendChild(p);
    });
    return frag;
  }

  function storageKey() { return "supportd:" + config.key + ":" + config.kb; }
  function load() {
    try { return JSON.parse(sessionStorage.getItem(storageKey())) || { messages: [] }; } catch (e) { return { messages: [] }; }
  }

  class SupportdChat extends HTMLElement {}

  SupportdChat.prototype.connectedCallback = function () {
    if (this.shadowRoot) return;
    var self = this;
    var shadow = this.attachShadow({ mode: "open" });
    if (shadow.adoptedStyleSheets !== undefined && typeof CSSStyleSheet === "function") {
      // A constructed sheet is allowed by a strict style-src policy.
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      shadow.adoptedStyleSheets = [sheet];
    } else {
      shadow.appendChild(el("style", { text: CSS }));
    }
    this.state = load();
    this.busy = false;
    this.waitUntil = 0;

    var root = el("div", { class: "root" + (config.left ? " left" : ""), lang: lang });
    root.style.setProperty("--brand", config.color);
    root.style.setProperty("--brand-text", config.textColor);
    var titleID = "supportd-title";
    this.panel = el("section", { class: "panel", role: "dialog", "aria-labelledby": titleID, hidden: "" });
    this.log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-relevant": "additions" });
    this.input = el("textarea", { "aria-label": config.placeholder, placeholder: config.placeholder, rows: "1", maxlength: "2000" });
    this.sendButton = el("button", { class: "primary", type: "submit", text: T.send });
    this.input.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); self.submit(); }
    });
    var form = el("form", { class: "ask", onsubmit: function (e) { e.preventDefault(); self.submit(); } }, [this.input, this.sendButton]);
    this.closeButton = el("button", { class: "icon close", type: "button", "aria-label": T.close, text: "×", onclick: function () { self.close(); } });
    this.panel.append(
      el("header", {}, [el("h2", { id: titleID, text: config.title }), this.closeButton]),
      this.log, form,
      el("div", { class: "foot" }, [el("button", { class: "link person", type: "button", text: T.person, onclick: function () { self.handoffCard(null); } })])
    );
    this.launcher = el("button", { class: "launcher", type: "button", "aria-label": T.open, "aria-expanded": "false", "aria-haspopup": "dialog",
      onclick: function () { self.panel.hidden ? self.open() : self.close(); } });
    this.launcher.appendChild(icon("M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z"));
    root.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && !self.panel.hidden) { e.stopPropagation(); self.close(); }
    });
    root.append(this.panel, this.launcher);
    shadow.appendChild(root);

    this.log.appendChild(el("div", { class: "msg bot", text: config.greeting }));
    this.state.messages.forEach(function (m) { self.renderMessage(m); });
  };

  SupportdChat.prototype.open = function () {
    this.panel.hidden = false;
    this.launcher.setAttribute("aria-expanded", "true");
    this.log.scrollTop = this.log.scrollHeight;
    this.input.focus();
  };

  SupportdChat.prototype.close = function () {
    this.panel.hidden = true;
    this.launcher.setAttribute("aria-expanded", "false");
    this.launcher.focus();
  };

  SupportdChat.prototype.save = function () {
    try { sessionStorage.setItem(storageKey(), JSON.stringify(this.state)); } catch (e) { /* private mode: memory only */ }
  };

  SupportdChat.prototype.add = function (node) {
    this.log.appendChild(node);
    this.log.scrollTop = this.log.scrollHeight;
    return node;
  };

  // renderMessage shows a stored message: the visitor's question, or an
  // answer with its sources and feedback.
  SupportdChat.prototype.renderMessage = function (m) {
    if (m.role === "user") return this.add(el("div", { class: "msg user", text: m.text }));
    var bubble = this.add(el("div", { class: "msg bot" }));
    if (m.note) bubble.appendChild(el("p", { class: "note", text: m.note }));
    bubble.appendChild(markdown(m.text));
    this.sources(bubble, m.citations || []);
    if (m.mode === "handoff") this.handoffCard(m);
    else if (m.turn_id && m.mode !== "refused") this.feedback(bubble, m);
    this.log.scrollTop = this.log.scrollHeight;
    return bubble;
  };

  SupportdChat.prototype.sources = function (bubble, citations) {
    if (!citations.length) return;
    var list = el("ol", { class: "sources", "aria-label": T.sources });
    citations.forEach(function (c) {
      var title = c.title || c.document || c.uri || "";
      var href = safeURL(c.uri || "") || (config.sourceBase && safeURL(config.sourceBase + encodeURI(c.uri || ""), location.href));
      var li = el("li", {}, [href ? link(href, title) : el("strong", { text: title })]);
      if (c.snippet) li.appendChild(el("span", { class: "snippet", text: c.snippet }));
      list.appendChild(li);
    });
    bubble.appendChild(list);
  };

  SupportdChat.prototype.feedback = function (bubble, m) {
    var self = this;
    var row = el("div", { class: "row" }, [el("span", { text: T.helpful })]);
    var up = el("button", { class: "chip up", type: "button", "aria-label": T.up, "aria-pressed": "false" }, [icon(THUMB)]);
    var down = el("button", { class: "chip down", type: "button", "aria-label": T.down, "aria-pressed": "false" }, [icon(THUMB, true)]);
    row.append(up, down);
    bubble.appendChild(row);
    if (m.rated) { row.replaceChildren(el("span", { text: T.thanks })); return; }
    var thanks = function () { m.rated = true; self.save(); row.replaceChildren(el("span", { role: "status", text: T.thanks })); };
    up.addEventListener("click", function () {
      up.setAttribute("aria-pressed", "true");
      self.api("/v1/turns/" + m.turn_id + "/feedback", { conversation_id: m.conversation_id, rating: "up" }).then(thanks, function (err) { self.problem(err); });
    });
    down.addEventListener("click", function () {
      down.setAttribute("aria-pressed", "true");
      if (bubble.querySelector("form.reason")) return;
      var select = el("select", { id: "reason-" + m.turn_id, name: "reason" });
      Object.keys(T.reasons).forEach(function (k) { select.appendChild(el("option", { value: k, text: T.reasons[k] })); });
      var comment = el("textarea", { id: "comment-" + m.turn_id, name: "comment", rows: "2", maxlength: "2000" });
      var form = el("form", { class: "reason" }, [
        el("label", { for: select.id, text: T.reason }), select,
        el("label", { for: comment.id, text: T.comment }), comment,
        el("button", { class: "primary", type: "submit", text: T.sendFeedback })
      ]);
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        self.api("/v1/turns/" + m.turn_id + "/feedback", { conversation_id: m.conversation_id, rating: "down", reason: select.value, comment: comment.value.trim() })
          .then(function () { form.remove(); thanks(); }, function (err) { self.problem(err); });
      });
      bubble.appendChild(form);
      select.focus();
    });
  };

  // handoffCard says what happens next and offers to leave an email; m is
  // the answer that handed off, or null when the visitor asked for a person.
  SupportdChat.prototype.handoffCard = function (m) {
    var self = this;
    var last = m || this.lastAnswer();
    if (!last) {
      this.add(el("div", { class: "card", role: "status", text: T.handoffFirst }));
      this.input.focus();
      return;
    }
    if (last.handoff_sent) {
      return this.add(el("div", { class: "card handoff", role: "status", text: T.handoffDone + "." }));
    }
    var email = el("input", { type: "email", id: "email-" + last.turn_id, name: "email", autocomplete: "email", maxlength: "254" });
    var note = el("p", { role: "alert" });
    var form = el("form", { class: "handoff-form", novalidate: "" }, [
      el("label", { for: email.id, text: T.email }), email, note,
      el("button", { class: "primary", type: "submit", text: T.handoffSend })
    ]);
    var card = this.add(el("div", { class: "card handoff" }, [el("h3", { text: T.handoffTitle }), el("p", { text: T.handoffNext }), form]));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var address = email.value.trim();
      if (address && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(address)) { note.textContent = T.badEmail; email.focus(); return; }
      self.api("/v1/conversations/" + last.conversation_id + "/handoff", { turn_id: last.turn_id, email: address }).then(function () {
        last.handoff_sent = true;
        self.save();
        card.replaceChildren(el("p", { role: "status", text: T.handoffDone + (address ? T.handoffDoneEmail + address : "") + "." }));
      }, function (err) { self.problem(err); });
    });
    if (!m) email.focus();
  };

  SupportdChat.prototype.lastAnswer = function () {
    for (var i = this.state.messages.length - 1; i >= 0; i--) {
      if (this.state.messages[i].turn_id) return this.state.messages[i];
    }
    return null;
  };

  SupportdChat.prototype.submit = function () {
    var q = this.input.value.trim();
    if (!q || this.busy) return;
    if (Date.now() < this.waitUntil) { this.input.focus(); return; }
    this.input.value = "";
    var m = { role: "user", text: q };
    this.state.messages.push(m);
    this.save();
    this.renderMessage(m);
    this.ask(q);
  };

  // ask streams the answer to q; a failure leaves a card with what to do.
  SupportdChat.prototype.ask = function (q) {
    var self = this;
    this.busy = true;
    this.sendButton.disabled = true;
    var bubble = this.add(el("div", { class: "msg bot", "aria-busy": "true" }));
    var typing = el("span", { class: "typing", role: "status" }, [el("i"), el("i"), el("i"), el("span", { class: "sr", text: T.typing })]);
    // note says what a slow or degraded stream is doing: a keepalive
    // means still working, a status event that the help centre answers.
    var note = el("p", { class: "note", role: "status" });
    bubble.append(note, typing);
    var answer = { role: "assistant", text: "", citations: [] };
    var body = { kb: config.kb, question: q };
    if (this.state.conversation_id) body.conversation_id = this.state.conversation_id;
    this.request("/v1/chat", body, true).then(function (res) {
      return self.stream(res, function (event, data) {
        if (event === "token") {
          answer.text += data.text;
          if (!answer.note) note.textContent = "";
          bubble.replaceChildren(note, markdown(answer.text));
          self.log.scrollTop = self.log.scrollHeight;
        } else if (event === "keepalive") {
          if (!answer.text && !answer.note) note.textContent = T.working;
        } else if (event === "status") {
          if (data.mode === "extractive") answer.note = T.helpCentre;
          note.textContent = answer.note || (data.mode === "fallback" ? T.working : "");
        } else if (event === "citations") {
          answer.citations = data || [];
        } else if (event === "done") {
          answer.turn_id = data.turn_id;
          answer.conversation_id = data.conversation_id;
          answer.mode = data.mode;
        } else if (event === "error") {
          var err = new Error(data.message);
          err.code = data.code;
          err.requestID = data.request_id;
          throw err;
        }
      });
    }).then(function () {
      bubble.remove();
      if (!answer.turn_id) throw new Error(T.interrupted);
      self.state.conversation_id = answer.conversation_id;
      self.state.messages.push(answer);
      self.save();
      self.renderMessage(answer);
    }).catch(function (err) {
      bubble.remove();
      self.problem(err, q);
    }).then(function () {
      self.busy = false;
      self.sendButton.disabled = false;
    });
  };

  // request posts JSON; it resolves with an OK response and rejects with an
  // Error whose code is the server's, "network" or "origin".
  SupportdChat.prototype.request = function (path, body, stream) {
    var headers = { "Content-Type": "application/json", Accept: stream ? "text/event-stream" : "application/json" };
    if (config.key) headers.Authorization = "Bearer " + config.key;
    return fetch(config.api + path, { method: "POST", headers: headers, body: JSON.stringify(body), credentials: "omit" })
      .catch(function () {
        // No response at all: the network, or a browser refusing the
        // answer because this page's origin is not allowed. The server
        // answers an opaque request when it is reachable.
        return fetch(config.api + "/healthz", { mode: "no-cors", credentials: "omit" }).then(function () {
          var e = new Error("origin"); e.code = "origin"; throw e;
        }, function () { var e = new Error("network"); e.code = "network"; throw e; });
      })
      .then(function (res) {
        if (res.ok) return res;
        return res.json().catch(function () { return {}; }).then(function (j) {
          var e = new Error((j.error && j.error.message) || res.statusText);
          e.code = (j.error && j.error.code) || "http_" + res.status;
          e.status = res.status;
          e.retryAfter = parseInt(res.headers.get("Retry-After") || "", 10);
          e.requestID = res.headers.get("X-Request-Id") || (j.error && j.error.request_id);
          if (res.status === 403 && e.code === "forbidden" && /origin/.test(e.message)) e.code = "origin";
          throw e;
        });
      });
  };

  SupportdChat.prototype.api = function (path, body) {
    return this.request(path, body, false);
  };

  // stream reads server-sent events from res, calling on(event, data).
  SupportdChat.prototype.stream = function (res, on) {
    if (!res.body || !/event-stream/.test(res.headers.get("Content-Type") || "")) {
      return res.json().then(function (a) {
        on("token", { text: a.answer || "" });
        on("citations", a.citations);
        on("done", a);
      });
    }
    var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = "";
    function pump() {
      return reader.read().then(function (r) {
        buffer += decoder.decode(r.value || new Uint8Array(), { stream: !r.done });
        var parts = buffer.split(/\r?\n\r?\n/);
        buffer = r.done ? "" : parts.pop();
        parts.forEach(function (part) {
          // A comment alone is the server's keepalive.
          var event = "message", data = "", comment = /^:/.test(part);
          part.split(/\r?\n/).forEach(function (line) {
            if (line.indexOf("event:") === 0) event = line.slice(6).trim();
            else if (line.indexOf("data:") === 0) data += line.slice(5).trim();
          });
          if (data) on(event, JSON.parse(data));
          else if (comment) on("keepalive", null);
        });
        if (!r.done) return pump();
      }, function () { var e = new Error("network"); e.code = "network"; throw e; });
    }
    return pump();
  };

  // problem shows what went wrong and what the visitor can do; q, when
  // given, is the question a retry asks again.
  SupportdChat.prototype.problem = function (err, q) {
    var self = this;
    var code = err.code || "";
    if (code === "rate_limited" || code === "budget_exhausted") return this.wait(err.retryAfter > 0 ? err.retryAfter : 30);
    if (code === "origin") {
      return this.add(el("div", { class: "card error origin", role: "alert", text: T.origin.replace("{origin}", location.origin) }));
    }
    var text = code === "network" ? T.network : code === "question_too_long" || code === "question_empty" || code === "invalid_request" ? err.message : T.failed.replace("{code}", code || "error");
    var card = this.add(el("div", { class: "card error", role: "alert" }, [el("p", { text: text })]));
    if (err.requestID) card.appendChild(el("p", { class: "snippet", text: T.reference + err.requestID }));
    if (q !== undefined && (code === "network" || (err.status || 500) >= 500 || !err.status)) {
      var retry = el("button", { class: "primary retry", type: "button", text: T.retry, onclick: function () { card.remove(); self.ask(q); } });
      card.appendChild(retry);
      retry.focus();
    }
  };

  // wait shows a friendly countdown after a 429 and holds the next question
  // until Retry-After has passed.
  SupportdChat.prototype.wait = function (seconds) {
    var self = this;
    this.waitUntil = Date.now() + seconds * 1000;
    var text = el("p", { text: T.wait.replace("{s}", seconds) });
    var card = this.add(el("div", { class: "card wait", role: "status" }, [text]));
    var tick = function () {
      var left = Math.ceil((self.waitUntil - Date.now()) / 1000);
      if (left > 0) { text.textContent = T.wait.replace("{s}", left); setTimeout(tick, 1000); return; }
      text.textContent = T.waitDone;
      card.className = "card";
    };
    setTimeout(tick, 1000);
  };

  customElements.define("supportd-chat", SupportdChat);
  var host = document.createElement("supportd-chat");
  // Inline and !important: a host page's `* { all: unset }` or a huge
  // z-index must not move or hide the widget.
  var hostStyle = { all: "initial", position: "fixed", "z-index": "2147483647", display: "block", bottom: "0", width: "0", height: "0", overflow: "visible" };
  hostStyle[config.left ? "left" : "right"] = "0";
  // Through the CSSOM, which a strict style-src policy allows.
  for (var prop in hostStyle) host.style.setProperty(prop, hostStyle[prop], "important");
  if (document.body) document.body.appendChild(host);
  else document.addEventListener("DOMContentLoaded", function () { document.body.appendChild(host); });
})();
