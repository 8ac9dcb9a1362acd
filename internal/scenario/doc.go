// Package scenario generates question streams for demonstrations and load:
// a normal stream drawn from a golden set's questions with everyday
// variations, and a shifted stream in which customers ask about a product
// the knowledge base has never heard of and paste logs. It is
// deterministic for a seed.
//
// It imports only the standard library and must not import any supportd
// package: `supportd simulate` sends its questions through the real API.
package scenario
