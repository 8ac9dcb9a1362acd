package soak

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Done is what the last event of a streamed /v1/chat answer says.
type Done struct {
	TurnID         int64  `json:"turn_id"`
	ConversationID string `json:"conversation_id"`
	Mode           string `json:"mode"`
}

// ReadStream reads a /v1/chat event stream to its done event and returns
// it with the number of token events before it. A stream that ends
// without one, or sends an error event, failed.
func ReadStream(r io.Reader) (Done, int, error) {
	var done Done
	tokens := 0
	sc := bufio.NewScanner(r)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
			continue
		}
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		switch event {
		case "token":
			tokens++
		case "error":
			return done, tokens, fmt.Errorf("error event: %s", data)
		case "done":
			if err := json.Unmarshal([]byte(data), &done); err != nil {
				return done, tokens, fmt.Errorf("done event: %w", err)
			}
			return done, tokens, nil
		}
	}
	if err := sc.Err(); err != nil {
		return done, tokens, err
	}
	return done, tokens, fmt.Errorf("stream ended without a done event")
}
