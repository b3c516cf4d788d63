// Galley console: the page works without this file. With it, regions marked
// data-live refresh themselves by polling, and forms marked data-confirm ask first.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-confirm]") : null;
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); return; }
    var box = event.target;
    if (box.matches && box.matches("input[data-select-all]")) {
      var boxes = document.querySelectorAll("input[name='" + box.getAttribute("data-select-all") + "']");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = box.checked; }
    }
  });
  var region = document.querySelector("[data-live]");
  if (!region) { return; }
  var seconds = parseInt(region.getAttribute("data-live"), 10) || 5;
  var stamp = document.querySelector("[data-live-stamp]");
  var timer = null;
  function refresh() {
    if (document.hidden) { return; }
    var finished = false;
    fetch(window.location.href, { headers: { "X-Console-Fragment": "live" }, credentials: "same-origin" })
      .then(function (response) {
        finished = response.headers.get("X-Console-Live") === "done";
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) {
        region.innerHTML = html;
        if (finished) { window.clearInterval(timer); }
        if (stamp) { stamp.textContent = (finished ? "final, " : "live, ") + "updated " + new Date().toLocaleTimeString(); }
      })
      .catch(function () { if (stamp) { stamp.textContent = "live refresh failed; retrying"; } });
  }
  if (stamp) { stamp.textContent = "live, every " + seconds + " s"; }
  timer = window.setInterval(refresh, seconds * 1000);
})();
