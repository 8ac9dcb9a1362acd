// Package digest writes the weekly digest of one knowledge base: how many
// questions came, the handoff and low-confidence rates with their trend,
// the topics that went unanswered most, what reviewers relabelled, the
// golden set's size, the latest evaluation against its pinned baseline and
// the latest drift signals, as Markdown and as JSON.
//
// It imports the core nouns, drift (for its definitions of the rates and
// topics), eval and the store's row types, reading both through small
// interfaces; it must not import the HTTP layer, jobs or cmd.
package digest
