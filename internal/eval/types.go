package eval

import "time"

// Message is one earlier turn of a case's conversation.
type Message struct {
	Role    string `json:"role"` // "user" or "assistant"
	Content string `json:"content"`
}

// Case is one golden question.
type Case struct {
	ID              string    `json:"id"`
	Question        string    `json:"question"`
	History         []Message `json:"history,omitempty"`
	ReferenceAnswer string    `json:"reference_answer"`
	// RequiredFacts must all appear in a correct answer: a literal string
	// (case-insensitive) or, with the prefix "re:", a regular expression.
	RequiredFacts []string `json:"required_facts"`
	// ExpectedSources are the source URIs that answer the question.
	ExpectedSources []string `json:"expected_sources"`
	// ShouldHandoff and ShouldRefuse mark questions the assistant must not
	// answer from the knowledge base (out of scope, unanswerable, unsafe).
	ShouldHandoff bool     `json:"should_handoff"`
	ShouldRefuse  bool     `json:"should_refuse"`
	Tags          []string `json:"tags"`
	// Line is where the case starts in its file, for error messages.
	Line int `json:"-"`
}

// Declines reports whether the case expects no answer from the knowledge base.
func (c Case) Declines() bool { return c.ShouldHandoff || c.ShouldRefuse }

// GoldenSet is a validated golden file.
type GoldenSet struct {
	Path  string
	Hash  string // hex SHA-256 of the file's bytes
	Cases []Case
}

// Observation is what the pipeline produced for one case.
type Observation struct {
	Answer         string        `json:"answer"`
	Mode           string        `json:"mode"`
	DegradedReason string        `json:"degraded_reason,omitempty"`
	Confidence     float64       `json:"confidence"`
	Retrieved      []string      `json:"retrieved"` // document URIs in rank order, deduplicated
	Passages       []string      `json:"-"`         // texts of the retrieved passages (for groundedness)
	Cited          []string      `json:"cited"`     // document URIs the answer cites, in order
	Latency        time.Duration `json:"latency_ns"`
	PromptTokens   int           `json:"prompt_tokens"`
	OutputTokens   int           `json:"completion_tokens"`
	CostUSD        float64       `json:"cost_usd"`
	// Error is set when the pipeline failed for this case.
	Error string `json:"error,omitempty"`
}

// Handled reports whether the assistant declined to answer (handoff or
// refusal).
func (o Observation) Handled() bool { return o.Mode == "handoff" || o.Mode == "refused" }

// Case statuses.
const (
	StatusOK    = "ok"
	StatusError = "error" // the pipeline failed; not scored as a model failure
	StatusStale = "stale" // an expected source is no longer in the knowledge base
)

// Metric names. A metric absent from a result's Metrics does not apply to
// that case (e.g. retrieval metrics for a case with no expected source).
const (
	MetricRecallAtK         = "recall@k"
	MetricMRR               = "mrr"
	MetricNDCG10            = "ndcg@10"
	MetricFactCoverage      = "fact_coverage"
	MetricTokenF1           = "token_f1"
	MetricRougeL            = "rouge_l"
	MetricCitationPrecision = "citation_precision"
	MetricCitationRecall    = "citation_recall"
	MetricGroundedness      = "groundedness"
	MetricDeclineCorrect    = "decline_correct" // 1 when the handoff/refusal decision was right
	MetricJudgeFaithfulness = "judge_faithfulness"
	MetricJudgeRelevance    = "judge_relevance"
)

// CaseResult is one scored case.
type CaseResult struct {
	CaseID  string             `json:"case_id"`
	Tags    []string           `json:"tags"`
	Status  string             `json:"status"`
	Pass    bool               `json:"pass"`
	Metrics map[string]float64 `json:"metrics"`
	// Failures says why the case did not pass, e.g. `missing fact "14 days"`.
	Failures []string    `json:"failures,omitempty"`
	Obs      Observation `json:"observation"`
}

// Interval is a confidence interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// Stat is one aggregated metric: its mean over the cases it applies to,
// the number of those cases, and a bootstrap 95% interval of the mean.
type Stat struct {
	Mean float64  `json:"mean"`
	N    int      `json:"n"`
	CI   Interval `json:"ci"`
}

// Summary aggregates a run.
type Summary struct {
	Cases    int  `json:"cases"`
	Passed   int  `json:"passed"`
	Errors   int  `json:"errors"`
	Stale    int  `json:"stale"`
	PassRate Stat `json:"pass_rate"`
	// Metrics over all scored cases, and per tag.
	Metrics map[string]Stat            `json:"metrics"`
	Slices  map[string]map[string]Stat `json:"slices"`
	// Decline is precision and recall of handoff/refusal against
	// should_handoff/should_refuse.
	DeclinePrecision float64 `json:"decline_precision"`
	DeclineRecall    float64 `json:"decline_recall"`
	// AnswerPrecision and AnswerRecall are the same for answering:
	// answered cases that expect an answer / answered cases, and / cases
	// that expect an answer. ECE is the expected calibration error of
	// confidence against a right answer (see Summarize).
	AnswerPrecision float64        `json:"answer_precision"`
	AnswerRecall    float64        `json:"answer_recall"`
	ECE             float64        `json:"ece"`
	LatencyP50      time.Duration  `json:"latency_p50_ns"`
	LatencyP95      time.Duration  `json:"latency_p95_ns"`
	PromptTokens    int            `json:"prompt_tokens"`
	OutputTokens    int            `json:"completion_tokens"`
	CostUSD         float64        `json:"cost_usd"`
	Modes           map[string]int `json:"modes"`
}

// RunMeta identifies what a run measured.
type RunMeta struct {
	ID int64 `json:"id"`
	// Tenant owns the run; the store writes its results under it.
	Tenant         string            `json:"-"`
	StartedAt      time.Time         `json:"started_at"`
	FinishedAt     *time.Time        `json:"finished_at,omitempty"`
	Status         string            `json:"status"`  // "running", "complete", "incomplete"
	Trigger        string            `json:"trigger"` // "cli", "schedule", "api"
	GoldenPath     string            `json:"golden_path"`
	GoldenHash     string            `json:"golden_hash"`
	KB             string            `json:"kb"`
	ContentVersion int64             `json:"content_version"`
	PromptVersions map[string]string `json:"prompt_versions,omitempty"`
	Model          string            `json:"model"`
	GitCommit      string            `json:"git_commit,omitempty"`
	Config         map[string]any    `json:"config,omitempty"` // e.g. top_k
	// AcceptedAt is set when the run was accepted as the baseline.
	AcceptedAt *time.Time `json:"accepted_at,omitempty"`
	AcceptedBy string     `json:"accepted_by,omitempty"`
}

// Run is a complete evaluation: metadata, the summary and every case.
type Run struct {
	Meta    RunMeta      `json:"meta"`
	Summary Summary      `json:"summary"`
	Results []CaseResult `json:"results"`
}

// Move is one metric's change against the baseline, overall ("" slice) or
// in one tag's slice.
type Move struct {
	Metric  string  `json:"metric"`
	Slice   string  `json:"slice,omitempty"`
	Base    float64 `json:"base"`
	Current float64 `json:"current"`
	Delta   float64 `json:"delta"`
	// Threshold is the largest drop tolerated; Noise is the half-width of
	// the bootstrap interval of the difference.
	Threshold float64 `json:"threshold"`
	Noise     float64 `json:"noise"`
	Regressed bool    `json:"regressed"`
}

// Comparison is a run against its baseline.
type Comparison struct {
	BaseID    int64    `json:"base_id"`
	CurrentID int64    `json:"current_id"`
	Moves     []Move   `json:"moves"`
	Flipped   []string `json:"flipped"` // case ids that passed in the baseline and fail now
	Fixed     []string `json:"fixed"`   // case ids that failed in the baseline and pass now
	// Unscored lists the case ids the baseline scored that this run could
	// not (the pipeline errored or the case went stale), sorted.
	Unscored  []string `json:"unscored"`
	Regressed bool     `json:"regressed"`
}
