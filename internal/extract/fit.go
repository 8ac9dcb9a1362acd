package extract

import "math"

// Weights are the answerability model's coefficients: confidence is
// σ(Intercept + Coverage·C + Similarity·S + BM25·B) of the Signals.
type Weights struct {
	Intercept, Coverage, Similarity, BM25 float64
}

// Model is the shipped answerability model, fitted with `supportd bench
// calibrate` (README, "Answerability, calibrated").
var Model = Weights{Intercept: interceptWeight, Coverage: coverageWeight, Similarity: similarityWeight, BM25: bm25Weight}

// Probability is the model's P(the knowledge base answers this) for s.
func (w Weights) Probability(s Signals) float64 {
	z := w.Intercept + w.Coverage*s.Coverage + w.Similarity*s.Similarity + w.BM25*s.BM25
	return clamp01(1 / (1 + math.Exp(-z)))
}

// Labelled is one question's signals and whether the knowledge base
// answers it.
type Labelled struct {
	Signals
	Answerable bool
}

// Fitting: Newton's method on the mean log loss with a ridge penalty on
// the signals' weights. Nearly without it (1e-4) the fit on the development
// sets' tune halves is far steeper (intercept −12, BM25 ×13): better log
// loss held out, but it answers out-of-domain questions at confidence
// ≥ 0.7 and hands off twice as many questions with an off-topic word
// appended; DefaultRidge keeps the model gentle (README, "Answerability,
// calibrated"). A signal whose weight would turn negative is fixed at zero and
// the rest refitted, until every weight is non-negative: the active-set
// answer to the constrained problem, which for four parameters takes a
// few passes of a few Newton steps.
const fitSteps = 50

// DefaultRidge is the ridge penalty `supportd bench calibrate` fits with.
const DefaultRidge = 0.01

// Fit returns the logistic regression of data's labels on their signals,
// with ridge times the squared signal weights added to the mean log loss
// and every signal's weight non-negative, so confidence never falls when
// a signal rises. It returns Model for no data; the result is
// deterministic.
func Fit(data []Labelled, ridge float64) Weights {
	if len(data) == 0 {
		return Model
	}
	free := [4]bool{true, true, true, true}
	for {
		w := newton(data, free, ridge)
		dropped := false
		for j := 1; j < 4; j++ {
			if free[j] && w[j] < 0 {
				free[j], dropped = false, true
			}
		}
		if !dropped {
			return Weights{Intercept: w[0], Coverage: w[1], Similarity: w[2], BM25: w[3]}
		}
	}
}

// newton minimises the penalised log loss over the free coefficients,
// the others held at zero.
func newton(data []Labelled, free [4]bool, ridge float64) [4]float64 {
	var w [4]float64
	n := float64(len(data))
	for range fitSteps {
		var g [4]float64
		var h [4][4]float64
		for _, d := range data {
			x := features(d.Signals)
			p := sigmoid(dot(w, x))
			for j := range 4 {
				g[j] += (p - label(d.Answerable)) * x[j] / n
				for k := range 4 {
					h[j][k] += p * (1 - p) * x[j] * x[k] / n
				}
			}
		}
		for j := range 4 {
			if j > 0 {
				g[j] += ridge * w[j]
				h[j][j] += ridge
			}
			if !free[j] { // a fixed coefficient: no step, decoupled
				g[j] = 0
				for k := range 4 {
					h[j][k], h[k][j] = 0, 0
				}
				h[j][j] = 1
			}
		}
		step := solve(h, g)
		moved := 0.0
		for j := range w {
			w[j] -= step[j]
			moved = math.Max(moved, math.Abs(step[j]))
		}
		if moved < 1e-10 {
			break
		}
	}
	return w
}

// solve returns x with a·x = b by Gaussian elimination with partial
// pivoting; a is symmetric positive definite here.
func solve(a [4][4]float64, b [4]float64) [4]float64 {
	for c := range 4 {
		p := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(a[r][c]) > math.Abs(a[p][c]) {
				p = r
			}
		}
		a[c], a[p] = a[p], a[c]
		b[c], b[p] = b[p], b[c]
		for r := c + 1; r < 4; r++ {
			f := a[r][c] / a[c][c]
			for k := c; k < 4; k++ {
				a[r][k] -= f * a[c][k]
			}
			b[r] -= f * b[c]
		}
	}
	var x [4]float64
	for r := 3; r >= 0; r-- {
		s := b[r]
		for k := r + 1; k < 4; k++ {
			s -= a[r][k] * x[k]
		}
		x[r] = s / a[r][r]
	}
	return x
}

// LogLoss is the mean negative log-likelihood of data under w.
func LogLoss(w Weights, data []Labelled) float64 {
	if len(data) == 0 {
		return 0
	}
	const eps = 1e-12
	sum := 0.0
	for _, d := range data {
		p := math.Min(math.Max(w.Probability(d.Signals), eps), 1-eps)
		if d.Answerable {
			sum -= math.Log(p)
		} else {
			sum -= math.Log(1 - p)
		}
	}
	return sum / float64(len(data))
}

func features(s Signals) [4]float64 { return [4]float64{1, s.Coverage, s.Similarity, s.BM25} }

func dot(w, x [4]float64) float64 { return w[0]*x[0] + w[1]*x[1] + w[2]*x[2] + w[3]*x[3] }

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

func label(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
