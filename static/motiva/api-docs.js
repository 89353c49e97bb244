// The API documentation page (templates/api/docs.html): Swagger UI from npm, no inline script (CSP).
document.addEventListener("DOMContentLoaded", function () {
  var node = document.getElementById("swagger-ui");
  if (!node || typeof SwaggerUIBundle === "undefined") return;
  SwaggerUIBundle({ url: node.dataset.schemaUrl, domNode: node });
});
