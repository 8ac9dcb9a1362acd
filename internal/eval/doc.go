// Package eval scores the assistant on a golden set: the golden-set format
// and its validation, per-case metrics (retrieval, answer, groundedness,
// behaviour, operations), aggregation overall and per tag with bootstrap
// confidence intervals, comparison against a baseline run with per-metric
// thresholds, the runner that sends every case through the same assistant
// the API uses, and reports (table, JSON, Markdown, JUnit, HTML).
//
// It imports the assistant it scores, the store, llm and prompt (for the
// LLM-as-judge), text (words and sentences of the metrics) and the core
// nouns; it must not import the HTTP layer, jobs
// or cmd.
package eval
