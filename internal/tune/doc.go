// Package tune chooses a knowledge base's retrieval settings from its own
// golden set: it grid-searches the fusion weights, RRF's k, the candidates
// per list and the handoff threshold, compares the best with the settings
// in use by a paired bootstrap over the questions, and records the winner
// with the knowledge base only when it is better beyond the interval.
// It imports the core nouns, embed, eval (golden sets and the bootstrap),
// guard and paste (to score the question the assistant would: normalised,
// split from anything pasted), retrieve (fusion) and store; it must not
// import the assistant, the HTTP layer or the composition root.
package tune
