// Package extract is the built-in answerer: it answers a question from the
// top retrieved passages by quoting their most relevant sentences, with
// citations, or says honestly that it does not know. supportd uses it when
// no LLM is configured and as the last stage of the LLM fallback chain; its
// Confidence is also the retrieval-based confidence the LLM path reports.
//
// It imports only the standard library and the shared nouns in
// internal/core. It must not import retrieval, the store, the LLM
// gateway or anything above them, so that it works with no database and no
// network.
//
// # How an answer is built
//
//  1. Split. Each of the first MaxPassages passages is cut into units:
//     sentences of prose, Markdown list items (kept whole), numbered steps,
//     code blocks and code, log or error lines (kept whole), and headings.
//     A sentence ends at ".", "!", "?" or "…" followed by a space and a
//     capital, a digit or a quote, or at a CJK full stop, but not after an
//     abbreviation ("e.g.", "Dr.", "No. 5") or an initial. Decimals,
//     versions, host names and menu paths ("Settings → Billing",
//     "Settings > Billing") never split, because their dots and arrows are
//     not followed by a space and a capital. A line break ends a unit unless
//     the line reads as soft-wrapped prose; a short line without closing
//     punctuation is a heading.
//  2. Tokenise. Text is lower-cased and cut into runs of Unicode letters and
//     digits; each CJK ideograph or kana is a token of its own. A short
//     English stop-word list, which includes the framing of support
//     questions ("how", "can", "please", "long", "get"), is dropped, and the
//     rest is lightly stemmed, so "refunds" and "refunded" meet.
//  3. Weigh. A question term t weighs its rarity in front of us, the mean of
//     two smoothed IDFs, ln(1 + (N+1)/(df+1)): one over the quotable units
//     and one over the passages. The unit IDF lowers words every sentence
//     shares ("tap", "settings"); the passage IDF keeps the topic of the one
//     passage about it from looking common just because every sentence of
//     that passage repeats it. A term the passages never mention weighs the
//     most, which is what makes off-topic questions score low.
//  4. Choose. A unit's relevance is the share of the question's weight it
//     holds; a term found only in its passage's title, heading or nearest
//     heading line counts half. The first pick is the most relevant unit
//     plus 0.2/(1+passage rank). Each later pick maximises the weight of
//     still-uncovered terms (plus a fifth of re-covered weight) plus
//     structure bonuses: 0.5 for the sentence introducing a chosen item's
//     list ("…for the following options:"), 0.35 for the menu path that
//     leads to it ("From Settings, tap Display > Font"), 0.3 for the opening
//     sentence of a passage already quoted, 0.25 for the unit right after a
//     chosen one (0.35 if it is an instruction), 0.1 for the unit right
//     before; less 0.2 if it would add a citation. A pick must gain 0.3.
//     A numbered procedure is taken whole, in order, and counts as one
//     sentence, because half a procedure is worse than a longer answer; a
//     sentence introducing a list brings the list. Then every other
//     considered passage whose most relevant unit holds at least 0.7 of
//     the first pick's relevance has that unit quoted too (its procedure
//     whole), so a second passage that answers as well is quoted and cited
//     rather than dropped; this may go past MaxSentences by one unit per
//     passage.
//  5. Render. Chosen units are printed in passage order and, within a
//     passage, in reading order: a space between sentences, a line break
//     around list items, steps and code, a blank line between passages.
//     Each unit is followed by " [n]", n being the 1-based index of its
//     document's citation (after a fenced code block, on the next line).
//     Citations are deduplicated by document in order of first use; a
//     citation's snippet is its document's chosen text, trimmed to 240
//     characters on a word boundary. A bracketed number in the source that
//     could pass for a marker ("see [2]") is printed as "(2)".
//
// # Confidence
//
// Confidence is deterministic, in 0..1, the probability that the passages
// answer the question under a logistic model of three signals, and never
// falls when any of them rises:
//
//	confidence = σ(−3.69 + 2.51·C + 2.48·S + 2.08·B)
//
// The signals (Answerer.Signals) are:
//
//   - C, coverage: the share of the question's term weight (step 3) found in
//     the chosen units, a term found only in their title or heading
//     counting half. It is computed from the text itself, so it does not
//     depend on which embedder or corpus produced the scores.
//   - S, similarity: the best cosine similarity among the considered
//     passages, mapped linearly from 0.10..0.60 onto 0..1; unrelated text
//     sits near 0.1 with common embedders and clear matches above 0.6.
//   - B, BM25: the best BM25 among them, saturated as b/(b+10).
//
// The weights were fitted by Fit (`supportd bench calibrate`) on the tune
// halves of the two development sets (the Galaxy S10 manual and the
// developer documentation, each with its questions and its hard and
// out-of-domain negatives) and checked on the held-out halves (README,
// "Answerability, calibrated"). Agreement of the vector and BM25 lists, the gap between the
// two best BM25 scores and the coverage of the question's rarest terms
// were measured too and left out: with the other three in the model their
// weights came out near zero and the held-out half did not improve. With
// no passages, or no content word in the question, confidence is 0.
//
// Below Params.MinConfidence the answerer hands off: it returns
// HandoffText, a polite message that it does not know and that a person
// will follow up, and no citations. The default, 0.40, was chosen on the
// fitting half: there it hands off 94% of the manual's same-product
// negatives and 80% of the documentation's with 0% and 8% of the answerable
// questions handed off (0.35: 88% and 80%, with 0% and 2%). A knowledge
// base's own threshold is what `supportd tune` records.
package extract
