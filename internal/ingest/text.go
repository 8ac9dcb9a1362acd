package ingest

// extractText loads a plain-text file; its first non-blank line is the
// title. The text is kept whole, title line included.
func extractText(name string, data []byte) (extracted, error) {
	s, err := requireUTF8(name, data)
	if err != nil {
		return extracted{}, err
	}
	return extracted{title: firstLine(s), text: s}, nil
}
