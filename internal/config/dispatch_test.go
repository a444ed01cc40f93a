package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFairWeights(t *testing.T) {
	w, err := ParseFairWeights(" a=3, b = 1 ,")
	require.NoError(t, err)
	require.Equal(t, map[string]int{"a": 3, "b": 1}, w)
	w, err = ParseFairWeights("")
	require.NoError(t, err)
	require.Empty(t, w)
	for _, bad := range []string{"a", "=2", "a=x", "a=0", "a=101", "a=1,a=2"} {
		_, err := ParseFairWeights(bad)
		require.Error(t, err, bad)
	}
}

func FuzzParseFairWeights(f *testing.F) {
	for _, seed := range []string{"a=3,b=1", "", "a=", "=1", "a=1,a=1", "x=100, y=1"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseFairWeights(s)
		if err != nil {
			return
		}
		for k, v := range w {
			if k == "" || v < 1 || v > 100 {
				t.Fatalf("%q: accepted %q=%d", s, k, v)
			}
		}
	})
}
