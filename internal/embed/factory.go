package embed

import (
	"cmp"
	"fmt"
	"net/http"
	"time"
)

// ProviderHash selects the built-in Hashing embedder.
const ProviderHash = "hash"

// Params chooses and configures an embedder for New.
type Params struct {
	// Provider is ProviderHash (the default when empty), ProviderOpenAI or
	// ProviderOllama.
	Provider string
	// Model is the remote model name. For ProviderHash it may be left empty
	// or must equal the name the hashing embedder reports (such as
	// "hash-v2-384"), so a configuration cannot silently name another model.
	Model string
	// Dimension is the vector length: for ProviderHash, default
	// DefaultHashingDimension; for remote providers, required.
	Dimension int
	// BaseURL, APIKey, BatchSize, Timeout and HTTPClient are passed to
	// NewRemote and ignored by ProviderHash.
	BaseURL    string
	APIKey     string
	BatchSize  int
	Timeout    time.Duration
	HTTPClient *http.Client
}

// New returns the embedder p describes: a *Hashing or a *Remote.
func New(p Params) (Embedder, error) {
	switch cmp.Or(p.Provider, ProviderHash) {
	case ProviderHash:
		h, err := NewHashing(cmp.Or(p.Dimension, DefaultHashingDimension))
		if err != nil {
			return nil, fmt.Errorf("new embedder: %w", err)
		}
		if p.Model != "" && p.Model != h.Model() {
			return nil, fmt.Errorf("new embedder: model %q does not match the hashing embedder %q", p.Model, h.Model())
		}
		return h, nil
	case ProviderOpenAI, ProviderOllama:
		r, err := NewRemote(RemoteParams{
			Provider: p.Provider, Model: p.Model, BaseURL: p.BaseURL, APIKey: p.APIKey,
			Dimension: p.Dimension, BatchSize: p.BatchSize, Timeout: p.Timeout, HTTPClient: p.HTTPClient,
		})
		if err != nil {
			return nil, fmt.Errorf("new embedder: %w", err)
		}
		return r, nil
	}
	return nil, fmt.Errorf("new embedder: unknown provider %q (want %q, %q or %q)",
		p.Provider, ProviderHash, ProviderOpenAI, ProviderOllama)
}
