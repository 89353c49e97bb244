// Motiva's behaviour on every page, without inline scripts (the Content-Security-Policy forbids them):
// selects that submit their form, and the Alpine components (Alpine runs as its CSP build, which never
// evaluates strings as code, so components are registered here by name).
(function () {
  "use strict";

  // <select data-autosubmit>: choosing an option sends the form (period, level, kind of scale …).
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });

  document.addEventListener("alpine:init", function () {
    // The organization tree: expand or collapse every unit at once.
    window.Alpine.data("tree", function () {
      return {
        setOpen: function (open) {
          this.$root.querySelectorAll("details").forEach(function (d) { d.open = open; });
        },
        expandAll: function () { this.setOpen(true); },
        collapseAll: function () { this.setOpen(false); },
      };
    });
  });
})();
