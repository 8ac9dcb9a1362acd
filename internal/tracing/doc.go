// Package tracing sets up OpenTelemetry tracing: an OTLP/HTTP exporter
// behind a batching processor when an endpoint is configured, a no-op
// tracer otherwise. Export failures are counted and dropped; tracing never
// blocks or fails a request.
//
// It imports the OpenTelemetry SDK only and must not import any supportd
// package: the packages that make spans take a trace.Tracer.
package tracing
