// Package metrics defines supportd's Prometheus metrics on a registry of
// its own (never the global one) and serves them at /metrics. The other
// packages report through small interfaces they declare (the assistant's
// Observer, the gateway's breaker callback, the HTTP middleware); this
// package implements them. Recording never blocks or fails a request.
// It imports client_golang and the core nouns only; it must not import any
// other supportd package.
package metrics
