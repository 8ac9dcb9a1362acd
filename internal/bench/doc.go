// Package bench measures supportd the way README reports it: ingestion
// throughput, retrieval latency with HNSW recall, retrieval quality on a
// question set, what the model path adds to an answer (gateway) and
// evaluation throughput. Each benchmark drives the real components the composition
// root wires (loader, chunker, embedder, Syncer, store, Retriever) against
// the configured database, in a knowledge base of its own that it empties
// first, and returns a report that prints as Markdown together with the
// exact command that repeats it. Inputs are deterministic: synthetic
// corpora and queries come from a seed. The retrieval benchmark keeps its
// seeded knowledge base, marked with what it holds, so that reruns skip
// the seeding; the ingestion benchmark deletes its own at the end.
//
// A report may also contribute rows to the one table `make bench` prints
// (RatioRow: our figure, a bare baseline measured in the same run, their
// ratio and the goal); each benchmark run appends its rows to a file and
// WriteRatioTable prints them under the machine's description and load.
//
// Figures are wall-clock times of one machine; tests here check the
// generator, the statistics and the metrics, never timings.
//
// The gateway benchmark gets the API as an http.Handler and the model and
// its outage switch from the caller; the evaluation benchmark gets the
// runner. The streams benchmark gets servers running as processes of their
// own and samples them with soak's process sampler. It imports ingest,
// embed, retrieve, store, eval (golden sets and runs), llm and prompt (to
// call the model directly), soak and the core nouns;
// it must not import the assistant, the HTTP layer or the fake model, and
// nothing imports it but cmd/supportd.
package bench
