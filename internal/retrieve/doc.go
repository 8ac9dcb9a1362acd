// Package retrieve finds the passages that answer a question: it embeds the
// question, asks the store for vector and full-text (BM25) candidates in one
// round trip, fuses the two rankings, collapses near-duplicate chunks and
// cuts to top-k. It imports embed, store and the core nouns; it must not
// import the assistant, ingest or the HTTP layer.
package retrieve
