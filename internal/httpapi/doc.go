// Package httpapi is supportd's HTTP surface on Echo v4: routes, middleware
// (request ids, recovery, body limits, logging, security headers), JSON
// errors and the health probes. Handlers are thin: bind, validate, one
// service call, respond. Error codes become HTTP statuses in exactly one
// place, the error handler. Its dependencies are grouped by area in Deps
// (routes.go), each a small interface declared here.
//
// It also serves the browser's files embedded in web: the chat widget and
// the /demo page; the OpenAI-compatible routes; and MCP tools for agents,
// which quote passages with prompt's delimiters.
//
// It imports the assistant, auth, eval, ingest, prompt, store, web and the
// core nouns; it must not import jobs, bench, app or cmd, and nothing imports it
// but the wiring (internal/app).
package httpapi
