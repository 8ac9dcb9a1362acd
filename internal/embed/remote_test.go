package embed

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"supportd/internal/core"
)

// fakeUpstream is an in-process embedding service speaking either OpenAI's
// or Ollama's wire format. It records every call's inputs. Each vector's
// first element is the length of its text, so tests can check order.
type fakeUpstream struct {
	provider string
	dim      int           // length of the vectors it returns
	status   int           // non-200: fail every call with this status
	delay    time.Duration // sleep before answering, cut short by the client leaving
	short    bool          // return one vector too few (OpenAI format)

	mu     sync.Mutex
	calls  [][]string
	models []string
	auths  []string
}

func (f *fakeUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model string          `json:"model"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var inputs []string
	if f.provider == ProviderOllama {
		var one string
		if err := json.Unmarshal(req.Input, &one); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		inputs = []string{one}
	} else if err := json.Unmarshal(req.Input, &inputs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, inputs)
	f.models = append(f.models, req.Model)
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	f.mu.Unlock()

	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	if f.status != 0 {
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"error":{"message":"upstream exploded"}}`))
		return
	}
	vecs := make([][]float32, len(inputs))
	for i, in := range inputs {
		vecs[i] = make([]float32, f.dim)
		vecs[i][0] = float32(len(in))
	}
	if f.short {
		vecs = vecs[:len(vecs)-1]
	}
	_ = json.NewEncoder(w).Encode(f.body(vecs))
}

func (f *fakeUpstream) body(vecs [][]float32) any {
	if f.provider == ProviderOllama {
		return map[string]any{"model": "m", "embeddings": vecs}
	}
	data := make([]map[string]any, len(vecs))
	for i, v := range vecs {
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": v}
	}
	return map[string]any{"object": "list", "model": "m", "data": data}
}

func (f *fakeUpstream) recorded() (calls [][]string, models, auths []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls, f.models, f.auths
}

// serve starts f on a loopback test server and returns RemoteParams aimed
// at it, with the path each provider's client appends checked by the mux.
func serve(t *testing.T, f *fakeUpstream) RemoteParams {
	t.Helper()
	mux := http.NewServeMux()
	p := RemoteParams{Provider: f.provider, Model: "embed-test", Dimension: 4, BatchSize: 2, Timeout: 5 * time.Second}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	switch f.provider {
	case ProviderOpenAI:
		mux.Handle("POST /v1/embeddings", f)
		p.BaseURL, p.APIKey = srv.URL+"/v1", "test-key"
	case ProviderOllama:
		mux.Handle("POST /api/embed", f)
		p.BaseURL = srv.URL
	}
	return p
}

func newTestRemote(t *testing.T, p RemoteParams) *Remote {
	t.Helper()
	r, err := NewRemote(p)
	require.NoError(t, err)
	return r
}

var texts5 = []string{"a", "bb\nbb", "ccc", "dddd", "eeeee"}

func TestRemoteOpenAIBatches(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOpenAI, dim: 4}
	r := newTestRemote(t, serve(t, f))
	require.Equal(t, "embed-test", r.Model())
	require.Equal(t, 4, r.Dimension())

	in := append([]string(nil), texts5...)
	vecs, err := r.EmbedDocuments(context.Background(), in)
	require.NoError(t, err)
	require.Len(t, vecs, len(texts5))
	for i, v := range vecs {
		require.Len(t, v, 4)
		require.InDelta(t, len(texts5[i]), v[0], 0, "vector %d is out of order", i)
	}
	require.Equal(t, texts5, in, "the caller's slice is left alone")

	calls, models, auths := f.recorded()
	require.Equal(t, [][]string{{"a", "bb\nbb"}, {"ccc", "dddd"}, {"eeeee"}}, calls)
	require.Equal(t, []string{"embed-test", "embed-test", "embed-test"}, models)
	require.Equal(t, "Bearer test-key", auths[0])

	q, err := r.EmbedQuery(context.Background(), "question")
	require.NoError(t, err)
	require.InDelta(t, len("question"), q[0], 0)
	calls, _, _ = f.recorded()
	require.Len(t, calls, 4)
	require.Equal(t, []string{"question"}, calls[3])
}

// TestRemoteOllamaBatches pins langchaingo's Ollama behaviour: one
// /api/embed request per text, each with a single string input.
func TestRemoteOllamaBatches(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOllama, dim: 4}
	r := newTestRemote(t, serve(t, f))

	vecs, err := r.EmbedDocuments(context.Background(), texts5)
	require.NoError(t, err)
	require.Len(t, vecs, len(texts5))
	for i, v := range vecs {
		require.InDelta(t, len(texts5[i]), v[0], 0, "vector %d is out of order", i)
	}
	calls, models, _ := f.recorded()
	require.Equal(t, [][]string{{"a"}, {"bb\nbb"}, {"ccc"}, {"dddd"}, {"eeeee"}}, calls)
	require.Equal(t, "embed-test", models[0])

	q, err := r.EmbedQuery(context.Background(), "question")
	require.NoError(t, err)
	require.InDelta(t, len("question"), q[0], 0)
}

func TestRemoteEmptyInputMakesNoCall(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOpenAI, dim: 4}
	r := newTestRemote(t, serve(t, f))
	vecs, err := r.EmbedDocuments(context.Background(), nil)
	require.NoError(t, err)
	require.Empty(t, vecs)
	calls, _, _ := f.recorded()
	require.Empty(t, calls)
}

func TestRemoteFailures(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{ProviderOpenAI, ProviderOllama} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			for _, tc := range []struct {
				name     string
				dim      int
				status   int
				wantCode core.Code
				wantMsg  []string
			}{
				{
					name: "dimension mismatch", dim: 3,
					wantCode: core.CodeEmbeddingMismatch,
					wantMsg:  []string{`model "embed-test"`, "returned 3-dimensional", "expected 4"},
				},
				{
					name: "upstream 500", dim: 4, status: http.StatusInternalServerError,
					wantCode: core.CodeUnavailable,
					wantMsg:  []string{"embed 5 documents with " + provider + " model embed-test", "embedding service failed"},
				},
			} {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					f := &fakeUpstream{provider: provider, dim: tc.dim, status: tc.status}
					r := newTestRemote(t, serve(t, f))
					_, err := r.EmbedDocuments(context.Background(), texts5)
					require.Error(t, err)
					require.Equal(t, tc.wantCode, core.ErrorCode(err), "%v", err)
					for _, m := range tc.wantMsg {
						require.ErrorContains(t, err, m)
					}
					_, err = r.EmbedQuery(context.Background(), "q")
					require.Equal(t, tc.wantCode, core.ErrorCode(err), "%v", err)
				})
			}
		})
	}
}

func TestRemoteTimeout(t *testing.T) {
	t.Parallel()
	for _, provider := range []string{ProviderOpenAI, ProviderOllama} {
		t.Run(provider, func(t *testing.T) {
			t.Parallel()
			f := &fakeUpstream{provider: provider, dim: 4, delay: 10 * time.Second}
			p := serve(t, f)
			p.Timeout = 150 * time.Millisecond
			r := newTestRemote(t, p)

			_, err := r.EmbedDocuments(context.Background(), texts5)
			require.Error(t, err)
			require.Equal(t, core.CodeUpstreamTimeout, core.ErrorCode(err), "%v", err)
			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorContains(t, err, "did not answer within 150ms")
		})
	}
}

func TestRemoteCallerCancellation(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOpenAI, dim: 4, delay: 10 * time.Second}
	r := newTestRemote(t, serve(t, f))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := r.EmbedQuery(ctx, "q")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.NotEqual(t, core.CodeUpstreamTimeout, core.ErrorCode(err),
		"the caller's own deadline is not the upstream's fault")
}

func TestRemoteRateLimited(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOpenAI, dim: 4, status: http.StatusTooManyRequests}
	r := newTestRemote(t, serve(t, f))
	_, err := r.EmbedQuery(context.Background(), "q")
	require.Equal(t, core.CodeRateLimited, core.ErrorCode(err), "%v", err)
}

func TestRemoteWrongVectorCount(t *testing.T) {
	t.Parallel()
	f := &fakeUpstream{provider: ProviderOpenAI, dim: 4, short: true}
	r := newTestRemote(t, serve(t, f))
	_, err := r.EmbedDocuments(context.Background(), texts5)
	require.Equal(t, core.CodeUnavailable, core.ErrorCode(err), "%v", err)
}

func TestNewRemoteValidates(t *testing.T) {
	t.Parallel()
	valid := RemoteParams{Provider: ProviderOpenAI, Model: "m", APIKey: "k", Dimension: 8, BaseURL: "http://127.0.0.1:1/v1"}
	for _, tc := range []struct {
		name string
		mod  func(p *RemoteParams)
		want string
	}{
		{"unknown provider", func(p *RemoteParams) { p.Provider = "cohere" }, `unknown provider "cohere"`},
		{"no model", func(p *RemoteParams) { p.Model = " " }, "model is required"},
		{"no dimension", func(p *RemoteParams) { p.Dimension = 0 }, "dimension 0 outside"},
		{"no api key", func(p *RemoteParams) { p.APIKey = "" }, "api key is required"},
		{"negative batch", func(p *RemoteParams) { p.BatchSize = -1 }, "must not be negative"},
		{"bad url", func(p *RemoteParams) { p.BaseURL = "127.0.0.1:11434" }, "not an absolute http(s) URL"},
		{"ollama bad url", func(p *RemoteParams) { p.Provider, p.BaseURL = ProviderOllama, "::nope" }, "not an absolute http(s) URL"},
	} {
		p := valid
		tc.mod(&p)
		_, err := NewRemote(p)
		require.ErrorContains(t, err, tc.want, tc.name)
	}
	_, err := NewRemote(valid)
	require.NoError(t, err)
	_, err = NewRemote(RemoteParams{Provider: ProviderOllama, Model: "nomic-embed-text", Dimension: 768})
	require.NoError(t, err, "ollama needs neither key nor URL")
}
