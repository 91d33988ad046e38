// Catalog's Swagger UI configuration (committed; the Swagger UI distribution itself is
// installed next to it by scripts/docs-install.sh).
//
// - The document is the service's own /openapi.json (same origin, so "Try it out" calls
//   the running service through the same nginx).
// - "Authorize" takes an access token from POST /auth/login (bearerAuth);
//   persistAuthorization keeps it across reloads (browser localStorage).
// - validatorUrl: null — no badge that would call an external validator service.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    displayRequestDuration: true,
    displayOperationId: false,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    // BaseLayout: the operations and the Authorize button, without the standalone
    // top bar (whose "Explore" box would load other documents).
    layout: "BaseLayout",
  });
};
