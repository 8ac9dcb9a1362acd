// Package drift tells whether the questions users ask have shifted: it
// compares a recent window of answered questions with a reference window
// and reports which aspects moved, by how much, and whether the move is
// both large and statistically real. It also lists what is new (terms that
// were out of vocabulary in the reference window) and where the assistant
// is failing (topics with the most handoffs and low-confidence answers).
//
// The package is pure computation: Compare takes two slices of Question and
// a Params and returns a Report, with no I/O, clock, randomness from outside
// or package state. The same windows always give the same report. Loading
// turns, scheduling, metrics, webhooks and rendering belong to the caller.
// It imports only the standard library, golang.org/x/text, the core nouns
// and internal/text (which scripts are written without spaces); it must not
// import the store, the assistant, the HTTP layer or any other supportd
// package.
//
// Its terms are its own (see Terms): they count the surface vocabulary of
// questions in seven languages, keep product names and error codes such as
// "qp-pair-512" whole and unstemmed, since a new code is exactly the signal,
// and pair up characters of spaceless scripts; the shared tokenizer splits
// codes at hyphens and stems English only, which would blur those signals.
//
// # Signals
//
// Compare reports eight signals. Every alert needs two things: an effect at
// least as large as its threshold, and evidence z ≥ Params.MinZ (default 3)
// that the effect is not sampling noise. The first stops tiny but
// significant shifts in heavy traffic from alerting; the second stops
// noisy but meaningless shifts in light traffic.
//
//	name            metric      effect                               evidence
//	topics          psi         PSI of the TopDoc mix ≥ PSIAlert     permutation z
//	topics          js          JS of the TopDoc mix ≥ JSAlert       permutation z
//	terms           js          JS of the term mix ≥ JSAlert         permutation z
//	language        psi         PSI of the language mix ≥ PSIAlert   permutation z
//	language        rate_delta  rise in share not in the main        two-proportion z
//	                            language ≥ RateAlert
//	pasted_logs     rate_delta  rise in pasted-log share ≥ RateAlert two-proportion z
//	low_confidence  rate_delta  rise in low-confidence share         two-proportion z
//	handoff         rate_delta  rise in handoff share                two-proportion z
//
// Rates only alert when they rise; a fall in handoffs is good news.
//
// # Distributions and smoothing
//
// A distribution is a vector of counts c_1..c_k over k bins with total N.
// Both windows are turned into probabilities with the same additive
// smoothing, a pseudo-count α = 0.5 per bin (the Jeffreys prior):
//
//	p_i = (c_i + α) / (N + k·α)
//
// so an empty bin gets a small positive share (about 0.1% in a window of
// 500) instead of zero, which keeps the logarithms finite, and rare bins
// are pulled towards uniform, which damps their noise.
//
// Topic bins are the 30 most frequent TopDoc values in both windows
// together that occur at least 5 times, plus "(none)" for questions that
// retrieved nothing and "(other)" for the rest. Term bins are the 400
// terms with the most mass in both windows together plus "(other)"; each
// question spreads one unit of mass evenly over its distinct terms, so a
// 200-line stack trace weighs as much as a one-line question. Language bins
// are the detected languages of questions that are not pasted logs and
// whose language was determined (not "und"). Bins are chosen from both
// windows together so that they do not depend on which question fell in
// which window, which the permutation test below needs; a term in the top
// 200 of either window is nearly always among the pooled top 400.
//
// # Population stability index
//
// With p the reference and q the recent distribution, natural logarithm:
//
//	PSI = Σ_i (q_i − p_i) · ln(q_i / p_i)
//
// PSI is the symmetrised Kullback–Leibler divergence KL(q‖p) + KL(p‖q).
// The usual reading is < 0.1 stable, 0.1–0.25 moderate, > 0.25 significant.
// Under no change, PSI·n₁n₂/(n₁+n₂) is roughly χ² with k−1 degrees of
// freedom, so with many bins and few questions PSI is large by chance
// alone: about (k−1)·(1/n₁ + 1/n₂) before smoothing, 0.6 for 31 bins and
// 100 questions a side (the tests measure a median of 0.29 with
// smoothing). That is why it is paired with a significance test.
//
// # Jensen–Shannon divergence
//
// With m = (p + q)/2 and logarithm base 2:
//
//	JS = ½ Σ_i p_i · log₂(p_i / m_i) + ½ Σ_i q_i · log₂(q_i / m_i)
//
// JS lies in [0, 1]: 0 for identical distributions, 1 for disjoint ones,
// and it is finite even where one side is zero. When a share s of the
// traffic moves to bins the reference never saw, however it spreads over
// them,
//
//	JS = ½·log₂(1/(1−s/2)) + ½·[(1−s)·log₂((1−s)/(1−s/2)) + s]
//
// which is 0.052 for s = 10%, 0.108 for 20% and 0.236 for 40%; new
// questions that share some terms with old ones give less. The default
// JSAlert of 0.05 is thus "about a tenth of the traffic is about something
// else".
//
// # Permutation z for distributions
//
// The questions of both windows are pooled and their window labels shuffled
// R times (Params.Permutations, default 100; a PCG generator with a fixed
// seed keeps reports reproducible). Each shuffle keeps the window sizes and
// recomputes the statistic, which gives its mean μ₀ and variance σ₀² when
// nothing changed, whatever the bins, the sample sizes or the dependence
// between terms of one question. PSI and JS under no change are skewed,
// like a scaled χ², so (x − μ₀)/σ₀ would overstate the evidence in the
// tail. Instead the moments are matched to a·χ²_ν (a = σ₀²/2μ₀,
// ν = 2μ₀²/σ₀²) and the observed value x goes through the Wilson–Hilferty
// transform of that χ²:
//
//	z = ((x/μ₀)^⅓ − (1 − 2/9ν)) / √(2/9ν)
//
// which is close to standard normal when nothing changed, so z ≥ 3 means
// the same (one-sided p ≈ 0.1%) for distributions as for rates.
//
// # Rates and the two-proportion z-test
//
// For a rate with x₁ of n₁ reference and x₂ of n₂ recent questions,
// r₁ = x₁/n₁, r₂ = x₂/n₂, pooled r = (x₁+x₂)/(n₁+n₂):
//
//	z = (r₂ − r₁) / √( r·(1−r)·(1/n₁ + 1/n₂) )
//
// and the signal's Value is the rise Δ = r₂ − r₁. Rates:
//
//   - low_confidence: Confidence < Params.LowConfidence, refusals excluded
//     from the count (a refusal carries no retrieval confidence), over all
//     questions;
//   - handoff: Mode == "handoff", over all questions;
//   - pasted_logs: IsPastedLog(Text), over all questions;
//   - language: share of questions not in the reference window's most
//     common language, over questions that are not pasted logs and whose
//     language was determined.
//
// # New terms
//
// A term is new when it occurs in at least max(MinTermCount,
// ⌈MinTermShare·n₂⌉) recent questions and its lift
//
//	lift = (d₂/n₂) / ((d₁+1)/(n₁+1))
//
// is at least MinTermLift (default 5), with d₁, d₂ the number of reference
// and recent questions containing it. The +1 keeps the lift finite for
// terms absent from the reference window. New terms are ranked by d₂.
//
// # Unanswered topics
//
// A question is unanswered when it was handed off or its confidence is below
// LowConfidence (refusals excluded). Recent questions are grouped by TopDoc;
// those that retrieved nothing are grouped by their term that is most
// frequent among such questions. Groups are ranked by how many unanswered
// questions they hold, then by share.
//
// # Language and pasted-log detection
//
// DetectLanguage and IsPastedLog are heuristics with documented limits; see
// their comments. Pasted logs are left out of the language statistics,
// because the language of a stack trace says nothing about the asker.
package drift
