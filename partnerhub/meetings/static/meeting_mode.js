// Meeting mode's notes save themselves as they are typed. What is typed is kept in this
// browser (localStorage) until the server says it has it, so a dropped connection, a closed
// tab or a server restart loses nothing: saving is retried until it succeeds. A save made
// from notes someone else has changed since is refused by the server; their text is then
// put above ours, and nothing is saved over it until the writer edits and saves again.
(function () {
  "use strict";
  var root = document.getElementById("meeting-mode");
  var status = document.getElementById("save-status");
  if (!root || !status || !window.fetch || !window.localStorage) return;
  var token = root.dataset.csrf;
  var WAIT = 700; // ms after the last key press
  var RETRY = 2000; // ms between tries while the server cannot be reached
  var notes = [];

  var STATES = [
    ["refused", "Not saved: see the message at the notes."],
    ["offline", "Offline — kept on this device; it is saved when the connection returns."],
    ["saving", "Saving…"],
  ];

  function showStatus() {
    for (var i = 0; i < STATES.length; i++) {
      var state = STATES[i][0];
      if (notes.some(function (note) { return note.state === state; })) {
        status.dataset.state = state;
        status.textContent = STATES[i][1];
        return;
      }
    }
    status.dataset.state = "saved";
    status.textContent = "Saved.";
  }

  function Note(form) {
    this.form = form;
    this.area = form.querySelector("textarea[name=notes]");
    this.versionField = form.querySelector("input[name=version]");
    this.message = form.querySelector(".note-message");
    this.keepBlock = form.querySelector("[data-keep]");
    this.key = "partnerhub:notes:" + root.dataset.meeting + ":" +
      form.closest("[data-item-id]").dataset.itemId;
    this.version = Number(this.versionField.value);
    this.state = "saved";
    this.timer = null;
    this.sending = false;
    this.again = false;
    this.restore();
    this.area.addEventListener("input", this.typed.bind(this));
    form.addEventListener("submit", this.submitted.bind(this));
  }

  Note.prototype.restore = function () {
    var kept = null;
    try { kept = JSON.parse(localStorage.getItem(this.key)); } catch (e) { kept = null; }
    if (!kept || typeof kept.text !== "string") return;
    if (kept.text === this.area.value) {
      localStorage.removeItem(this.key);
      return;
    }
    // Typed here but never acknowledged: put it back and send it, from the version it was
    // written on (the server refuses it if that is no longer the latest).
    this.area.value = kept.text;
    this.version = kept.version;
    this.keep();
    this.later(0);
  };

  Note.prototype.keep = function () {
    localStorage.setItem(this.key, JSON.stringify({ text: this.area.value, version: this.version }));
  };

  Note.prototype.typed = function () {
    this.keep();
    if (this.state !== "offline") this.state = "saving";
    showStatus();
    this.later(WAIT);
  };

  Note.prototype.submitted = function (event) {
    event.preventDefault();
    this.keep();
    this.later(0);
  };

  Note.prototype.later = function (delay) {
    clearTimeout(this.timer);
    this.timer = setTimeout(this.save.bind(this), delay);
  };

  Note.prototype.save = function () {
    if (this.sending) {
      this.again = true;
      return;
    }
    var sent = this.area.value;
    var body = new FormData(this.form);
    body.set("notes", sent);
    body.set("version", String(this.version));
    this.sending = true;
    if (this.state !== "offline") this.state = "saving";
    showStatus();
    var note = this;
    fetch(this.form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    })
      .then(function (response) {
        return response.json().then(
          function (answer) { note.answered(response.status, answer, sent); },
          function () { note.failed(response.status); }
        );
      })
      .catch(function () { note.failed(0); })
      .then(function () {
        note.sending = false;
        if (note.again) {
          note.again = false;
          note.later(0);
        }
        showStatus();
      });
  };

  Note.prototype.answered = function (code, answer, sent) {
    if (answer.version !== undefined) {
      this.version = answer.version;
      this.versionField.value = String(answer.version);
    }
    if (answer.saved) {
      this.message.textContent = "";
      if (this.area.value === sent) {
        localStorage.removeItem(this.key);
        this.state = "saved";
      } else {
        this.keep();
        this.again = true;
      }
      return;
    }
    this.state = "refused";
    this.message.textContent = answer.error || "Not saved.";
    if (answer.theirs !== undefined) {
      // Someone else saved meanwhile: keep both, theirs first, for the writer to combine.
      this.area.value = answer.theirs + "\n\n" + this.area.value;
      this.keep();
    }
    if (answer.identifiers && this.keepBlock) this.keepBlock.hidden = false;
  };

  Note.prototype.failed = function (code) {
    if (code === 400 || code === 403) {
      this.state = "refused";
      this.message.textContent =
        "Not saved: your session has expired. Your text is kept on this device: reload the page.";
      return;
    }
    this.state = "offline"; // unreachable, or the server is restarting
    this.later(RETRY);
  };

  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    notes.push(new Note(form));
  });
  if (notes.length) showStatus();
  window.addEventListener("online", function () {
    notes.forEach(function (note) { if (note.state === "offline") note.later(0); });
  });
})();
