package benchplot

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSaveWritesAPNG(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.png")
	require.NoError(t, Save(Chart{Title: "throughput", XLabel: "concurrency", YLabel: "req/s", LogX: true, Series: []Series{
		{Name: "app", X: []float64{1, 2, 4}, Y: []float64{100, 180, 240}},
		{Name: "bare", X: []float64{1, 2, 4}, Y: []float64{150, 260, 300}},
	}}, path))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(raw))
	require.NoError(t, err)
	require.Greater(t, img.Bounds().Dx(), 300)

	err = Save(Chart{Series: []Series{{Name: "bad", X: []float64{1}, Y: nil}}}, path)
	require.ErrorContains(t, err, "1 x and 0 y")
}
