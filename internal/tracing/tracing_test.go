package tracing_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/protobuf/proto"

	"supportd/internal/dbtest"
	"supportd/internal/httpapi"
	"supportd/internal/testkit"
	"supportd/internal/tracing"
)

// TestMain fails the package when a test leaves a goroutine behind, such
// as a batcher still exporting after shutdown.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.Cleanup(dbtest.Exit))
}

// collected is one request a collector received.
type collected struct {
	path, contentType string
	body              []byte
}

// collector is an OTLP/HTTP receiver. It answers POST /v1/traces with
// status, or holds the request until the test ends when hang is set;
// other paths are 404, as on a real collector.
type collector struct {
	url  string
	mu   sync.Mutex
	reqs []collected
}

func newCollector(t *testing.T, status int, hang bool) *collector {
	t.Helper()
	c := &collector{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		c.mu.Lock()
		c.reqs = append(c.reqs, collected{r.URL.Path, r.Header.Get("Content-Type"), body})
		c.mu.Unlock()
		if r.URL.Path != "/v1/traces" {
			http.NotFound(w, r)
			return
		}
		if hang {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // before Close, which waits for held requests
	c.url = srv.URL
	return c
}

func (c *collector) received() []collected {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.reqs)
}

// dropCounter records what OnDropped is told.
type dropCounter struct {
	total atomic.Int64
	calls atomic.Int64
}

func (d *dropCounter) onDropped(n int) { d.total.Add(int64(n)); d.calls.Add(1) }

// setup runs tracing.Setup against endpoint and shuts it down when the
// test ends (a no-op when the test already did).
func setup(t *testing.T, endpoint string, ratio float64) (trace.TracerProvider, func(context.Context) error, *dropCounter) {
	t.Helper()
	drops := &dropCounter{}
	tp, shutdown, err := tracing.Setup(context.Background(), tracing.Params{Endpoint: endpoint, Service: "supportd",
		SampleRatio: ratio, OnDropped: drops.onDropped})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdown(ctx)
	})
	return tp, shutdown, drops
}

// spans starts and ends n root spans. With a collector that never answers,
// it returning at all shows that ending a span does not wait for export.
func spans(tp trace.TracerProvider, n int) {
	tr := tp.Tracer("test")
	for i := range n {
		_, span := tr.Start(context.Background(), "work", trace.WithAttributes(attribute.Int("i", i)))
		span.End()
	}
}

func forceFlush(t *testing.T, tp trace.TracerProvider) error {
	t.Helper()
	f, ok := tp.(interface{ ForceFlush(context.Context) error })
	require.True(t, ok, "%T cannot flush", tp)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return f.ForceFlush(ctx)
}

func TestSetupWithoutEndpointIsNoop(t *testing.T) {
	t.Parallel()
	tp, shutdown, err := tracing.Setup(context.Background(), tracing.Params{Service: "supportd", SampleRatio: 1,
		OnDropped: func(int) { t.Error("a no-op provider dropped spans") }})
	require.NoError(t, err)
	require.IsType(t, noop.TracerProvider{}, tp)
	_, span := tp.Tracer("test").Start(context.Background(), "work")
	require.False(t, span.IsRecording())
	require.False(t, span.SpanContext().IsValid())
	span.End()
	require.NoError(t, shutdown(context.Background()))
}

func TestSetupRejectsAnUnusableEndpoint(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"http://[::1", "otel-collector:4318"} {
		_, _, err := tracing.Setup(context.Background(), tracing.Params{Endpoint: endpoint, Service: "supportd"})
		require.ErrorContains(t, err, endpoint, "the error names the bad endpoint")
	}
}

// A collector that refuses spans loses them: they are counted through
// OnDropped, and producing them never waits for the exporter.
func TestSpansTheCollectorRefusesAreCountedAsDropped(t *testing.T) {
	t.Parallel()
	col := newCollector(t, http.StatusInternalServerError, false)
	tp, shutdown, drops := setup(t, col.url+"/v1/traces", 1)

	spans(tp, 1000)
	require.Error(t, forceFlush(t, tp), "the final export failed")
	require.Equal(t, int64(1000), drops.total.Load())
	require.LessOrEqual(t, drops.total.Load(), 512*drops.calls.Load(), "at most one batch per failed export")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, shutdown(ctx))
	require.Equal(t, int64(1000), drops.total.Load(), "nothing was left to drop at shutdown")

	got := col.received()
	require.NotEmpty(t, got)
	for _, r := range got {
		require.Equal(t, "/v1/traces", r.path)
	}
}

// A collector that accepts connections but never answers holds the
// batcher, not the request path: the queue fills and further spans are
// discarded, and a bounded shutdown returns at its deadline.
func TestAHangingCollectorNeverBlocksSpans(t *testing.T) {
	t.Parallel()
	col := newCollector(t, http.StatusOK, true)
	tp, shutdown, _ := setup(t, col.url+"/v1/traces", 1)

	spans(tp, 5000) // more than the batcher's queue holds: the rest are discarded, not waited for
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	// The collector never answers, so only the deadline can end shutdown.
	require.ErrorIs(t, shutdown(ctx), context.DeadlineExceeded)
	require.NotEmpty(t, col.received(), "the exporter did reach the collector")
}

// Exported spans arrive as one OTLP protobuf request naming the service,
// with the parent-child links intact.
func TestSpansAreExportedAsOTLPProtobuf(t *testing.T) {
	t.Parallel()
	col := newCollector(t, http.StatusOK, false)
	tp, shutdown, drops := setup(t, col.url+"/v1/traces", 1)

	ctx, parent := tp.Tracer("test").Start(context.Background(), "assistant.answer",
		trace.WithAttributes(attribute.String("supportd.kb", "demo")))
	_, child := tp.Tracer("test").Start(ctx, "retrieve")
	child.End()
	parent.End()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, shutdown(sctx), "shutdown flushes")
	require.Zero(t, drops.total.Load())

	got := col.received()
	require.Len(t, got, 1)
	require.Equal(t, "/v1/traces", got[0].path)
	require.Equal(t, "application/x-protobuf", got[0].contentType)
	require.NotEmpty(t, got[0].body)
	var req coltracepb.ExportTraceServiceRequest
	require.NoError(t, proto.Unmarshal(got[0].body, &req))
	require.Len(t, req.ResourceSpans, 1)
	rs := req.ResourceSpans[0]
	service := ""
	for _, kv := range rs.Resource.Attributes {
		if kv.Key == "service.name" {
			service = kv.Value.GetStringValue()
		}
	}
	require.Equal(t, "supportd", service)
	require.Len(t, rs.ScopeSpans, 1)
	exported := rs.ScopeSpans[0].Spans
	require.Len(t, exported, 2)
	byName := map[string]int{}
	for i, s := range exported {
		byName[s.Name] = i
	}
	p, c := exported[byName["assistant.answer"]], exported[byName["retrieve"]]
	require.Equal(t, parent.SpanContext().TraceID().String(), traceHex(p.TraceId))
	require.Equal(t, p.TraceId, c.TraceId)
	require.Equal(t, p.SpanId, c.ParentSpanId)
	require.Empty(t, p.ParentSpanId)
	require.Equal(t, "supportd.kb", p.Attributes[0].Key)
	require.Equal(t, "demo", p.Attributes[0].Value.GetStringValue())
}

func traceHex(b []byte) string {
	var id trace.TraceID
	copy(id[:], b)
	return id.String()
}

// SUPPORTD_OTLP_ENDPOINT is documented as the collector's base URL
// (http://otel-collector:4318); spans must reach its /v1/traces.
func TestSetupSendsABaseEndpointsSpansToV1Traces(t *testing.T) {
	t.Parallel()
	col := newCollector(t, http.StatusOK, false)
	tp, shutdown, drops := setup(t, col.url, 1)
	spans(tp, 3)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = shutdown(ctx)
	var paths []string
	for _, r := range col.received() {
		paths = append(paths, r.path)
	}
	require.Equal(t, []string{"/v1/traces"}, paths)
	require.Zero(t, drops.total.Load())
}

// New traces are sampled by the ratio; a caller's decision is honoured
// either way.
func TestSamplingHonoursTheCallersDecision(t *testing.T) {
	t.Parallel()
	col := newCollector(t, http.StatusOK, false)
	tp, _, _ := setup(t, col.url+"/v1/traces", 0)
	tr := tp.Tracer("test")

	_, root := tr.Start(context.Background(), "root")
	require.False(t, root.IsRecording(), "ratio 0 keeps no new trace")
	root.End()

	remote := func(flags trace.TraceFlags) context.Context {
		sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2},
			TraceFlags: flags, Remote: true})
		return trace.ContextWithRemoteSpanContext(context.Background(), sc)
	}
	_, kept := tr.Start(remote(trace.FlagsSampled), "kept")
	require.True(t, kept.IsRecording(), "a sampled caller's trace is continued")
	kept.End()
	_, dropped := tr.Start(remote(0), "not sampled")
	require.False(t, dropped.IsRecording())
	dropped.End()
}

// A W3C traceparent from the caller is continued through the server span
// into the assistant's spans, on the real stack.
func TestIncomingTraceparentIsContinued(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	kit, _ := testkit.NewDemo(t, testkit.Options{TracerProvider: tp})
	srv := httptest.NewServer(httpapi.New(httpapi.Deps{Log: kit.Log, Access: httpapi.Access{Tenant: testkit.Tenant},
		Chat:      httpapi.Chat{Answerer: kit.Assistant},
		Documents: httpapi.Documents{Library: kit.Library, MaxUploadBytes: 1 << 20},
		Ops:       httpapi.Ops{Health: kit.Store, TracerProvider: tp}}))
	t.Cleanup(srv.Close)

	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	send := func(method, path, body string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("traceparent", "00-"+traceID+"-"+callerSpan+"-01")
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode)
	}
	// Probes are not traced.
	send(http.MethodGet, "/healthz", "")
	send(http.MethodPost, "/v1/chat", `{"kb":"demo","question":"How do I get a refund on an annual plan?"}`)

	// The server span ends after the response is written.
	var got tracetest.SpanStubs
	require.Eventually(t, func() bool { got = exp.GetSpans(); return len(got) >= 3 }, 5*time.Second, 10*time.Millisecond)
	byName := map[string]tracetest.SpanStub{}
	for _, s := range got {
		require.Equal(t, traceID, s.SpanContext.TraceID().String(), "span %q", s.Name)
		byName[s.Name] = s
	}
	require.Len(t, got, 3)
	server, answer, retrieve := byName["POST /v1/chat"], byName["assistant.answer"], byName["retrieve"]
	require.Equal(t, trace.SpanKindServer, server.SpanKind)
	require.Equal(t, callerSpan, server.Parent.SpanID().String())
	require.True(t, server.Parent.IsRemote())
	require.Equal(t, server.SpanContext.SpanID(), answer.Parent.SpanID())
	require.Equal(t, answer.SpanContext.SpanID(), retrieve.Parent.SpanID())
	require.Contains(t, server.Attributes, attribute.String("http.route", "/v1/chat"))
	require.Contains(t, server.Attributes, attribute.Int("http.status_code", 200))

	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range answer.Attributes {
		attrs[kv.Key] = kv.Value
	}
	require.Equal(t, "demo", attrs["supportd.kb"].AsString())
	require.Equal(t, testkit.Tenant, attrs["supportd.tenant"].AsString())
	require.Equal(t, "extractive", attrs["supportd.mode"].AsString())
	require.Positive(t, attrs["supportd.confidence"].AsFloat64())
	require.Contains(t, retrieve.Attributes, attribute.Int("supportd.passages", 5))
}
