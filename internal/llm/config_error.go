package llm

import (
	"net/http"
	"sync"
	"time"

	"supportd/internal/core"
)

// configWatch remembers whether one provider refuses calls as
// misconfigured: a wrong API key (401), a key without access (403) or a
// model that does not exist (404). No retry cures these, so they are
// reported until a call succeeds rather than logged once and forgotten.
type configWatch struct {
	provider, model string
	now             func() time.Time
	onChange        func(provider, model string, failing bool)

	mu  sync.Mutex
	err *core.ModelConfigError
}

// configStatus reports a status that means the provider is misconfigured.
func configStatus(status int) bool {
	return status == http.StatusUnauthorized || status == http.StatusForbidden || status == http.StatusNotFound
}

// observe records the outcome of one call: err nil for a success.
func (w *configWatch) observe(err *Error) {
	if err != nil && (err.Kind != KindClient || !configStatus(err.Status)) {
		return // says nothing about the configuration
	}
	w.mu.Lock()
	was := w.err != nil
	switch {
	case err == nil:
		w.err = nil
	case w.err == nil:
		w.err = &core.ModelConfigError{Status: err.Status, Message: errorMessage(err), Since: w.now()}
	default:
		w.err.Status, w.err.Message = err.Status, errorMessage(err)
	}
	is := w.err != nil
	w.mu.Unlock()
	if was != is && w.onChange != nil {
		w.onChange(w.provider, w.model, is)
	}
}

// current returns a copy of the recorded error, or nil.
func (w *configWatch) current() *core.ModelConfigError {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err == nil {
		return nil
	}
	c := *w.err
	return &c
}

// errorMessage is what the provider said, without the gateway's prefix.
func errorMessage(e *Error) string {
	if e.Err != nil {
		return e.Err.Error()
	}
	return string(e.Kind)
}

// ModelStates reports each model of the chain, primary first: its
// breaker and any configuration error its provider keeps answering with.
func (g *Gateway) ModelStates() []core.ModelState {
	out := make([]core.ModelState, len(g.chain))
	for i, m := range g.chain {
		out[i] = core.ModelState{Provider: m.Provider.Name(), Model: m.Provider.Model(),
			Breaker: m.breaker.State(), ConfigError: m.config.current()}
	}
	return out
}
