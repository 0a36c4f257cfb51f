// Starts Swagger UI on the API docs page. Kept in a file because the Content Security
// Policy allows no inline script. Settings come from data attributes on #swagger-ui.
(function () {
  "use strict";
  var element = document.getElementById("swagger-ui");
  if (!element || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  var csrfToken = element.dataset.csrfToken || "";
  window.SwaggerUIBundle({
    url: element.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    presets: [window.SwaggerUIBundle.presets.apis],
    // No call to the public validator service: the page loads only Healthlead's own files.
    validatorUrl: null,
    // Same-origin requests carry the session cookie; unsafe methods also need the CSRF token.
    requestInterceptor: function (request) {
      if (csrfToken && request.method && !/^(GET|HEAD|OPTIONS)$/i.test(request.method)) {
        request.headers["X-CSRFToken"] = csrfToken;
      }
      return request;
    },
  });
  element.classList.add("app-swagger-ui--started");
})();
