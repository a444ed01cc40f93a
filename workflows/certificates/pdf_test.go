package certificates

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"
)

// pdfText extracts the text of a PDF with pdftotext (poppler-utils).
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool := requireTool(t, "pdftotext", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, "cert.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o600))
	out, err := exec.Command(tool, "-enc", "UTF-8", in, "-").CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", out)
	return string(out)
}

// pdfQRCode rasterizes the first page with pdftoppm (poppler-utils) at
// 150 dpi and decodes the QR code on it.
func pdfQRCode(t *testing.T, pdf []byte) string {
	t.Helper()
	tool := requireTool(t, "pdftoppm", "poppler-utils")
	dir := t.TempDir()
	in := filepath.Join(dir, "cert.pdf")
	require.NoError(t, os.WriteFile(in, pdf, 0o600))
	out, err := exec.Command(tool, "-png", "-r", "150", "-singlefile", in, filepath.Join(dir, "page")).CombinedOutput()
	require.NoError(t, err, "pdftoppm: %s", out)
	f, err := os.Open(filepath.Join(dir, "page.png"))
	require.NoError(t, err)
	defer f.Close()
	img, err := png.Decode(f)
	require.NoError(t, err)
	size := img.Bounds().Size()
	require.InDelta(t, 1754, size.X, 2, "A4 landscape at 150 dpi: %v", size)
	require.InDelta(t, 1240, size.Y, 2, "A4 landscape at 150 dpi: %v", size)

	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	require.NoError(t, err)
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	require.NoError(t, err, "decode QR code from rendered page")
	return res.GetText()
}

func requireCJKFont(t *testing.T) {
	t.Helper()
	_, ok := FindCJKFont()
	require.Truef(t, ok, "a CJK TrueType font is required by this test: install it with `apt-get install -y fonts-droid-fallback` (looked for %v)", DefaultCJKFontPaths)
}

func TestRenderPDF(t *testing.T) {
	t.Parallel()
	in := testInput()
	pdf, err := RenderPDF(PDFInput{Input: in})
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	require.Less(t, len(pdf), 200_000, "the CJK font must be subset, not embedded whole")

	text := pdfText(t, pdf)
	for _, want := range []string{
		in.Serial, in.CourseTitle, in.HolderName, in.VerifyURL, in.IssuerName,
		ProgrammeName, "CERTIFICATE OF COMPLETION", "Issued on 1 June 2025",
	} {
		require.Contains(t, text, want)
	}
	require.Equal(t, in.VerifyURL, pdfQRCode(t, pdf))
}

func TestRenderPDFChineseWithCJKFont(t *testing.T) {
	t.Parallel()
	requireCJKFont(t)
	in := testInput()
	in.HolderName = "张伟"
	in.CourseTitle = "直播带货实战 Live Commerce 101"
	in.IssuerName = "明日网商项目组"
	pdf, err := RenderPDF(PDFInput{Input: in})
	require.NoError(t, err)
	text := pdfText(t, pdf)
	for _, want := range []string{ProgrammeName, ProgrammeNameZH, "张伟", "直播带货实战", "Live Commerce 101", "明日网商项目组", in.Serial} {
		require.Contains(t, text, want)
	}
	require.NotContains(t, text, unprintablePlaceholder)
	require.Equal(t, in.VerifyURL, pdfQRCode(t, pdf))
}

func TestRenderPDFChineseWithoutCJKFont(t *testing.T) {
	t.Parallel()
	in := testInput()
	in.HolderName = "张伟"
	pdf, err := RenderPDF(PDFInput{Input: in, NoCJKFont: true})
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
	text := pdfText(t, pdf)
	require.Contains(t, text, unprintablePlaceholder)
	require.Contains(t, text, in.Serial)
	require.Contains(t, text, in.CourseTitle)
	require.NotContains(t, text, "张伟")
	require.NotContains(t, text, ProgrammeNameZH)
	require.Equal(t, in.VerifyURL, pdfQRCode(t, pdf))
}

// TestRenderPDFNeverFailsOnScript renders awkward names with and without
// the CJK font: none may panic or fail.
func TestRenderPDFNeverFailsOnScript(t *testing.T) {
	t.Parallel()
	requireCJKFont(t)
	names := []string{
		"张伟",
		"欧阳 Nana",                    // mixed scripts
		"𠀀𪚥",                         // CJK Extension B (outside the BMP)
		"\U00010000",                 // first non-BMP rune
		"Ļuba 😀",                     // emoji
		"محمد",                       // right-to-left
		"a\u200db\u0301",             // zero-width joiner, combining mark
		"tab\tnew\nline\x00nul",      // control characters
		"bad \xff\xfe utf8",          // invalid UTF-8
		strings.Repeat("长名字", 200),   // far too long
		strings.Repeat("Wide ", 200), // far too long, Latin
	}
	for _, name := range names {
		for _, noCJK := range []bool{false, true} {
			in := testInput()
			in.HolderName, in.CourseTitle, in.IssuerName = name, name, name
			var pdf []byte
			require.NotPanics(t, func() {
				var err error
				pdf, err = RenderPDF(PDFInput{Input: in, NoCJKFont: noCJK})
				require.NoError(t, err, "name %q noCJK=%v", name, noCJK)
			}, "name %q noCJK=%v", name, noCJK)
			require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-")))
		}
	}
}

func TestRenderPDFDeterministic(t *testing.T) {
	t.Parallel()
	in := PDFInput{Input: testInput()}
	in.HolderName = "张伟"
	a, err := RenderPDF(in)
	require.NoError(t, err)
	b, err := RenderPDF(in)
	require.NoError(t, err)
	require.Equal(t, a, b)
}

func TestRenderPDFErrors(t *testing.T) {
	t.Parallel()
	missing := testInput()
	missing.HolderName = "\u00a0\u3000 "
	missing.VerifyURL = ""
	_, err := RenderPDF(PDFInput{Input: missing})
	require.ErrorContains(t, err, "render pdf: missing HolderName, VerifyURL")

	_, err = RenderPDF(PDFInput{Input: testInput(), CJKFontPath: filepath.Join(t.TempDir(), "nope.ttf")})
	require.ErrorContains(t, err, "render pdf: read CJK font")

	junk := filepath.Join(t.TempDir(), "junk.ttc")
	require.NoError(t, os.WriteFile(junk, []byte("ttcf\x00\x01\x00\x00"), 0o600))
	_, err = RenderPDF(PDFInput{Input: testInput(), CJKFontPath: junk})
	require.ErrorIs(t, err, errNotTrueType)

	long := testInput()
	long.VerifyURL = "https://campusbiz.example.cn/verify/" + strings.Repeat("x", 4000)
	_, err = RenderPDF(PDFInput{Input: long})
	require.ErrorContains(t, err, "render pdf: encode QR code")
}
