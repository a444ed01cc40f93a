package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/api"
	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/pdfcheck"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/web"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/campusbiz/campusbiz/workflows/msg"
	"github.com/stretchr/testify/require"
)

// publishedKeys fetches GET /certificates/keys as an outsider: key id to
// base64 public key.
func publishedKeys(t *testing.T, a *app) map[string]string {
	t.Helper()
	r := a.do(http.MethodGet, "/api/v1/certificates/keys", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var body struct {
		Keys []struct {
			KeyID     string `json:"key_id"`
			Algorithm string `json:"algorithm"`
			PublicKey string `json:"public_key"`
			JWK       struct {
				X string `json:"x"`
			} `json:"jwk"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &body))
	out := map[string]string{}
	for _, k := range body.Keys {
		require.Equal(t, "Ed25519", k.Algorithm)
		raw, err := base64.RawURLEncoding.DecodeString(k.JWK.X)
		require.NoError(t, err)
		require.Equal(t, k.PublicKey, base64.StdEncoding.EncodeToString(raw), "the JWK is the same key")
		out[k.KeyID] = k.PublicKey
	}
	return out
}

// served is a verify answer, decoded.
type served struct {
	Serial         string          `json:"serial"`
	HolderName     string          `json:"holder_name"`
	CourseTitle    string          `json:"course_title"`
	IssuedAt       *time.Time      `json:"issued_at"`
	Valid          bool            `json:"valid"`
	SignatureValid bool            `json:"signature_valid"`
	Revoked        bool            `json:"revoked"`
	RevokedAt      *time.Time      `json:"revoked_at"`
	Problem        string          `json:"problem"`
	Signature      string          `json:"signature"`
	KeyID          string          `json:"key_id"`
	PublicKey      string          `json:"public_key"`
	Credential     json.RawMessage `json:"credential"`
}

func getCertificate(t *testing.T, a *app, path string) served {
	t.Helper()
	return decodeServed(t, a.do(http.MethodGet, path, "", nil))
}

// decodeServed decodes a verify answer, which must be a 200 never cached.
func decodeServed(t *testing.T, r response) served {
	t.Helper()
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "no-store", r.Header.Get("Cache-Control"), "verify answers are never cached")
	var s served
	require.NoError(t, json.Unmarshal(r.Body, &s))
	return s
}

// TestServerRechecksEveryTime: the verify endpoint re-checks the stored
// certificate against the published keys on each request, so tampering
// with the database or dropping a key shows at once.
func TestServerRechecksEveryTime(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	serial, otherSerial := ta.certify("Zoë Müller"), ta.certify("李华")
	path := "/api/v1/certificates/" + serial
	orig := getCertificate(t, ta.app, path)
	require.True(t, orig.Valid)

	tamper := func(set string, args ...any) {
		t.Helper()
		require.NoError(t, ta.schema.DB.Exec(`UPDATE certificates SET `+set+` WHERE serial = ?`, append(args, serial)...).Error)
	}
	restore := func() {
		t.Helper()
		tamper(`credential = ?, signature = ?`, []byte(orig.Credential), orig.Signature)
		require.True(t, getCertificate(t, ta.app, path).Valid)
	}
	for name, change := range map[string]func(){
		"holder renamed": func() {
			tamper(`credential = ?`, bytes.Replace(orig.Credential, []byte("Zoë Müller"), []byte("Zoe Muller"), 1))
		},
		"proof value reset": func() {
			tamper(`credential = ?`, bytes.Replace(orig.Credential, []byte(orig.Signature), []byte("z"+strings.Repeat("2", len(orig.Signature)-1)), 1))
		},
		"another certificate's signed credential": func() {
			require.NoError(t, ta.schema.DB.Exec(`UPDATE certificates SET (credential, signature) =
				(SELECT credential, signature FROM certificates WHERE serial = ?) WHERE serial = ?`, otherSerial, serial).Error)
		},
	} {
		change()
		got := getCertificate(t, ta.app, path)
		require.False(t, got.Valid, name)
		require.False(t, got.SignatureValid, name)
		require.NotEmpty(t, got.Problem, name)
		require.Equal(t, http.StatusConflict, ta.do(http.MethodGet, path+"/pdf", "", nil).Status, "%s: no PDF for it", name)
		restore()
	}

	// Key rotation: the same database served with a new signing key and the
	// old key still published verifies; without the old key it does not.
	newSeed, newKP, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	oldPub := publishedKeys(t, ta.app)[orig.KeyID]
	rotated, err := workflows.NewCertificateKeys(newSeed, []string{oldPub})
	require.NoError(t, err)
	after := ta.servedWith(rotated)
	keys := publishedKeys(t, after)
	require.Equal(t, map[string]string{orig.KeyID: oldPub, newKP.ID: newKP.PublicKeyBase64()}, keys)
	require.True(t, getCertificate(t, after, path).Valid, "an old certificate verifies after a rotation")
	dropped, err := workflows.NewCertificateKeys(newSeed, nil)
	require.NoError(t, err)
	withoutOld := ta.servedWith(dropped)
	got := getCertificate(t, withoutOld, path)
	require.False(t, got.Valid)
	require.Empty(t, got.PublicKey)
	require.Contains(t, got.Problem, "not published")
}

// servedWith is another API process on the same database whose published
// keys are keys, as after a key rotation.
func (ta *trainingApp) servedWith(keys workflows.CertificateKeys) *app {
	ta.t.Helper()
	log := testenv.Logger(ta.t)
	eng := fixtures.Engine(ta.schema.DB, ta.client)
	eng.Log = log
	other := application.New(application.Deps{DB: ta.schema.DB, Engine: eng, Redis: ta.redis.Client, Log: log,
		Certificates: keys, Config: application.Config{CertVerifyRate: 100_000}})
	e := api.New(api.Deps{App: other, Log: log})
	return &app{t: ta.t, e: e, schema: ta.schema, redis: ta.redis, client: ta.client, app: other, engine: eng}
}

// withPages is the app with the pages (package web) mounted on the same
// Echo app and application, as serve runs them: /verify/{serial}, where a
// certificate's QR code points, is theirs.
func (a *app) withPages() *app {
	a.t.Helper()
	e := api.New(api.Deps{App: a.app, Log: testenv.Logger(a.t)})
	require.NoError(a.t, web.Mount(e, web.Deps{App: a.app, Log: testenv.Logger(a.t)}))
	pages := *a
	pages.e = e
	return &pages
}

// verifyByURL follows a verify URL's path (/verify/{serial}) as an API
// client (no text/html in Accept) does: the pages send it on, 307, to the
// JSON API's verification of the serial as typed, whose answer it returns.
func verifyByURL(t *testing.T, pages *app, path string) response {
	t.Helper()
	r := pages.do(http.MethodGet, path, "", nil)
	require.Equal(t, http.StatusTemporaryRedirect, r.Status, "%s: %s", path, r.Body)
	loc := r.Header.Get("Location")
	require.Equal(t, "/api/v1/certificates/"+strings.TrimPrefix(path, "/verify/"), loc, "sent to the API's verification of the serial as typed")
	return pages.do(http.MethodGet, loc, "", nil)
}

// TestCertificatePDFOpens checks the PDF is a PDF whose text carries the
// serial, holder and course, and whose QR code decodes to the verify URL,
// which answers with the verification.
func TestCertificatePDFOpens(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	serial := ta.certify("王小明")
	cert := getCertificate(t, ta.app, "/api/v1/certificates/"+serial)

	r := ta.do(http.MethodGet, "/api/v1/certificates/"+serial+"/pdf", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "application/pdf", r.Header.Get("Content-Type"))
	require.Contains(t, r.Header.Get("Content-Disposition"), serial)
	require.True(t, bytes.HasPrefix(r.Body, []byte("%PDF-")))

	text := pdfcheck.Text(t, r.Body)
	for _, want := range []string{serial, "王小明", cert.CourseTitle, publicBase + "/verify/" + serial} {
		require.Contains(t, text, want)
	}
	verifyURL := pdfcheck.QRCode(t, r.Body)
	require.Equal(t, publicBase+"/verify/"+serial, verifyURL)

	// The verify URL is the pages': an API client is sent on to the JSON
	// verification of the same serial.
	u, err := url.Parse(verifyURL)
	require.NoError(t, err)
	byQR := decodeServed(t, verifyByURL(t, ta.withPages(), u.Path))
	require.Equal(t, serial, byQR.Serial)
	require.True(t, byQR.Valid)

	again := ta.do(http.MethodGet, "/api/v1/certificates/"+strings.ToLower(serial)+"/pdf", "", nil)
	require.Equal(t, r.Body, again.Body, "the PDF is rendered once, at issuance")
}

// TestRevocationUnknownSerialsAndEnumeration: a revocation shows at once;
// unknown and malformed serials get the same 404; serials cannot be
// enumerated or probed quickly.
func TestRevocationUnknownSerialsAndEnumeration(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	serial := ta.certify("王小明")
	path := "/api/v1/certificates/" + serial
	require.True(t, getCertificate(t, ta.app, path).Valid)
	pages := ta.withPages()
	require.True(t, decodeServed(t, verifyByURL(t, pages, "/verify/"+serial)).Valid)

	// Bad revocations change nothing.
	notified := ta.count(`SELECT count(*) FROM notifications`)
	events := ta.count(`SELECT count(*) FROM workflow_events`)
	_, applicant := ta.user(models.RoleApplicant)
	require.Equal(t, http.StatusForbidden, ta.do(http.MethodPost, "/api/v1/admin"+strings.TrimPrefix(path, "/api/v1")+"/revoke", applicant, map[string]any{"reason": "x"}).Status)
	for body, status := range map[string]int{
		`{"reason":`:                   http.StatusBadRequest,
		`{}`:                           http.StatusUnprocessableEntity,
		`{"reason": 5}`:                http.StatusUnprocessableEntity,
		`{"reason": "ok", "valid": 1}`: http.StatusUnprocessableEntity,
		`{"reason": "` + strings.Repeat("x", 501) + `"}`: http.StatusUnprocessableEntity,
	} {
		r := ta.do(http.MethodPost, "/api/v1/admin/certificates/"+serial+"/revoke", ta.admin, body)
		require.Equal(t, status, r.Status, "%s: %s", body, r.Body)
		r.Error(t)
	}
	require.True(t, getCertificate(t, ta.app, path).Valid)
	require.Equal(t, events, ta.count(`SELECT count(*) FROM workflow_events`))

	r := ta.do(http.MethodPost, "/api/v1/admin/certificates/"+serial+"/revoke", ta.admin, map[string]any{"reason": "plagiarised final project"})
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, false, r.JSON(t)["valid"])

	// At once, with no worker in between, on the API's path (as typed, in
	// any case) and through the verify URL.
	for _, p := range []string{path, "/api/v1/certificates/" + strings.ToLower(serial), "/verify/" + serial, "/verify/" + strings.ToLower(serial)} {
		var got served
		if strings.HasPrefix(p, "/verify/") {
			got = decodeServed(t, verifyByURL(t, pages, p))
		} else {
			got = getCertificate(t, ta.app, p)
		}
		require.False(t, got.Valid, p)
		require.True(t, got.Revoked, p)
		require.True(t, got.SignatureValid, "%s: the signature itself still checks", p)
		require.NotNil(t, got.RevokedAt, p)
	}
	require.Equal(t, http.StatusConflict, ta.do(http.MethodGet, path+"/pdf", "", nil).Status, "no PDF of a revoked certificate")
	require.Equal(t, http.StatusConflict, ta.do(http.MethodPost, "/api/v1/admin/certificates/"+serial+"/revoke", ta.admin, map[string]any{"reason": "again"}).Status)
	r = ta.do(http.MethodGet, path+"/events", ta.admin, nil)
	require.Equal(t, http.StatusOK, r.Status)
	evs := r.JSON(t)["items"].([]any)
	require.Len(t, evs, 2)
	require.Equal(t, "revoked", evs[1].(map[string]any)["to"])
	// The admin's words, as the parameter of a coded reason, rendered.
	revoked := evs[1].(map[string]any)
	require.Equal(t, []any{map[string]any{"code": msg.CertificateRevokedBecause, "params": map[string]any{"reason": "plagiarised final project"},
		"message": "The certificate was revoked: plagiarised final project"}}, revoked["reasons"])
	require.Equal(t, "The certificate was revoked: plagiarised final project", revoked["reason"])
	require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, path+"/events", applicant, nil).Status, "not the holder")
	testenv.WaitFor(t, 20*time.Second, "the holder is told", func() bool {
		return ta.count(`SELECT count(*) FROM notifications WHERE entity_type = 'certificate'`) == 1
	})
	require.Greater(t, ta.count(`SELECT count(*) FROM notifications`), notified)

	// Unknown and malformed serials: one 404, byte for byte.
	unknown, err := certificates.NewSerial()
	require.NoError(t, err)
	notFound := ta.do(http.MethodGet, "/api/v1/certificates/"+unknown, "", nil)
	require.Equal(t, http.StatusNotFound, notFound.Status)
	require.Equal(t, "not_found", notFound.Error(t)["code"])
	neighbour := []byte(serial)
	neighbour[0] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"[(strings.IndexByte("0123456789ABCDEFGHJKMNPQRSTVWXYZ", neighbour[0])+1)%32]
	for _, s := range []string{
		string(neighbour), serial[:len(serial)-1], serial + "0", "keys2", "1", "%27%20OR%201=1--",
		strings.Repeat("A", 5000), url.PathEscape("８F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G"),
		serial[:len(serial)-1] + "1", // non-zero padding bits: never issued
	} {
		for _, p := range []string{"/api/v1/certificates/" + s, "/verify/" + s} {
			var r response
			if strings.HasPrefix(p, "/verify/") {
				r = verifyByURL(t, pages, p)
			} else {
				r = ta.do(http.MethodGet, p, "", nil)
			}
			require.Equal(t, http.StatusNotFound, r.Status, p)
			require.Equal(t, string(notFound.Body), string(r.Body), "%s: the same answer as an unknown serial", p)
		}
		require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, "/api/v1/certificates/"+s+"/pdf", "", nil).Status)
		require.Equal(t, http.StatusNotFound, ta.do(http.MethodPost, "/api/v1/admin/certificates/"+s+"/revoke", ta.admin, map[string]any{"reason": "x"}).Status)
	}
	// Serials are 128 random bits: two issued ones share no prefix worth guessing.
	other := ta.certify("李华")
	require.NotEqual(t, serial[:11], other[:11])
}

func TestCertificateLookupsAreRateLimited(t *testing.T) {
	t.Parallel()
	a := newApp(t, func(d *appDeps) { d.App.Config.CertVerifyRate = 6 })
	var last response
	for range 20 {
		unknown, err := certificates.NewSerial()
		require.NoError(t, err)
		last = a.do(http.MethodGet, "/api/v1/certificates/"+unknown, "", nil)
		if last.Status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusNotFound, last.Status)
	}
	require.Equal(t, http.StatusTooManyRequests, last.Status, "probing serials is throttled per client")
	require.Equal(t, "rate_limited", last.Error(t)["code"])
	require.NotEmpty(t, last.Header.Get("Retry-After"))
	require.Equal(t, http.StatusTooManyRequests, a.do(http.MethodGet, "/api/v1/certificates/"+strings.Repeat("0", 30)+"/pdf", "", nil).Status)
	require.Equal(t, http.StatusTooManyRequests, a.do(http.MethodGet, "/api/v1/certificates/"+strings.Repeat("0", 30)+"/credential", "", nil).Status,
		"credentials share the look-up budget")
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/api/v1/certificates/keys", "", nil).Status, "the keys are not limited")
	require.Equal(t, http.StatusOK, a.do(http.MethodGet, "/.well-known/did.json", "", nil).Status, "nor the DID document")
}
