// Tandem's only script of its own: say so when an in-place action fails, instead of nothing;
// and tell the room how long its page stayed visible (analytics.recording).
(function () {
  "use strict";
  function flash(text) {
    var stack = document.querySelector(".flash-stack");
    if (!stack) {
      stack = document.createElement("div");
      stack.className = "flash-stack";
      stack.setAttribute("role", "status");
      stack.setAttribute("aria-live", "polite");
      var main = document.getElementById("main");
      main.parentNode.insertBefore(stack, main);
    }
    var message = document.createElement("p");
    message.className = "flash flash--error";
    message.textContent = text;
    stack.appendChild(message);
    dismissable(message);
  }
  // What the server said in words (an answer carrying data-tandem-message, such as a buyer's
  // access that ended), read as text: never inserted as HTML.
  function serverMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") !== 0 || !xhr.responseText) {
      return "";
    }
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var found = doc.querySelector("[data-tandem-message]");
    return found ? found.textContent.trim() : "";
  }
  // Beside the control that was used: its list row, or right after its form. The top of the
  // page may be thousands of pixels away from where the person is looking.
  function sayBeside(control, text) {
    if (!control || !control.isConnected) {
      flash(text);
      return;
    }
    var row = control.closest("li");
    var form = control.closest("form");
    var message = document.createElement("p");
    message.className = "inline-error";
    message.setAttribute("role", "alert");
    message.textContent = text;
    var previous = row ? row.querySelector(":scope > .inline-error")
      : form && form.nextElementSibling && form.nextElementSibling.classList.contains("inline-error")
        ? form.nextElementSibling : null;
    if (previous) {
      previous.remove();
    }
    if (row) {
      row.appendChild(message);
    } else if (form) {
      form.insertAdjacentElement("afterend", message);
    } else {
      control.insertAdjacentElement("afterend", message);
    }
    message.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text = serverMessage(event.detail.xhr) || (
      status === 403 ? "You can see this, but not change it."
      : status === 404 ? "This is no longer here, or no longer yours to open. Reload the page."
      : status === 429 ? "Too many attempts: wait a minute and try again."
      : "That did not work (" + status + "). Nothing was lost: reload the page and try again."
    );
    sayBeside(event.detail.elt, text);
  });
  // The messages at the top stay in sight as the page scrolls (tandem.css): each can be put away.
  function dismissable(message) {
    if (message.querySelector(".flash__dismiss")) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "flash__dismiss";
    button.setAttribute("aria-label", "Dismiss");  // its × is drawn by tandem.css
    button.addEventListener("click", function () {
      var stack = message.parentNode;
      message.remove();
      if (stack && !stack.children.length) {
        stack.remove();
      }
    });
    message.appendChild(button);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".flash-stack > .flash").forEach(dismissable);
  });
  document.addEventListener("htmx:sendError", function () {
    flash("Tandem cannot be reached. Check your connection and try again.");
  });
})();

(function () {
  "use strict";
  var beacon = document.getElementById("tandem-beacon");
  if (!beacon || !navigator.sendBeacon) {
    return;
  }
  var visibleSince = document.visibilityState === "visible" ? Date.now() : null;
  var sequence = 0;
  function report() {
    if (visibleSince === null) {
      return;
    }
    var seconds = Math.round((Date.now() - visibleSince) / 1000);
    visibleSince = null;
    if (seconds < 1) {
      return;
    }
    var form = new FormData();
    form.append("token", beacon.dataset.token);
    form.append("seq", String(sequence));
    form.append("seconds", String(Math.min(seconds, 1800)));
    form.append("csrfmiddlewaretoken", beacon.dataset.csrf);
    sequence += 1;
    navigator.sendBeacon(beacon.dataset.url, form);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      report();
    } else if (visibleSince === null) {
      visibleSince = Date.now();
    }
  });
  window.addEventListener("pagehide", report);
})();
