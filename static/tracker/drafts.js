/* Drafts that survive a lost connection or a closed tab (localStorage), offered back on return.
 *
 * A form with data-draft="KEY" saves what is typed (text, numbers, dates, choices; never files
 * or hidden fields) under the user's id and KEY as it is typed. When the page shows the form
 * again and a draft differs from it, a notice offers to restore or discard it. The draft is
 * removed after a successful save (a 2xx answer to the form's request), and all of a user's
 * drafts when they log out, so a shared computer does not keep them.
 */
(function () {
  "use strict";

  var PREFIX = "ct-draft:";

  function store() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function keyOf(form) {
    var user = document.body.dataset.user;
    return user && form.dataset.draft ? PREFIX + user + ":" + form.dataset.draft : null;
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !el.disabled && el.name !== "csrfmiddlewaretoken" &&
        ["file", "hidden", "submit", "button", "password"].indexOf(el.type) === -1 && el.tagName !== "BUTTON";
    });
  }

  function read(form) {
    var values = {};
    fields(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) { (values[el.name] = values[el.name] || []).push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function write(form, values) {
    fields(form).forEach(function (el) {
      if (!(el.name in values) && el.type !== "checkbox") { return; }
      var value = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = Array.isArray(value) && value.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
      } else {
        el.value = value;
      }
      el.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  function same(a, b) { return JSON.stringify(a) === JSON.stringify(b); }

  function save(form) {
    var s = store(), key = keyOf(form);
    if (!s || !key || form.hasAttribute("data-draft-offered")) { return; }
    var values = read(form);
    if (same(values, JSON.parse(form.dataset.draftStart || "{}"))) { s.removeItem(key); return; }
    try { s.setItem(key, JSON.stringify({ at: Date.now(), values: values })); } catch (e) { /* full: no draft */ }
  }

  function offer(form) {
    var s = store(), key = keyOf(form);
    if (!s || !key || form.hasAttribute("data-draft-ready")) { return; }
    form.setAttribute("data-draft-ready", "");
    form.dataset.draftStart = JSON.stringify(read(form));
    var draft;
    try { draft = JSON.parse(s.getItem(key) || "null"); } catch (e) { draft = null; }
    if (!draft || !draft.values || same(draft.values, read(form))) { return; }
    var template = document.getElementById("draft-notice");
    if (!template) { return; }
    var notice = template.content.firstElementChild.cloneNode(true);
    var when = notice.querySelector("[data-draft-time]");
    if (when) { when.textContent = new Date(draft.at).toLocaleString(document.documentElement.lang || undefined); }
    form.setAttribute("data-draft-offered", "");
    notice.querySelector("[data-draft-restore]").addEventListener("click", function () {
      form.removeAttribute("data-draft-offered");
      write(form, draft.values);
      notice.remove();
    });
    notice.querySelector("[data-draft-discard]").addEventListener("click", function () {
      form.removeAttribute("data-draft-offered");
      s.removeItem(key);
      notice.remove();
    });
    form.insertBefore(notice, form.firstChild);
  }

  function init(root) {
    if (root.matches && root.matches("form[data-draft]")) { offer(root); }
    if (root.querySelectorAll) { root.querySelectorAll("form[data-draft]").forEach(offer); }
  }

  var timer = null;
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!form || !form.matches("[data-draft]")) { return; }
    clearTimeout(timer);
    timer = setTimeout(function () { save(form); }, 300);
  });
  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (form && form.matches("[data-draft]")) { save(form); }
  });

  // The request's outcome decides: a 2xx means saved (a 422 or 409 answer, or no answer at all, keeps the draft).
  // The form is remembered on its request: the swap may replace it, and later events name the target instead.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form[data-draft]");
    if (form && event.detail.xhr) { event.detail.xhr.draftKey = keyOf(form); }
  });
  function saved(event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.draftKey && xhr.status >= 200 && xhr.status < 300) {
      clearTimeout(timer);
      var s = store();
      if (s) { s.removeItem(xhr.draftKey); }
    }
  }
  document.addEventListener("htmx:beforeSwap", saved);
  document.addEventListener("htmx:afterRequest", saved);
  // Logging out removes the user's drafts, so a shared computer does not keep them.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches("form[action$='/logout/']")) {
      var s = store(), user = document.body.dataset.user;
      if (!s || !user) { return; }
      Object.keys(s).forEach(function (k) { if (k.indexOf(PREFIX + user + ":") === 0) { s.removeItem(k); } });
    }
  });

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
