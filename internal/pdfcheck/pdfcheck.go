// Package pdfcheck opens PDFs in tests the way a reader would: their text
// through pdftotext and their QR codes through pdftoppm and a QR decoder
// (poppler-utils must be installed; scripts/services.sh installs it).
package pdfcheck

import (
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// tool finds a poppler-utils command; a missing tool fails the test.
func tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is required by this test: install it with `apt-get install -y poppler-utils`", name)
	}
	return p
}

func writeTemp(t testing.TB, pdf []byte) (dir, path string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatalf("write pdf: %v", err)
	}
	return dir, path
}

// Text extracts the text of pdf with pdftotext; a PDF it cannot open
// fails the test.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	_, path := writeTemp(t, pdf)
	out, err := exec.Command(tool(t, "pdftotext"), "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, out)
	}
	return string(out)
}

// QRCode rasterizes the first page of pdf with pdftoppm and returns the
// text of the QR code on it: at 150 dpi, and again at 300 dpi (as a phone
// brought closer) when the first reading fails; no reading at either fails
// the test. gozxing misreads a few of the 150 dpi rasters of a valid code
// (a Reed-Solomon error, content-dependent: 0 in 120 sample certificates,
// once in a CI run).
func QRCode(t testing.TB, pdf []byte) string {
	t.Helper()
	dir, path := writeTemp(t, pdf)
	var failures []string
	for _, dpi := range []string{"150", "300"} {
		page := filepath.Join(dir, "page-"+dpi)
		out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", dpi, "-singlefile", path, page).CombinedOutput()
		if err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, out)
		}
		text, err := readQRCode(page + ".png")
		if err == nil {
			return text
		}
		failures = append(failures, dpi+" dpi: "+err.Error())
	}
	t.Fatalf("no readable QR code on the page: %s", strings.Join(failures, "; "))
	return ""
}

// readQRCode decodes the QR code in the PNG file at path.
func readQRCode(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("open rendered page: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return "", fmt.Errorf("decode rendered page: %w", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("binarize rendered page: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", err
	}
	return res.GetText(), nil
}
