// Paste a block copied from Excel (tab-separated rows) into a grid input: it fills to the right and down.
(function () {
  document.addEventListener("paste", function (event) {
    var start = event.target;
    if (!start.matches || !start.matches("input[data-grid]")) return;
    var text = (event.clipboardData || window.clipboardData).getData("text");
    if (text.indexOf("\t") < 0 && text.indexOf("\n") < 0) return;
    event.preventDefault();
    var rows = text.replace(/\r/g, "").replace(/\n$/, "").split("\n").map(function (r) { return r.split("\t"); });
    var cell = start.closest("td"), row = cell.parentElement;
    var column = Array.prototype.indexOf.call(row.children, cell);
    rows.forEach(function (values, i) {
      if (!row) return;
      values.forEach(function (value, j) {
        var target = row.children[column + j];
        var input = target && target.querySelector("input[data-grid]");
        if (input) { input.value = value.trim(); input.dispatchEvent(new Event("change", { bubbles: true })); }
      });
      row = row.nextElementSibling;
    });
  });
})();
// Inline validation: a cell that is not a number is marked as you type (the server checks again on save).
(function () {
  var number = /^\s*[-−]?[\d\s\u00a0]*([.,]\d+)?\s*$/;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[data-grid]")) return;
    var bad = input.value.trim() !== "" && !number.test(input.value);
    input.closest("td").classList.toggle("err", bad);
    input.setAttribute("aria-invalid", bad ? "true" : "false");
  });
})();
