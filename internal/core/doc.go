// Package core holds the nouns every other package shares: passages,
// citations, answers, answer modes, turn purposes and the error vocabulary
// with its stable machine codes. It is a leaf: it imports only the standard
// library, so any package may depend on it without creating a cycle.
package core
