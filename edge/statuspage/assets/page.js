// The status page's only script: follow the event stream and swap in the
// parts of the page that changed. Forms being filled in are left alone.
(function () {
  "use strict";
  var status = document.getElementById("status");
  var timer = null;
  function busy(el) {
    if (el.contains(document.activeElement) && document.activeElement !== document.body) return true;
    var fields = el.querySelectorAll("textarea, input[type=text]");
    for (var i = 0; i < fields.length; i++) if (fields[i].value) return true;
    var boxes = el.querySelectorAll("input[type=radio], input[type=checkbox]");
    for (var j = 0; j < boxes.length; j++) if (boxes[j].checked) return true;
    return false;
  }
  function swap(part, el) {
    return fetch("/page/live?part=" + part, { credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 401) { location.reload(); return; }
      if (!r.ok) return;
      return r.text().then(function (html) { el.innerHTML = html; });
    });
  }
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      swap("live", document.getElementById("live"));
      var pr = document.getElementById("problems");
      if (!busy(pr)) swap("problems", pr);
    }, 150);
  }
  var es = new EventSource("/page/events");
  ["payment", "device", "hook"].forEach(function (t) { es.addEventListener(t, refresh); });
  es.onopen = function () { status.textContent = status.dataset.live; status.className = ""; };
  es.onerror = function () { status.textContent = status.dataset.offline; status.className = "warn"; };
  setInterval(refresh, 60000); // the clock and the business day move on without events
})();
