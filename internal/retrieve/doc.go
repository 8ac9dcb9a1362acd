// Package retrieve finds the passages that answer a question: it embeds the
// question, asks the store for vector and full-text (BM25) candidates in one
// round trip, fuses the two rankings, collapses near-duplicate chunks and
// cuts to top-k. It imports embed, store, the core nouns and text (the words
// its near-duplicate check compares); it must not import the assistant,
// ingest or the HTTP layer.
package retrieve
