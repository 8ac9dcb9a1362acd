package bench

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// WriteSignals writes records to path as JSON lines, replacing the file.
func WriteSignals(path string, records []SignalRecord) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("signals: %w", err)
	}
	defer func() { err = errors.Join(err, f.Close()) }()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, r := range records {
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("signals %s: %w", path, err)
		}
	}
	return w.Flush()
}

// LoadSignals reads the JSON lines WriteSignals wrote.
func LoadSignals(path string) ([]SignalRecord, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("signals: %w", err)
	}
	defer f.Close()
	var out []SignalRecord
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r SignalRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("signals %s line %d: %w", path, line, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("signals %s: %w", path, err)
	}
	return out, nil
}
