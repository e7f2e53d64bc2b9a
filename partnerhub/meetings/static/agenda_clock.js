// Keeps a running agenda item's clock ticking. The server says how long the item had run
// when it sent the page; counting on from there needs no agreement between the clocks.
(function () {
  "use strict";
  var loaded = performance.now();

  function show(clock) {
    var elapsed = Number(clock.dataset.elapsed) + Math.floor((performance.now() - loaded) / 1000);
    var planned = Number(clock.dataset.planned);
    var seconds = String(elapsed % 60).padStart(2, "0");
    clock.querySelector(".clock-elapsed").textContent = Math.floor(elapsed / 60) + ":" + seconds;
    var overrun = clock.querySelector(".overrun");
    if (elapsed > planned) {
      clock.querySelector(".clock-over").textContent = String(
        Math.max(1, Math.floor((elapsed - planned) / 60))
      );
      overrun.hidden = false;
    }
  }

  var running = document.querySelectorAll(".item-clock[data-running]");
  if (running.length) {
    setInterval(function () { running.forEach(show); }, 1000);
  }
})();
