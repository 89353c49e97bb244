// HTMX requests: a retry key per request and the 409 answer shown in place.
// - Every state-changing HTMX request carries an Idempotency-Key header. The key stays the same while
//   the element sends the same values (a double click, a retry), so the server does the work once;
//   other values get a new key.
// - A 409 (the page state is no longer current, or the same request is still being processed) is
//   swapped into the target like a success, so the cell or form shows the current value and the
//   reason; htmx by default does not swap non-2xx answers.
(function () {
  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function signature(event) {
    var detail = event.detail, parameters = detail.parameters || {};
    var parts = [detail.verb, detail.path];
    var values = parameters instanceof FormData ? Array.from(parameters.entries()) : Object.entries(parameters);
    values.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken" && pair[0] !== "idempotency_key") parts.push(pair[0] + "=" + String(pair[1]));
    });
    return parts.join("\u0000");
  }
  document.addEventListener("htmx:configRequest", function (event) {
    var verb = (event.detail.verb || "get").toUpperCase();
    if (verb === "GET" || verb === "HEAD") return;
    var element = event.detail.elt, sent = signature(event);
    if (!element.motivaRequestKey || element.motivaRequestSignature !== sent) {
      element.motivaRequestKey = newKey();
      element.motivaRequestSignature = sent;
    }
    event.detail.headers["Idempotency-Key"] = element.motivaRequestKey;
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 409) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
