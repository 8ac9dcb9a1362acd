// Package llm talks to language models and keeps supportd answering when
// they misbehave. A Provider is one model behind one endpoint, reached
// through langchaingo (any OpenAI-compatible server, Anthropic, Ollama).
// The Gateway puts the resilience stack around a chain of providers:
// the request's first-token deadline (a silent model is abandoned, never
// retried) and whole-answer deadline, retries with exponential backoff and
// jitter for retryable failures only (honouring Retry-After, never past
// either deadline), a circuit breaker per provider
// (on an injected clock), a request and token rate limit per provider, and
// fallback down the chain. Every failure is classified (Kind) so the caller
// can say honestly why it degraded.
//
// It imports langchaingo, go-retry and the core nouns; it must
// not import the assistant, the store, the HTTP layer or any other supportd
// package.
package llm
