// Package pdfcheck opens PDFs in tests the way a reader would: their text
// through pdftotext and their QR codes through pdftoppm and a QR decoder
// (poppler-utils must be installed; scripts/services.sh installs it).
package pdfcheck

import (
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
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

// QRCode rasterizes the first page of pdf at 150 dpi with pdftoppm and
// returns the text of the QR code on it; no readable QR code fails the test.
func QRCode(t testing.TB, pdf []byte) string {
	t.Helper()
	dir, path := writeTemp(t, pdf)
	out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", "150", "-singlefile", path, filepath.Join(dir, "page")).CombinedOutput()
	if err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatalf("open rendered page: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("decode rendered page: %v", err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binarize rendered page: %v", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no readable QR code on the page: %v", err)
	}
	return res.GetText()
}
