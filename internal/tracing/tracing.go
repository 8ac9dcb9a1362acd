package tracing

import (
	"context"
	"fmt"
	"net/url"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Params configures tracing.
type Params struct {
	// Endpoint is the collector's OTLP/HTTP URL, e.g.
	// http://otel-collector:4318; empty disables tracing.
	Endpoint string
	Service  string
	// SampleRatio of new traces to keep (parent decisions are honoured).
	SampleRatio float64
	// OnDropped is told how many spans an export failed to deliver.
	OnDropped func(n int)
}

// Setup returns the tracer provider and a shutdown function that flushes
// pending spans.
func Setup(ctx context.Context, p Params) (trace.TracerProvider, func(context.Context) error, error) {
	if p.Endpoint == "" {
		return noop.NewTracerProvider(), func(context.Context) error { return nil }, nil
	}
	u, err := url.Parse(p.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, nil, fmt.Errorf("otlp endpoint %q: want a URL like http://otel-collector:4318", p.Endpoint)
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/v1/traces" // the collector's OTLP/HTTP traces path
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(u.String()))
	if err != nil {
		return nil, nil, fmt.Errorf("otlp exporter: %w", err)
	}
	if p.OnDropped == nil {
		p.OnDropped = func(int) {}
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(p.Service)))
	if err != nil {
		return nil, nil, err
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(counting{SpanExporter: exp, onDropped: p.OnDropped}),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(p.SampleRatio))),
	)
	return tp, tp.Shutdown, nil
}

// counting counts the spans of failed exports; the batcher then drops them.
type counting struct {
	sdktrace.SpanExporter
	onDropped func(int)
}

func (c counting) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := c.SpanExporter.ExportSpans(ctx, spans)
	if err != nil {
		c.onDropped(len(spans))
	}
	return err
}
