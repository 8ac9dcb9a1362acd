// Package core holds the nouns every other package shares: passages,
// citations, answers, answer modes, turn purposes, retrieval filters and
// the error vocabulary with its stable machine codes. It has no behaviour
// beyond them (reading and checking a filter included): no I/O, no clock,
// no state.
//
// It is a leaf: it imports only the standard library and must not import
// any supportd package, so any package may depend on it without creating a
// cycle.
package core
