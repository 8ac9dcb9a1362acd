// Package testkit wires the real components (store on a fresh test
// database, built-in embedder, chunker, retriever, extractive answerer,
// assistant, syncer, and on request the model gateway, prompts and cache)
// for tests that exercise more than one package.
//
// It is test support: it may import any supportd package below the HTTP
// layer (assistant, cache, dbtest, embed, extract, ingest, llm, prompt,
// prompts, redistest, retrieve, store), and production code must not
// import it.
package testkit
