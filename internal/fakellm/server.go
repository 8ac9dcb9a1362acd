package fakellm

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults New applies to zero-valued Options fields.
const (
	// DefaultModel is the chat model id the server reports.
	DefaultModel = "fake"
	// DefaultEmbeddingModel is the embedding model id the server reports.
	DefaultEmbeddingModel = "fake-embedding"
	// DefaultDim is the length of embedding vectors.
	DefaultDim = 384
	// DefaultHangInterval is how often a hanging stream sends a token.
	DefaultHangInterval = 100 * time.Millisecond
)

// maxBody bounds a request body; prompts with many passages stay far below.
const maxBody = 16 << 20

// Options configures a Server. The zero value is ready to use.
type Options struct {
	// Model is the chat model id listed by /models and echoed when a
	// request names none (default DefaultModel).
	Model string
	// EmbeddingModel is the embedding model id listed by /models (default
	// DefaultEmbeddingModel).
	EmbeddingModel string
	// Dim is the embedding length when a request does not set
	// "dimensions" (default DefaultDim).
	Dim int
	// TokenDelay is the pause between streamed tokens (default none).
	TokenDelay time.Duration
	// HangInterval is the pause between the tokens of a hanging stream
	// (default DefaultHangInterval).
	HangInterval time.Duration
	// Now stamps the "created" field of responses (default time.Now).
	Now func() time.Time
	// Wait pauses a handler for d, or until ctx ends, returning ctx's
	// error then (default: a timer). Every pause (latency, tokens, a
	// hanging stream) goes through it, so tests can record pauses instead
	// of sleeping them.
	Wait func(ctx context.Context, d time.Duration) error
}

// Request is one chat completion request as the server decoded it.
type Request struct {
	// Model is the requested model id, as sent.
	Model string
	// Messages are the chat messages, in order.
	Messages []Message
	// Stream is the "stream" flag.
	Stream bool
	// IncludeUsage is stream_options.include_usage.
	IncludeUsage bool
	// MaxTokens is max_completion_tokens, or max_tokens when that is
	// absent; langchaingo sends the former unless told otherwise.
	MaxTokens int
	// Temperature is the "temperature" field (0 when absent).
	Temperature float64
	// Fault is the kind of fault applied to the request, or "".
	Fault Kind
}

// Server is the fake LLM. Its methods are safe for concurrent use.
type Server struct {
	opts    Options
	handler http.Handler

	mu       sync.Mutex
	faults   []*queuedFault
	requests []Request
	counts   map[string]int
}

// New returns a Server configured by opts.
func New(opts Options) *Server {
	opts.Model = cmp.Or(opts.Model, DefaultModel)
	opts.EmbeddingModel = cmp.Or(opts.EmbeddingModel, DefaultEmbeddingModel)
	opts.Dim = cmp.Or(opts.Dim, DefaultDim)
	opts.HangInterval = cmp.Or(opts.HangInterval, DefaultHangInterval)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Wait == nil {
		opts.Wait = sleep
	}
	s := &Server{opts: opts, counts: map[string]int{}}
	s.handler = s.routes()
	return s
}

// Handler returns the HTTP handler serving every endpoint, for
// httptest.NewServer or an http.Server. The cut fault aborts the response
// with http.ErrAbortHandler, which only a real server turns into a dropped
// connection.
func (s *Server) Handler() http.Handler { return s.handler }

// routes builds the handler: the endpoints under "" and "/v1", wrapped in
// the per-path request counter.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, prefix := range []string{"", "/v1"} {
		mux.HandleFunc("POST "+prefix+"/chat/completions", s.handleChat)
		mux.HandleFunc("POST "+prefix+"/embeddings", s.handleEmbeddings)
		mux.HandleFunc("GET "+prefix+"/models", s.handleModels)
		mux.HandleFunc("POST "+prefix+"/_fault", s.handleInject)
		mux.HandleFunc("DELETE "+prefix+"/_fault", s.handleReset)
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, 0, fmt.Sprintf("no route for %s %s", r.Method, r.URL.Path))
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.counts[normalPath(r.URL.Path)]++
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	})
}

// normalPath strips the optional "/v1" prefix and trailing slashes.
func normalPath(p string) string {
	p = strings.TrimSuffix(p, "/")
	if rest, ok := strings.CutPrefix(p, "/v1"); ok && (rest == "" || rest[0] == '/') {
		p = rest
	}
	return cmp.Or(p, "/")
}

// Inject queues faults behind those already queued. It panics if a fault is
// invalid (see Fault.Validate), since that is a mistake in the test.
func (s *Server) Inject(faults ...Fault) {
	for _, f := range faults {
		if err := f.Validate(); err != nil {
			panic("fakellm: Inject: " + err.Error())
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range faults {
		s.faults = append(s.faults, &queuedFault{fault: f.withDefaults(), left: f.Times})
	}
}

// Reset drops every queued fault. Recorded requests and counts are kept.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// Faults returns the queued faults in order, with defaults filled in and
// Times showing how many requests each has left (0 for forever).
func (s *Server) Faults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, len(s.faults))
	for i, q := range s.faults {
		out[i] = q.fault
		out[i].Times = q.left
	}
	return out
}

// nextFault consumes one use of the first queued fault for endpoint.
func (s *Server) nextFault(endpoint Endpoint) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.faults, func(q *queuedFault) bool { return q.fault.Endpoint == endpoint })
	if i < 0 {
		return nil
	}
	q := s.faults[i]
	if q.left > 0 {
		if q.left--; q.left == 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
	}
	f := q.fault
	return &f
}

// Requests returns a copy of every chat completion request received, in
// order of arrival.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r
		out[i].Messages = slices.Clone(r.Messages)
	}
	return out
}

// LastRequest returns the latest chat completion request received, or the
// zero Request when there has been none.
func (s *Server) LastRequest() Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.requests) == 0 {
		return Request{}
	}
	r := s.requests[len(s.requests)-1]
	r.Messages = slices.Clone(r.Messages)
	return r
}

// Count returns how many requests arrived for path, any method, with or
// without the "/v1" prefix: Count("/chat/completions") counts both
// "/chat/completions" and "/v1/chat/completions".
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[normalPath(path)]
}

// record stores r and returns the response id for it.
func (s *Server) record(r Request) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, r)
	return fmt.Sprintf("fake-%d", len(s.requests))
}

// handleInject queues the JSON Fault in the body.
func (s *Server) handleInject(w http.ResponseWriter, r *http.Request) {
	var f Fault
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&f); err != nil {
		writeError(w, http.StatusBadRequest, 0, "decoding fault: "+err.Error())
		return
	}
	if err := f.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, 0, err.Error())
		return
	}
	s.Inject(f)
	writeJSON(w, http.StatusOK, map[string]any{"queued": s.Faults()})
}

// handleReset drops every queued fault.
func (s *Server) handleReset(w http.ResponseWriter, _ *http.Request) {
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}
