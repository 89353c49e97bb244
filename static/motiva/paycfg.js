// Scale and scheme editors: table rows added and removed in place, and the scale's fact → score chart
// redrawn from the server's engine as the user types (the engine is the truth; nothing is saved).
(function () {
  "use strict";

  // ---- Rows: <fieldset data-rows="prefix"> holding a table, a <template data-empty> and an "add" button.
  function renumber(fieldset) {
    var prefix = fieldset.getAttribute("data-rows");
    var rows = fieldset.querySelectorAll("tbody > tr[data-row]");
    var pattern = new RegExp("^" + prefix + "-(\\d+|__prefix__)-");
    rows.forEach(function (row, index) {
      row.querySelectorAll("input, select, textarea").forEach(function (input) {
        ["name", "id"].forEach(function (attr) {
          var value = input.getAttribute(attr);
          if (!value) return;
          var bare = attr === "id" ? value.replace(/^id_/, "") : value;
          if (pattern.test(bare)) {
            var renamed = bare.replace(pattern, prefix + "-" + index + "-");
            input.setAttribute(attr, attr === "id" ? "id_" + renamed : renamed);
          }
        });
      });
    });
    fieldset.querySelector("[data-total]").value = rows.length;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    var remove = event.target.closest("[data-remove-row]");
    if (add) {
      var fieldset = add.closest("[data-rows]");
      var template = fieldset.querySelector("template[data-empty]");
      var body = fieldset.querySelector("tbody");
      body.appendChild(template.content.cloneNode(true));
      renumber(fieldset);
      var first = body.lastElementChild.querySelector("input, select");
      if (first) first.focus();
      changed(fieldset);
    } else if (remove) {
      var set = remove.closest("[data-rows]");
      remove.closest("tr").remove();
      renumber(set);
      changed(set);
    }
  });

  // ---- The scale chart
  var form = document.getElementById("scale-form");
  var chartEl = document.getElementById("scale-chart");
  var chart = null;

  function option(data) {
    var base = { animation: false, grid: { left: 52, right: 16, top: 28, bottom: 40 }, tooltip: { trigger: "axis" } };
    if (data.type === "bar") {
      base.xAxis = { type: "category", data: data.categories, axisLabel: { interval: 0, width: 90, overflow: "truncate" } };
      base.yAxis = { type: "value", name: data.y };
      base.series = [{ type: "bar", data: data.values.map(function (v) { return v === null ? null : parseFloat(v); }) }];
    } else {
      base.xAxis = { type: "value", name: data.x, nameLocation: "middle", nameGap: 26, min: parseFloat(data.xmin), max: parseFloat(data.xmax), axisLabel: { hideOverlap: true } };
      base.yAxis = { type: "value", name: data.y };
      base.series = [{
        type: "line", showSymbol: false, step: data.step ? "end" : false,
        data: data.points.map(function (p) { return [parseFloat(p[0]), parseFloat(p[1])]; }),
      }];
    }
    return base;
  }

  function draw(data) {
    var empty = document.querySelector("[data-chart-empty]");
    if (!chartEl || typeof echarts === "undefined") return;
    if (!chart) {
      chart = echarts.init(chartEl);
      window.addEventListener("resize", function () { chart.resize(); });
    }
    if (data) {
      chart.setOption(option(data), true);
      chartEl.style.opacity = 1;
      if (empty) empty.hidden = true;
    } else {
      chartEl.style.opacity = 0.25;
      if (empty) empty.hidden = false;
    }
  }

  function showErrors(errors) {
    form.querySelectorAll(".live-error").forEach(function (el) { el.remove(); });
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    var general = form.querySelector("[data-live-general]");
    var rest = [];
    Object.keys(errors || {}).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      var fieldset = form.querySelector('[data-rows="' + name + '"]');
      var text = errors[name].join(" ");
      if (input) {
        input.setAttribute("aria-invalid", "true");
        var note = document.createElement("span");
        note.className = "error field-error live-error";
        note.textContent = text;
        input.insertAdjacentElement("afterend", note);
      } else if (fieldset) {
        var p = document.createElement("p");
        p.className = "error field-error live-error";
        p.textContent = text;
        fieldset.querySelector("legend").insertAdjacentElement("afterend", p);
      } else {
        rest.push(text);
      }
    });
    if (general) general.textContent = rest.join(" ");
  }

  var timer = null;
  function refresh() {
    if (!form) return;
    // The chart only reads: it must not spend the form's retry key (the save uses it).
    var data = new FormData(form);
    data.delete("idempotency_key");
    fetch(form.getAttribute("data-chart-url"), {
      method: "POST",
      body: data,
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
    }).then(function (response) { return response.json(); })
      .then(function (data) { draw(data.chart); showErrors(data.errors); })
      .catch(function () { /* the server's answer is the truth; keep the last chart */ });
  }
  function changed(element) {
    if (!form || !form.contains(element)) return;
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }
  if (form) {
    form.addEventListener("input", function (event) { changed(event.target); });
    form.addEventListener("change", function (event) { changed(event.target); });
  }
  var initial = document.getElementById("scale-live");
  if (chartEl) draw(initial ? JSON.parse(initial.textContent) : null);
  if (form) refresh();  // a new scale's defaults, or a form sent back with errors

  // ---- Scheme fields that apply only for some value of a choice (basis, bonus base, total scale)
  var scheme = document.getElementById("scheme-form");
  if (scheme && scheme.getAttribute("data-depends")) {
    var rules = JSON.parse(scheme.getAttribute("data-depends"));
    var apply = function () {
      Object.keys(rules).forEach(function (name) {
        var chooser = scheme.querySelector('[name="' + name + '"]');
        if (!chooser) return;
        var all = [];
        Object.keys(rules[name]).forEach(function (v) { all = all.concat(rules[name][v]); });
        var shown = rules[name][chooser.value] || [];
        all.forEach(function (target) {
          var box = scheme.querySelector('[data-rows="' + target + '"]');
          if (!box) {
            var input = scheme.querySelector('[name="' + target + '"]');
            box = input ? input.closest("label") : null;
          }
          if (box && !box.querySelector(".field-error, .cell-error")) box.hidden = shown.indexOf(target) < 0;
        });
      });
    };
    scheme.addEventListener("change", apply);
    apply();
  }

  // ---- The scheme preview: a refusal (400) carries the reasons, shown in place like an answer.
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target && event.detail.target.id === "preview-result") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // ---- Small charts of the scale list
  var small = document.getElementById("paycfg-charts");
  if (small && typeof echarts !== "undefined") {
    JSON.parse(small.textContent).forEach(function (data) {
      var el = document.getElementById(data.id);
      if (!el) return;
      var o = option(data);
      o.grid = { left: 30, right: 6, top: 8, bottom: 20 };
      o.xAxis.name = ""; o.yAxis.name = "";
      o.xAxis.axisLabel = { fontSize: 9 }; o.yAxis.axisLabel = { fontSize: 9 };
      echarts.init(el).setOption(o);
    });
  }
})();
