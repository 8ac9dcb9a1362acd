// Package testkit wires supportd for tests that exercise more than one
// package: the same composition as the binary (internal/app's New), over a
// fresh test database, with the built-in embedder, package-default
// parameters and, on request, a model chain of fake LLM servers and an
// answer cache.
//
// It is test support: it may import the wiring (app) and the packages
// whose parameters it sets (assistant, cache, config, core, dbtest, embed,
// extract, ingest, llm, metrics, redistest, retrieve, store); production
// code must not import it.
package testkit
