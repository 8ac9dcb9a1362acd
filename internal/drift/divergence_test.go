package drift_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"supportd/internal/drift"
)

func TestSmooth(t *testing.T) {
	t.Parallel()
	// (c + 0.5) / (10 + 3·0.5): 8.5/11.5, 2.5/11.5, 0.5/11.5.
	require.InDeltaSlice(t, []float64{8.5 / 11.5, 2.5 / 11.5, 0.5 / 11.5}, drift.Smooth([]float64{8, 2, 0}, 0.5), 1e-12)
	require.Equal(t, []float64{0, 0}, drift.Smooth([]float64{0, 0}, 0))
}

func TestPSI(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		p, q []float64
		want float64
	}{
		{"identical", []float64{0.5, 0.5}, []float64{0.5, 0.5}, 0},
		// (0.9−0.5)·ln(0.9/0.5) + (0.1−0.5)·ln(0.1/0.5) = 0.4·0.587787 + 0.4·1.609438
		{"two bins", []float64{0.5, 0.5}, []float64{0.9, 0.1}, 0.4*math.Log(1.8) + 0.4*math.Log(5)},
		// 0.1·ln(0.3/0.2) + (−0.1)·ln(0.2/0.3) + 0 = 0.2·ln 1.5 = 0.081093
		{"three bins", []float64{0.2, 0.3, 0.5}, []float64{0.3, 0.2, 0.5}, 0.2 * math.Log(1.5)},
		// Symmetric: swapping p and q gives the same value.
		{"symmetric", []float64{0.9, 0.1}, []float64{0.5, 0.5}, 0.4*math.Log(1.8) + 0.4*math.Log(5)},
		// A smoothed new category: 1% → 40%, the rest 99% → 60%.
		{"new category", []float64{0.99, 0.01}, []float64{0.6, 0.4}, 0.39*math.Log(0.99/0.6) + 0.39*math.Log(40)},
	} {
		require.InDelta(t, c.want, drift.PSI(c.p, c.q), 1e-12, c.name)
	}
	require.InDelta(t, 0.081093, drift.PSI([]float64{0.2, 0.3, 0.5}, []float64{0.3, 0.2, 0.5}), 1e-6)
}

func TestJensenShannon(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		p, q []float64
		want float64
	}{
		{"identical", []float64{0.25, 0.75}, []float64{0.25, 0.75}, 0},
		{"disjoint", []float64{1, 0}, []float64{0, 1}, 1},
		// m = (0.75, 0.25): ½·[1·log₂(1/0.75)] + ½·[0.5·log₂(0.5/0.75) + 0.5·log₂(0.5/0.25)]
		// = ½·0.415037 + ½·(−0.292481 + 0.5) = 0.311278
		{"half overlap", []float64{1, 0}, []float64{0.5, 0.5}, 0.5*math.Log2(4.0/3) + 0.5*(0.5*math.Log2(2.0/3)+0.5)},
		// 40% of the traffic moves to a bin the reference never saw:
		// m = (0.8, 0.2); ½·log₂(1/0.8) + ½·(0.6·log₂(0.75) + 0.4·log₂ 2) = 0.236
		{"new bin 40%", []float64{1, 0}, []float64{0.6, 0.4}, 0.5*math.Log2(1.25) + 0.5*(0.6*math.Log2(0.75)+0.4)},
		// However the new share spreads over new bins, JS is the same.
		{"two new bins 40%", []float64{0.5, 0.5, 0, 0}, []float64{0.3, 0.3, 0.3, 0.1}, 0.5*math.Log2(1.25) + 0.5*(0.6*math.Log2(0.75)+0.4)},
		{"new bin 10%", []float64{1, 0}, []float64{0.9, 0.1}, 0.5*math.Log2(1/0.95) + 0.5*(0.9*math.Log2(0.9/0.95)+0.1)},
	} {
		require.InDelta(t, c.want, drift.JensenShannon(c.p, c.q), 1e-12, c.name)
		require.InDelta(t, c.want, drift.JensenShannon(c.q, c.p), 1e-12, c.name+" swapped")
	}
	require.InDelta(t, 0.311278, drift.JensenShannon([]float64{1, 0}, []float64{0.5, 0.5}), 1e-6)
	require.InDelta(t, 0.236453, drift.JensenShannon([]float64{1, 0}, []float64{0.6, 0.4}), 1e-6)
	require.InDelta(t, 0.051899, drift.JensenShannon([]float64{1, 0}, []float64{0.9, 0.1}), 1e-6)
}

func TestTwoProportionZ(t *testing.T) {
	t.Parallel()
	// 10/100 → 35/100: r = 0.225, se = √(0.225·0.775·0.02) = 0.059055,
	// z = 0.25 / 0.059055 = 4.2334.
	require.InDelta(t, 4.2334, drift.TwoProportionZ(10, 100, 35, 100), 1e-4)
	require.InDelta(t, -4.2334, drift.TwoProportionZ(35, 100, 10, 100), 1e-4)
	require.Zero(t, drift.TwoProportionZ(0, 100, 0, 100))
	require.Zero(t, drift.TwoProportionZ(5, 0, 3, 10))
}
