package embed

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tmc/langchaingo/embeddings"
	"github.com/tmc/langchaingo/llms/ollama"
	"github.com/tmc/langchaingo/llms/openai"

	"supportd/internal/core"
)

const (
	// ProviderOpenAI selects any server speaking OpenAI's
	// POST {BaseURL}/embeddings (OpenAI, vLLM, llama.cpp, LiteLLM, ...).
	ProviderOpenAI = "openai"
	// ProviderOllama selects an Ollama server's POST {BaseURL}/api/embed.
	ProviderOllama = "ollama"
)

// Defaults NewRemote applies to zero-valued RemoteParams fields.
const (
	// DefaultOpenAIBaseURL is OpenAI's own API root.
	DefaultOpenAIBaseURL = "https://api.openai.com/v1"
	// DefaultOllamaBaseURL is where a local Ollama listens.
	DefaultOllamaBaseURL = "http://127.0.0.1:11434"
	// DefaultRemoteBatchSize is how many texts go into one upstream call.
	DefaultRemoteBatchSize = 64
	// DefaultRemoteTimeout bounds one upstream call.
	DefaultRemoteTimeout = 30 * time.Second
)

// maxRemoteDimension is the longest vector pgvector can store.
const maxRemoteDimension = 16000

// RemoteParams configures a Remote embedder.
type RemoteParams struct {
	// Provider is ProviderOpenAI or ProviderOllama.
	Provider string
	// Model is the provider's embedding model name. Required.
	Model string
	// BaseURL is the API root: for OpenAI-compatible servers the part before
	// "/embeddings" (default DefaultOpenAIBaseURL); for Ollama the server
	// root (default DefaultOllamaBaseURL).
	BaseURL string
	// APIKey is sent as a bearer token. Required for ProviderOpenAI, unused
	// by ProviderOllama.
	APIKey string
	// Dimension is the length the model's vectors must have. Required; it is
	// checked on every vector, not sent to the provider.
	Dimension int
	// BatchSize is how many texts go into one upstream call (default
	// DefaultRemoteBatchSize). langchaingo's Ollama client sends one HTTP
	// request per text, one after another, within a batch.
	BatchSize int
	// Timeout bounds each upstream batch call, not a whole EmbedDocuments
	// call, so large ingests are not cut short (default
	// DefaultRemoteTimeout). For Ollama it covers the batch's requests
	// together.
	Timeout time.Duration
	// HTTPClient performs the requests (default: a new http.Client; the
	// timeout comes from the context, not the client).
	HTTPClient *http.Client
}

// Remote is an Embedder backed by an embedding service reached through
// langchaingo. It batches, bounds each upstream call with a timeout, and
// verifies the count and length of the vectors it gets back. Its errors
// carry support error codes: upstream_timeout, embedding_mismatch,
// rate_limited, or unavailable for anything else the service does wrong.
type Remote struct {
	provider string
	model    string
	dim      int
	timeout  time.Duration
	client   embeddings.EmbedderClient // the provider's raw, unbatched call
	batcher  *embeddings.EmbedderImpl  // langchaingo's batching around check
}

// NewRemote validates p, applies defaults and builds the provider client.
// It makes no network call.
func NewRemote(p RemoteParams) (*Remote, error) {
	p, err := p.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new remote embedder: %w", err)
	}
	r := &Remote{provider: p.Provider, model: p.Model, dim: p.Dimension, timeout: p.Timeout}
	switch p.Provider {
	case ProviderOpenAI:
		r.client, err = openai.New(
			openai.WithToken(p.APIKey),
			openai.WithBaseURL(p.BaseURL),
			openai.WithOrganization(""),
			openai.WithModel(p.Model),
			openai.WithEmbeddingModel(p.Model),
			openai.WithHTTPClient(p.HTTPClient),
		)
	case ProviderOllama:
		r.client, err = ollama.New(
			ollama.WithModel(p.Model),
			ollama.WithServerURL(p.BaseURL),
			ollama.WithHTTPClient(p.HTTPClient),
		)
	}
	if err != nil {
		return nil, fmt.Errorf("new remote embedder: %s client: %w", p.Provider, err)
	}
	// StripNewLines is off: langchaingo strips in place, which would
	// rewrite the caller's slice, and current models read newlines fine.
	r.batcher, err = embeddings.NewEmbedder(embeddings.EmbedderClientFunc(r.check),
		embeddings.WithBatchSize(p.BatchSize), embeddings.WithStripNewLines(false))
	if err != nil {
		return nil, fmt.Errorf("new remote embedder: %w", err)
	}
	return r, nil
}

// withDefaults fills zero fields and rejects invalid ones. It never reads
// the environment: langchaingo falls back to OPENAI_* and OLLAMA_HOST
// variables, so every setting is passed to it explicitly.
func (p RemoteParams) withDefaults() (RemoteParams, error) {
	switch p.Provider {
	case ProviderOpenAI:
		p.BaseURL = cmp.Or(p.BaseURL, DefaultOpenAIBaseURL)
		if p.APIKey == "" {
			return p, errors.New("api key is required for provider openai (any placeholder will do for a server that needs none)")
		}
	case ProviderOllama:
		p.BaseURL = cmp.Or(p.BaseURL, DefaultOllamaBaseURL)
	default:
		return p, fmt.Errorf("unknown provider %q (want %q or %q)", p.Provider, ProviderOpenAI, ProviderOllama)
	}
	if strings.TrimSpace(p.Model) == "" {
		return p, fmt.Errorf("model is required for provider %s", p.Provider)
	}
	if p.Dimension <= 0 || p.Dimension > maxRemoteDimension {
		return p, fmt.Errorf("dimension %d outside [1, %d]", p.Dimension, maxRemoteDimension)
	}
	if p.BatchSize < 0 || p.Timeout < 0 {
		return p, fmt.Errorf("batch size %d and timeout %s must not be negative", p.BatchSize, p.Timeout)
	}
	if u, err := url.Parse(p.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// Checked here also because langchaingo's Ollama option calls
		// log.Fatal on a URL it cannot parse.
		return p, fmt.Errorf("base url %q is not an absolute http(s) URL", p.BaseURL)
	}
	p.BatchSize = cmp.Or(p.BatchSize, DefaultRemoteBatchSize)
	p.Timeout = cmp.Or(p.Timeout, DefaultRemoteTimeout)
	if p.HTTPClient == nil {
		p.HTTPClient = &http.Client{}
	}
	return p, nil
}

// Dimension returns the configured vector length, which every returned
// vector has been checked against.
func (r *Remote) Dimension() int { return r.dim }

// Model returns the provider's model name as configured.
func (r *Remote) Model() string { return r.model }

// EmbedDocuments embeds texts in batches, one upstream call per batch, each
// bounded by the configured timeout. It fails as a whole if any batch fails.
func (r *Remote) EmbedDocuments(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return [][]float32{}, nil
	}
	vecs, err := r.batcher.EmbedDocuments(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("embed %d documents with %s: %w", len(texts), r.name(), err)
	}
	if len(vecs) != len(texts) {
		return nil, fmt.Errorf("embed %d documents with %s: %w", len(texts), r.name(),
			core.Errorf(core.CodeUnavailable, "embedding service returned %d vectors for %d texts", len(vecs), len(texts)))
	}
	return vecs, nil
}

// EmbedQuery embeds one text with a single upstream call.
func (r *Remote) EmbedQuery(ctx context.Context, text string) ([]float32, error) {
	vec, err := r.batcher.EmbedQuery(ctx, text)
	if err != nil {
		return nil, fmt.Errorf("embed query with %s: %w", r.name(), err)
	}
	return vec, nil
}

func (r *Remote) name() string { return r.provider + " model " + r.model }

// check is one upstream batch call: bounded by the timeout, with the
// provider's failure translated to a support error and every vector's count
// and length verified.
func (r *Remote) check(ctx context.Context, batch []string) ([][]float32, error) {
	callCtx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	vecs, err := r.client.CreateEmbedding(callCtx, batch)
	if err != nil {
		return nil, r.upstreamError(ctx, callCtx, err)
	}
	if len(vecs) != len(batch) {
		return nil, core.Errorf(core.CodeUnavailable,
			"embedding service returned %d vectors for %d texts", len(vecs), len(batch))
	}
	for _, v := range vecs {
		if len(v) != r.dim {
			return nil, core.Errorf(core.CodeEmbeddingMismatch,
				"embedding model %q returned %d-dimensional vectors, expected %d (the configured dimension)",
				r.model, len(v), r.dim)
		}
	}
	return vecs, nil
}

// upstreamError classifies a failed call. langchaingo replaces context
// errors with plain text, so the contexts are consulted instead, and the
// context error is kept in the chain for errors.Is.
func (r *Remote) upstreamError(ctx, callCtx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w (%w)", ctx.Err(), err)
	case callCtx.Err() != nil:
		return core.Wrap(core.CodeUpstreamTimeout, fmt.Errorf("%w: %w", callCtx.Err(), err),
			fmt.Sprintf("embedding service did not answer within %s", r.timeout))
	case strings.Contains(err.Error(), "status code: 429"):
		return core.Wrap(core.CodeRateLimited, err, "embedding service is rate limiting requests")
	}
	return core.Wrap(core.CodeUnavailable, err, "embedding service failed")
}
