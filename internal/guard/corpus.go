package guard

// CorpusReport scores every text with a new Detector and returns the share
// of attacks at or above threshold (detection rate) and the share of
// benign texts at or above it (false-positive rate). An empty slice gives
// a rate of 0.
func CorpusReport(attacks, benign []string, threshold float64) (detection, falsePositive float64) {
	d := NewDetector()
	return flaggedShare(d, attacks, threshold), flaggedShare(d, benign, threshold)
}

func flaggedShare(d *Detector, texts []string, threshold float64) float64 {
	if len(texts) == 0 {
		return 0
	}
	n := 0
	for _, t := range texts {
		if d.Score(t).Score >= threshold {
			n++
		}
	}
	return float64(n) / float64(len(texts))
}
