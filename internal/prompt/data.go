package prompt

// Roles a Message may have.
const (
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one earlier message of a conversation.
type Message struct {
	// Role is RoleUser (the customer) or RoleAssistant.
	Role string
	// Content is the message text; untrusted.
	Content string
}

// Passage is one retrieved passage as the model sees it.
type Passage struct {
	// ID is the label the model cites, such as "P1". Empty means "P<n>"
	// by position (1-based); otherwise it must be unique within the
	// prompt and made of ASCII letters, digits, '-', '_' and '.'.
	ID string
	// Title, Source and Text are untrusted. Text is trimmed of leading
	// and trailing white space.
	Title, Source, Text string
}

// SystemData is the data of system.tmpl.
type SystemData struct {
	// Product names the product the assistant supports; empty gives
	// generic wording.
	Product string
	// Canary is a random token the output filter looks for to detect a
	// leaked system prompt; empty leaves the line out.
	Canary string
}

// AnswerData is the data of answer.tmpl.
type AnswerData struct {
	Question string
	Passages []Passage
	// Pasted is a bounded excerpt of what the customer pasted under the
	// question (log lines, a stack trace, system info); untrusted. Empty
	// leaves its block out.
	Pasted string
}

// CondenseData is the data of condense.tmpl.
type CondenseData struct {
	// History is the conversation so far, oldest first.
	History  []Message
	Question string
}

// JudgeData is the data of judge.tmpl.
type JudgeData struct {
	// Reference is the expected answer from the golden set; Answer is
	// the answer being graded.
	Question, Reference, Answer string
	Passages                    []Passage
}
