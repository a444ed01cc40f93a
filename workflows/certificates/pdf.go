package certificates

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	qrcode "github.com/skip2/go-qrcode"
)

// DefaultCJKFontPaths lists TrueType fonts with Chinese glyphs that
// [RenderPDF] tries, in order, when [PDFInput.CJKFontPath] is empty. The
// first is shipped by the Debian package fonts-droid-fallback, the second by
// fonts-arphic-gbsn00lp. fpdf needs a single .ttf file: TrueType
// collections (.ttc, e.g. fonts-noto-cjk, fonts-wqy-*) cannot be used.
var DefaultCJKFontPaths = []string{
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
}

// FindCJKFont returns the first readable file of [DefaultCJKFontPaths], or
// "" and false when none is installed. Services can call it at start-up to
// warn that Chinese text will be left out of PDFs.
func FindCJKFont() (string, bool) {
	for _, p := range DefaultCJKFontPaths {
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
			return p, true
		}
	}
	return "", false
}

// PDFInput is what [RenderPDF] prints. The embedded [Input] supplies
// Serial, HolderName, CourseTitle, IssuerName, IssuedAt and VerifyURL;
// other Input fields are ignored.
type PDFInput struct {
	Input

	// CJKFontPath is a TrueType (.ttf) font used for text that the PDF
	// core fonts cannot show (Chinese names and titles, and the Chinese
	// programme name). When empty, [FindCJKFont] is used.
	CJKFontPath string
	// NoCJKFont disables the CJK font even when one is installed: text
	// outside Windows-1252 is then replaced by a pointer to the
	// verification page (see [RenderPDF]).
	NoCJKFont bool
}

// Placeholder printed instead of text that no available font can show.
const unprintablePlaceholder = "(shown on the verification page)"

// RenderPDF renders a one-page A4 landscape certificate: programme title,
// holder name, course title, issue date and issuer, serial, the verify URL
// as text, and a QR code (medium error correction) encoding the verify URL.
//
// Fonts: Latin text uses the PDF core fonts (Helvetica, Times, Courier,
// Windows-1252). Text with other characters, such as a Chinese holder name
// or course title, and the Chinese programme name 明日网商 are drawn with a
// CJK TrueType font embedded as a subset (see [PDFInput.CJKFontPath] and
// [DefaultCJKFontPaths]; on Debian install fonts-droid-fallback). Without
// such a font the Chinese programme name is omitted, and a name, title or
// issuer that contains a character no available font can show (also any
// character outside the Basic Multilingual Plane, e.g. emoji or CJK
// Extension B, which fpdf cannot embed) is replaced as a whole by
// "(shown on the verification page)": the serial and the QR code are always
// printed, and the verification page shows the exact name. No
// transliteration (pinyin) is attempted. RenderPDF never fails because of
// the script of its input. Text is shrunk to fit one line; beyond the
// minimum size it is cut with "...".
//
// The output is deterministic for a given input and font: PDF dates are
// set to IssuedAt. Required fields: Serial, HolderName, CourseTitle,
// VerifyURL and a non-zero IssuedAt.
func RenderPDF(in PDFInput) ([]byte, error) {
	if err := validatePDFInput(in); err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}
	qrPNG, err := qrcodePNG(in.VerifyURL)
	if err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}

	pdf := fpdf.New("L", "mm", "A4", "")
	pdf.SetCompression(true)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(in.IssuedAt)
	pdf.SetModificationDate(in.IssuedAt)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetTitle(ProgrammeName+" certificate "+in.Serial, true)
	pdf.SetSubject(in.CourseTitle, true)
	pdf.SetCreator("campusbiz", false)

	r := &pdfRenderer{pdf: pdf, tr: pdf.UnicodeTranslatorFromDescriptor("")}
	if !in.NoCJKFont {
		path := in.CJKFontPath
		if path == "" {
			path, _ = FindCJKFont()
		}
		if path != "" {
			font, err := loadFont(path)
			if err != nil {
				return nil, fmt.Errorf("render pdf: %w", err)
			}
			// fpdf writes into the bytes it is given while subsetting, so
			// every render gets its own copy of the cached font.
			pdf.AddUTF8FontFromBytes(cjkFamily, "", bytes.Clone(font.data))
			if pdf.Err() {
				return nil, fmt.Errorf("render pdf: load CJK font %s: %w", path, pdf.Error())
			}
			r.cjk = font
		}
	}
	r.draw(in, qrPNG)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render pdf: %w", err)
	}
	return buf.Bytes(), nil
}

func validatePDFInput(in PDFInput) error {
	var missing []string
	for _, f := range []struct{ name, val string }{
		{"Serial", in.Serial},
		{"HolderName", in.HolderName},
		{"CourseTitle", in.CourseTitle},
		{"VerifyURL", in.VerifyURL},
	} {
		if strings.TrimSpace(f.val) == "" {
			missing = append(missing, f.name)
		}
	}
	if in.IssuedAt.IsZero() {
		missing = append(missing, "IssuedAt")
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}

// qrcodePNG encodes url as a QR code PNG with medium error correction, 10
// pixels per module and the standard 4-module quiet zone.
func qrcodePNG(url string) ([]byte, error) {
	q, err := qrcode.New(url, qrcode.Medium)
	if err != nil {
		return nil, fmt.Errorf("encode QR code: %w", err)
	}
	png, err := q.PNG(-10)
	if err != nil {
		return nil, fmt.Errorf("encode QR code png: %w", err)
	}
	return png, nil
}

// cjkFont is a loaded CJK font: its bytes and the BMP characters it maps.
type cjkFont struct {
	data  []byte
	chars map[uint16]uint16 // rune -> glyph id, from the font's cmap
}

var fontCache sync.Map // path -> *cjkFont

// loadFont reads and inspects a font file once per process; fonts are a
// few MB and immutable, and certificates are rendered repeatedly by workers.
func loadFont(path string) (*cjkFont, error) {
	if f, ok := fontCache.Load(path); ok {
		return f.(*cjkFont), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CJK font: %w", err)
	}
	if !isTrueType(b) {
		return nil, fmt.Errorf("read CJK font %s: %w", path, errNotTrueType)
	}
	rec, err := fpdf.TtfParse(path)
	if err != nil {
		return nil, fmt.Errorf("parse CJK font %s: %w", path, err)
	}
	if !rec.Embeddable {
		return nil, fmt.Errorf("CJK font %s: licence does not allow embedding", path)
	}
	f, _ := fontCache.LoadOrStore(path, &cjkFont{data: b, chars: rec.Chars})
	return f.(*cjkFont), nil
}

// covers reports whether the font has a glyph for c. fpdf's UTF-8 font
// support is limited to the Basic Multilingual Plane.
func (f *cjkFont) covers(c rune) bool {
	return c > 0 && c <= 0xffff && f.chars[uint16(c)] != 0
}

var errNotTrueType = errors.New("not a single TrueType font (.ttc collections and CFF-based .otf are not supported by fpdf)")

// isTrueType checks the sfnt version tag of a TrueType font file.
func isTrueType(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	tag := string(b[:4])
	return tag == "\x00\x01\x00\x00" || tag == "true"
}

const cjkFamily = "cjk"

// Layout of the A4 landscape page, in millimetres.
const (
	pageW    = 297.0
	pageH    = 210.0
	contentX = 25.0
	contentW = pageW - 2*contentX
	qrSize   = 42.0
	minSize  = 8.0 // smallest font size, in points, when shrinking to fit
)

type pdfRenderer struct {
	pdf *fpdf.Fpdf
	tr  func(string) string // UTF-8 to Windows-1252 for core fonts
	cjk *cjkFont            // nil when no CJK font is registered
}

func (r *pdfRenderer) draw(in PDFInput, qrPNG []byte) {
	pdf := r.pdf
	pdf.AddPage()

	// Frame.
	pdf.SetDrawColor(20, 83, 112)
	pdf.SetLineWidth(1.4)
	pdf.Rect(10, 10, pageW-20, pageH-20, "D")
	pdf.SetLineWidth(0.3)
	pdf.Rect(14, 14, pageW-28, pageH-28, "D")

	pdf.SetTextColor(20, 83, 112)
	r.line(ProgrammeName, "Helvetica", "B", 28, 24, 14)
	r.line(ProgrammeNameZH, "Helvetica", "", 18, 38, 10) // only with a CJK font

	pdf.SetTextColor(90, 90, 90)
	r.line("CERTIFICATE OF COMPLETION", "Helvetica", "", 14, 52, 8)

	pdf.SetTextColor(40, 40, 40)
	r.line("This is to certify that", "Times", "I", 14, 68, 8)
	pdf.SetTextColor(0, 0, 0)
	r.lineOrPlaceholder(in.HolderName, "Times", "B", 30, 78, 14)
	pdf.SetTextColor(40, 40, 40)
	r.line("has successfully completed the course", "Times", "I", 14, 96, 8)
	pdf.SetTextColor(0, 0, 0)
	r.lineOrPlaceholder(in.CourseTitle, "Helvetica", "B", 22, 106, 12)

	pdf.SetTextColor(40, 40, 40)
	r.line("Issued on "+in.IssuedAt.Format("2 January 2006"), "Helvetica", "", 12, 128, 7)
	if strings.TrimSpace(in.IssuerName) != "" {
		r.lineOrPlaceholder("by "+in.IssuerName, "Helvetica", "", 12, 135, 7)
	}

	// Verification block bottom left, QR code bottom right.
	qrX, qrY := pageW-contentX-qrSize+4, pageH-22-qrSize
	blockW := qrX - contentX - 6
	pdf.SetTextColor(0, 0, 0)
	pdf.SetFont("Courier", "B", 12)
	pdf.SetXY(contentX, 158)
	pdf.CellFormat(blockW, 6, "Serial: "+asciiOnly(in.Serial), "", 1, "L", false, 0, "")
	pdf.SetTextColor(60, 60, 60)
	pdf.SetFont("Helvetica", "", 9)
	pdf.SetXY(contentX, 166)
	pdf.CellFormat(blockW, 5, "Verify this certificate by scanning the QR code or at:", "", 1, "L", false, 0, "")
	pdf.SetFont("Courier", "", 9)
	pdf.SetX(contentX)
	// A URL should be ASCII (percent-encoded); anything else is shown as
	// "?" here, while the QR code carries the exact URL.
	pdf.MultiCell(blockW, 4.5, asciiOnly(in.VerifyURL), "", "L", false)

	pdf.RegisterImageOptionsReader("qr", fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(qrPNG))
	pdf.ImageOptions("qr", qrX, qrY, qrSize, qrSize, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
}

// asciiOnly replaces every rune outside printable ASCII with '?'.
func asciiOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e {
			return '?'
		}
		return r
	}, s)
}

// lineOrPlaceholder draws s like line, or unprintablePlaceholder when no
// available font can show all of s.
func (r *pdfRenderer) lineOrPlaceholder(s, family, style string, size, y, lineH float64) {
	if !r.line(s, family, style, size, y, lineH) {
		r.line(unprintablePlaceholder, "Helvetica", "I", 12, y, lineH)
	}
}

// run is a piece of a line drawn in one font.
type run struct {
	text string // UTF-8
	cjk  bool   // drawn with the CJK font rather than the core font
}

// line draws s centred across the content width at y. Characters that the
// core font (Windows-1252) can show use family/style, the others the CJK
// font. The size shrinks down to minSize so that s fits on one line; text
// still too long is cut and ends with "...". It returns false, drawing
// nothing, when some character can be shown by no available font.
func (r *pdfRenderer) line(s, family, style string, size, y, lineH float64) bool {
	s = strings.Join(strings.FieldsFunc(s, func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsControl(c)
	}), " ")
	runs, ok := r.split(s)
	if !ok || len(runs) == 0 {
		return false
	}
	for size > minSize && r.width(runs, family, style, size) > contentW {
		size--
	}
	if r.width(runs, family, style, size) > contentW {
		runs = r.truncate(runs, family, style, size)
	}
	x := contentX + (contentW-r.width(runs, family, style, size))/2
	for _, rn := range runs {
		txt := r.setFont(rn, family, style, size)
		w := r.pdf.GetStringWidth(txt)
		r.pdf.SetXY(x, y)
		r.pdf.CellFormat(w, lineH, txt, "", 0, "L", false, 0, "")
		x += w
	}
	return true
}

// truncate drops characters from the end of runs until the runs followed
// by "..." fit the content width, and returns them with the "...".
func (r *pdfRenderer) truncate(runs []run, family, style string, size float64) []run {
	ellipsis := run{text: "..."}
	for len(runs) > 0 {
		if r.width(append(runs[:len(runs):len(runs)], ellipsis), family, style, size) <= contentW {
			break
		}
		last := &runs[len(runs)-1]
		rs := []rune(last.text)
		if len(rs) <= 1 {
			runs = runs[:len(runs)-1]
			continue
		}
		last.text = string(rs[:len(rs)-1])
	}
	return append(runs, ellipsis)
}

// split cuts s into runs of core-font and CJK-font characters. Spaces join
// the run they follow. It returns false if a character has no font.
func (r *pdfRenderer) split(s string) ([]run, bool) {
	var runs []run
	for _, c := range s {
		var cjk bool
		switch {
		case c == ' ':
			if len(runs) > 0 {
				runs[len(runs)-1].text += " "
				continue
			}
		case cp1252Printable(c):
		case r.cjk != nil && r.cjk.covers(c):
			cjk = true
		default:
			return nil, false
		}
		if n := len(runs); n > 0 && runs[n-1].cjk == cjk {
			runs[n-1].text += string(c)
		} else {
			runs = append(runs, run{text: string(c), cjk: cjk})
		}
	}
	return runs, true
}

// setFont selects the font for rn and returns its text in that font's
// encoding.
func (r *pdfRenderer) setFont(rn run, family, style string, size float64) string {
	if rn.cjk {
		r.pdf.SetFont(cjkFamily, "", size)
		return rn.text
	}
	r.pdf.SetFont(family, style, size)
	return r.tr(rn.text)
}

func (r *pdfRenderer) width(runs []run, family, style string, size float64) float64 {
	var w float64
	for _, rn := range runs {
		w += r.pdf.GetStringWidth(r.setFont(rn, family, style, size))
	}
	return w
}

// cp1252Extra lists the non-Latin-1 characters of Windows-1252 (0x80-0x9F),
// which the PDF core fonts can also show.
const cp1252Extra = "€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"

// cp1252Printable reports whether the core fonts' Windows-1252 encoding
// can show c.
func cp1252Printable(c rune) bool {
	return (c >= 0x20 && c < 0x7f) || (c >= 0xa0 && c <= 0xff) || strings.ContainsRune(cp1252Extra, c)
}
