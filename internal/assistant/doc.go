// Package assistant answers one turn end to end: it validates the question,
// resolves the knowledge base and conversation, retrieves passages, produces
// a cited answer (or an honest handoff when confidence is low) and records
// the turn. It declares the small interfaces it needs from retrieval, the
// answerers and the store; the HTTP API and the evaluation runner both call
// it, so there is one pipeline.
//
// It imports the core nouns and, for their types, retrieve, llm, prompt,
// guard, extract, cache and store, and paste to split a question from the
// logs pasted under it; it must not import eval, httpapi, jobs,
// cmd or anything else above it.
package assistant
