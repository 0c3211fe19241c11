// Starts Swagger UI on the API's own OpenAPI document (kept out of the page: no inline script).
(function () {
  "use strict";
  var root = document.getElementById("api-reference");
  window.SwaggerUIBundle({ url: root.getAttribute("data-spec-url"), domNode: root, deepLinking: true,
                           validatorUrl: null, tryItOutEnabled: false });
})();
