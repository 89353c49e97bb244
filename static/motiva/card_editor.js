// The card editor: rows of lines, a live total of the weights, a warning on inconsistent plan values.
// Registered as an Alpine component (x-data="cardEditor"): Alpine's CSP build evaluates no strings.
function cardEditor() {
  var data = JSON.parse(document.getElementById("editor-data").textContent);
  var next = 0;
  function row(line) {
    next += 1;
    return Object.assign({ key: next, open: false, component: "indicator", indicator: "", label: "", level: "personal", weight: "", scale: "",
                           threshold: "", target: "", maximum: "", planned_amount: "", confirmer_position: "",
                           threshold_percent: "", target_percent: "", maximum_percent: "",
                           gate_threshold: "", gate_threshold_percent: "", gate_cut_to: "", gate_cut_percent: "" }, line || {});
  }
  function number(text) {
    var value = parseFloat(String(text || "").replace(/\s/g, "").replace(",", "."));
    return isNaN(value) ? null : value;
  }
  // A plan point as a number: given directly, or as a percent of the plan (the target).
  function point(line, name) {
    var plan = number(line.target), value = name === "target" ? plan : number(line[name]);
    var percent = number(line[name + "_percent"]);
    if (percent !== null && plan !== null && (name === "target" || value === null)) return plan * percent / 100;
    return value;
  }
  function say(ru, en) { return document.documentElement.lang === "en" ? en : ru; }
  // A typed number as the reader writes it (ru: 12 345,5; en: 12,345.5); the text itself when it is not a number.
  function shown(text) {
    var raw = String(text || "").replace(/[\s\u00a0]/g, "").replace(",", ".");
    if (!/^-?\d+(\.\d+)?$/.test(raw)) return String(text || "");
    var parts = raw.split("."), en = document.documentElement.lang === "en";
    var whole = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, en ? "," : "\u00a0");
    return parts.length > 1 ? whole + (en ? "." : ",") + parts[1] : whole;
  }
  return {
    lines: data.lines.map(row),
    indicators: data.indicators, scales: data.scales, levels: data.levels, components: data.components,
    positions: data.positions || [], currency: data.currency || "",
    add: function () { this.lines.push(row({ open: true })); },
    componentLabel: function (line) {
      var found = this.components.find(function (o) { return o.id === line.component; });
      return found ? found.label : "";
    },
    // What the closed details hold, in one line: level, the other points of the scale, a gate, the money.
    summary: function (line) {
      var parts = [], self = this;
      var name = line.component === "indicator" ? (this.indicatorOf(line).label || "") : "";
      if (name.length > 40) parts.push(name);  // the select shows only its beginning
      var level = this.levels.find(function (o) { return o.id === line.level; });
      if (level) parts.push(level.label);
      if (line.component !== "indicator") parts.push(this.componentLabel(line));
      else if (line.label) parts.push("«" + line.label + "»");
      function add(ru, en, value, suffix) { if (String(value || "").trim()) parts.push(say(ru, en) + " " + shown(value) + (suffix || "")); }
      add("план", "plan", String(line.target || "").length > 12 ? line.target : "");
      add("порог", "threshold", line.threshold);
      add("порог", "threshold", line.threshold_percent, " % " + say("плана", "of plan"));
      add("цель", "target", line.target_percent, " % " + say("плана", "of plan"));
      add("максимум", "maximum", line.maximum);
      add("максимум", "maximum", line.maximum_percent, " % " + say("плана", "of plan"));
      if (String(line.gate_threshold || line.gate_threshold_percent || "").trim()) parts.push(say("ворота", "gate"));
      add("план. сумма", "planned amount", line.planned_amount, self.currency ? " " + self.currency : "");
      if (line.confirmer_position) {
        var who = this.positions.find(function (o) { return String(o.id) === String(line.confirmer_position); });
        if (who) parts.push(say("подтверждает: ", "confirms: ") + who.label);
      }
      return parts.join(" · ");
    },
    remove: function (i) { this.lines.splice(i, 1); },
    str: function (value) { return String(value); },
    total: function () {
      var cents = this.lines.reduce(function (sum, line) { return sum + Math.round((number(line.weight) || 0) * 100); }, 0);
      return cents / 100;
    },
    indicatorOf: function (line) {
      return this.indicators.find(function (o) { return String(o.id) === String(line.indicator); }) || {};
    },
    // The same rule as the card services, by the indicator's direction: higher is better —
    // threshold ≤ target < maximum (a threshold equal to the target is a gate); lower is better — the reverse.
    order: function (line) {
      var indicator = line.component === "indicator" ? this.indicatorOf(line) : {};
      var t = point(line, "threshold"), p = point(line, "target"), m = point(line, "maximum");
      if (indicator.monitoring_only && (number(line.weight) || 0) > 0) return say("только мониторинг: вес должен быть 0", "monitoring only: the weight must be 0");
      if (indicator.direction === "lower") {
        if (t !== null && p !== null && t < p) return say("порог ниже цели (меньше — лучше)", "threshold below target (lower is better)");
        if (p !== null && m !== null && p <= m) return say("цель не выше максимума (меньше — лучше)", "target not above maximum (lower is better)");
        return "";
      }
      if (t !== null && p !== null && t > p) return say("порог выше цели", "threshold above target");
      if (p !== null && m !== null && p >= m) return say("цель не ниже максимума", "target not below maximum");
      return "";
    },
  };
}
document.addEventListener("alpine:init", function () { window.Alpine.data("cardEditor", cardEditor); });
