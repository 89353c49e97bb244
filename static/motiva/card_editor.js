// The card editor: rows of lines, a live total of the weights, a warning on inconsistent plan values.
window.cardEditor = function () {
  var data = JSON.parse(document.getElementById("editor-data").textContent);
  var next = 0;
  function row(line) {
    next += 1;
    return Object.assign({ key: next, component: "indicator", indicator: "", label: "", level: "personal", weight: "", scale: "",
                           threshold: "", target: "", maximum: "", planned_amount: "" }, line || {});
  }
  function number(text) {
    var value = parseFloat(String(text || "").replace(/\s/g, "").replace(",", "."));
    return isNaN(value) ? null : value;
  }
  return {
    lines: data.lines.map(row),
    indicators: data.indicators, scales: data.scales, levels: data.levels, components: data.components,
    add: function () { this.lines.push(row()); },
    remove: function (i) { this.lines.splice(i, 1); },
    total: function () {
      var cents = this.lines.reduce(function (sum, line) { return sum + Math.round((number(line.weight) || 0) * 100); }, 0);
      return cents / 100;
    },
    order: function (line) {
      var t = number(line.threshold), p = number(line.target), m = number(line.maximum);
      if (t !== null && p !== null && t > p) return document.documentElement.lang === "en" ? "threshold above target" : "порог выше цели";
      if (p !== null && m !== null && p > m) return document.documentElement.lang === "en" ? "target above maximum" : "цель выше максимума";
      return "";
    },
  };
};
