// The live room (web/views/live.py): ask every few seconds whether the room changed; the
// server answers 304 until it did, then the page's new body, merged in region by region.
// A region someone is using (focus in a field, a field changed, a menu or an edit form open,
// a request on its way) is left alone and its children are merged instead; what could not be
// merged waits for the next tick.
(function () {
  "use strict";
  var marker = document.getElementById("tandem-live");
  var root = document.querySelector(".room");
  if (!marker || !root || !window.fetch || !window.DOMParser) {
    return;
  }
  var SECONDS = 4;
  var etag = marker.dataset.etag;
  var pending = null; // the newest body not yet fully merged
  var stopped = false;

  function fieldChanged(el) {
    var fields = el.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) return true;
      } else if (f.tagName === "SELECT") {
        for (var j = 0; j < f.options.length; j++) {
          if (f.options[j].selected !== f.options[j].defaultSelected) return true;
        }
      } else if (f.type !== "hidden" && f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function formsOf(el) {
    var actions = {};
    el.querySelectorAll("form").forEach(function (form) {
      actions[form.getAttribute("action") || ""] = true;
    });
    if (el.tagName === "FORM") actions[el.getAttribute("action") || ""] = true;
    return actions;
  }

  function busy(el, fresh) {
    var active = document.activeElement;
    if (active && active !== document.body && el.contains(active) &&
        active.matches("input, textarea, select, [contenteditable], summary, button")) {
      return true;
    }
    if (el.matches("details[open]") || el.querySelector("details[open], .htmx-request")) {
      return true;
    }
    if (fieldChanged(el)) return true;
    // A form opened in place (an edit form swapped into a row) that the new body has not.
    var mine = formsOf(el);
    var theirs = formsOf(fresh);
    return Object.keys(mine).some(function (action) { return !theirs[action]; });
  }

  function adopt(old, fresh) {
    var node = document.importNode(fresh, true);
    old.replaceWith(node);
    if (window.htmx) window.htmx.process(node);
  }

  // Merge fresh into old; false when something had to wait.
  function merge(old, fresh) {
    if (old.isEqualNode(fresh)) return true;
    if (!busy(old, fresh)) {
      adopt(old, fresh);
      return true;
    }
    if (old.tagName !== fresh.tagName) return false;
    var olds = Array.prototype.slice.call(old.children);
    var news = Array.prototype.slice.call(fresh.children);
    var keyed = news.every(function (n) { return n.id; }) && olds.every(function (o) { return o.id; });
    var done = true;
    if (keyed) {
      var byId = {};
      olds.forEach(function (o) { byId[o.id] = o; });
      var seen = {};
      var before = null;
      news.forEach(function (n) {
        seen[n.id] = true;
        var o = byId[n.id];
        if (o) {
          done = merge(o, n) && done;
          before = document.getElementById(n.id);
        } else {
          var node = document.importNode(n, true);
          if (before) before.after(node); else old.prepend(node);
          if (window.htmx) window.htmx.process(node);
          before = node;
        }
      });
      olds.forEach(function (o) {
        if (!seen[o.id]) {
          if (busy(o, o.cloneNode(false))) done = false; else o.remove();
        }
      });
      return done;
    }
    if (olds.length !== news.length) return false;
    for (var i = 0; i < olds.length; i++) {
      // "No comments yet." becomes a list: a child nobody is using is simply replaced.
      if (olds[i].tagName !== news[i].tagName && !busy(olds[i], news[i])) {
        adopt(olds[i], news[i]);
      } else {
        done = merge(olds[i], news[i]) && done;
      }
    }
    return done;
  }

  function apply() {
    if (!pending) return;
    var current = document.querySelector(".room");
    if (current && merge(current, pending)) {
      pending = null;
    }
  }

  function tick() {
    if (stopped) return;
    if (document.visibilityState !== "visible") {
      return; // a hidden page asks nothing; it asks at once when shown again
    }
    fetch(marker.dataset.url, {
      headers: { "If-None-Match": etag },
      cache: "no-store",
      credentials: "same-origin",
    }).then(function (response) {
      if (response.status === 404 || response.status === 403) {
        stopped = true; // access ended: nothing more to show
        return null;
      }
      if (response.status !== 200) return null;
      etag = response.headers.get("ETag") || etag;
      return response.text();
    }).then(function (html) {
      if (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        pending = doc.querySelector(".room");
      }
      apply();
    }).catch(function () { /* offline for a moment: the next tick tries again */ });
  }

  setInterval(tick, SECONDS * 1000);
  document.addEventListener("visibilitychange", tick);
  document.addEventListener("focusout", function () { setTimeout(apply, 0); });
  document.addEventListener("htmx:afterSettle", function () { setTimeout(apply, 0); });
})();
