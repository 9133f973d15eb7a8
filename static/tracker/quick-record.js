/* Quick record: a chip under a field fills it with a value the unit used before.
 *
 * <button class="chip" data-chip-for="ID" data-chip-mode="set|add">: "set" replaces the field's
 * value, "add" appends the name to a list (separated by "、") or takes it out again. Delegated
 * from the document, so chips in a form swapped in by htmx work too.
 */
(function () {
  "use strict";

  var SEPARATORS = /[,，、;；\s]+/;

  function names(text) {
    return text.split(SEPARATORS).filter(function (name) { return name; });
  }

  function mark(chip, field) {
    var on = chip.dataset.chipMode === "add"
      ? names(field.value).indexOf(chip.textContent.trim()) !== -1
      : field.value.trim() === chip.textContent.trim();
    chip.setAttribute("aria-pressed", on ? "true" : "false");
  }

  function markAll(root) {
    root.querySelectorAll(".chip[data-chip-for]").forEach(function (chip) {
      var field = document.getElementById(chip.dataset.chipFor);
      if (field) { mark(chip, field); }
    });
  }

  document.addEventListener("click", function (event) {
    var chip = event.target.closest(".chip[data-chip-for]");
    if (!chip) { return; }
    var field = document.getElementById(chip.dataset.chipFor);
    if (!field) { return; }
    var value = chip.textContent.trim();
    if (chip.dataset.chipMode === "add") {
      var list = names(field.value);
      var at = list.indexOf(value);
      if (at === -1) { list.push(value); } else { list.splice(at, 1); }
      field.value = list.join("、");
    } else {
      field.value = value;
    }
    field.dispatchEvent(new Event("input", { bubbles: true }));
    markAll(chip.closest("form") || document);
  });

  document.addEventListener("input", function (event) {
    if (event.target.form) { markAll(event.target.form); }
  });
  document.addEventListener("DOMContentLoaded", function () { markAll(document); });
  document.addEventListener("htmx:afterSettle", function (event) { markAll(event.target); });
})();
