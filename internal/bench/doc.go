// Package bench measures supportd the way README reports it: ingestion
// throughput, retrieval latency with HNSW recall, and retrieval quality on
// a question set. Each benchmark drives the real components the composition
// root wires (loader, chunker, embedder, Syncer, store, Retriever) against
// the configured database, in a knowledge base of its own that it empties
// first, and returns a report that prints as Markdown together with the
// exact command that repeats it. Inputs are deterministic: synthetic
// corpora and queries come from a seed. The retrieval benchmark keeps its
// seeded knowledge base, marked with what it holds, so that reruns skip
// the seeding; the ingestion benchmark deletes its own at the end.
//
// Figures are wall-clock times of one machine; tests here check the
// generator, the statistics and the metrics, never timings.
//
// It imports ingest, embed, retrieve, store and the core nouns; it must not
// import the assistant or the HTTP layer, and nothing imports it but
// cmd/supportd.
package bench
