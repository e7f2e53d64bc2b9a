// Drag agenda items into order (SortableJS, served from this site). The whole new order is
// posted at once; the Up and Down buttons stay for keyboards and for pages without scripts.
(function () {
  "use strict";
  var list = document.querySelector("ol[data-order-url]");
  if (!list || typeof Sortable === "undefined") return;
  var status = document.getElementById("order-status");
  var token = document.querySelector("input[name=csrf_token]").value;

  function say(text) { if (status) status.textContent = text; }

  function renumber() {
    list.querySelectorAll(":scope > li .item-number").forEach(function (number, index) {
      number.textContent = index + 1 + ".";
    });
  }

  function save(sortable, before) {
    var order = sortable.toArray();
    var body = new URLSearchParams({ order: order.join(","), csrf_token: token });
    say("Saving the new order…");
    fetch(list.dataset.orderUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": token },
    })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) throw new Error(answer.error || "The order was not saved.");
          renumber();
          say("The new order is saved.");
        });
      })
      .catch(function (error) {
        sortable.sort(before, true);
        renumber();
        say(error.message.indexOf("fetch") >= 0
          ? "The order was not saved: the connection is down. Try again, or use Up and Down."
          : error.message);
      });
  }

  var before = null;
  var sortable = Sortable.create(list, {
    handle: ".drag-handle",
    dataIdAttr: "data-item-id",
    animation: 150,
    forceFallback: true, // mouse, pen and touch alike
    onStart: function () { before = sortable.toArray(); },
    onEnd: function (event) {
      if (event.oldIndex !== event.newIndex) save(sortable, before);
    },
  });
})();
