package core

// ReviewQueued is a turn queued for a person's review: which turn, of
// which conversation and end user, and why. Webhooks carry it.
type ReviewQueued struct {
	TurnID         int64  `json:"turn_id"`
	ConversationID string `json:"conversation_id"`
	EndUserID      string `json:"user_id,omitempty"`
	Reason         string `json:"reason"`
}
