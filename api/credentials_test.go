package api_test

import (
	"crypto/ed25519"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/campusbiz/campusbiz/api"
	application "github.com/campusbiz/campusbiz/app"
	"github.com/campusbiz/campusbiz/internal/fixtures"
	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/campusbiz/campusbiz/models"
	"github.com/campusbiz/campusbiz/workers"
	"github.com/campusbiz/campusbiz/workflows"
	"github.com/campusbiz/campusbiz/workflows/certificates"
	"github.com/stretchr/testify/require"
)

// liveTrainingApp is a trainingApp also served on a real listener whose
// URL is PUBLIC_BASE_URL, so outside tools resolve its did:web DID and
// status lists; the handler can be swapped (another process's keys).
type liveTrainingApp struct {
	*trainingApp
	base    string
	handler atomic.Pointer[http.Handler]
}

func newLiveTrainingApp(t *testing.T) *liveTrainingApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	lt := &liveTrainingApp{base: "http://" + ln.Addr().String()}
	seed, _, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	keys, err := workflows.NewCertificateKeys(seed, nil)
	require.NoError(t, err)
	a := newApp(t, func(d *appDeps) {
		d.App.Certificates, d.App.Config.CertVerifyRate, d.App.Config.PublicBaseURL = keys, 100_000, lt.base
	})
	a.startWorkers(func(d *workers.Deps) { d.CertificateKeys, d.PublicBaseURL = keys, lt.base })
	_, admin := a.user(models.RoleAdmin)
	lt.trainingApp = &trainingApp{app: a, keys: keys, admin: admin}
	lt.serve(a.e)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(*lt.handler.Load()).ServeHTTP(w, r)
	}))
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return lt
}

func (lt *liveTrainingApp) serve(h http.Handler) { lt.handler.Store(&h) }

// servedWithKeys is another API process on the same database and base URL
// whose keys are keys, as after a key rotation.
func (lt *liveTrainingApp) servedWithKeys(keys workflows.CertificateKeys) *app {
	lt.t.Helper()
	log := testenv.Logger(lt.t)
	eng := fixtures.Engine(lt.schema.DB, lt.client)
	eng.Log = log
	other := application.New(application.Deps{DB: lt.schema.DB, Engine: eng, Redis: lt.redis.Client, Log: log,
		Certificates: keys, Config: application.Config{CertVerifyRate: 100_000, PublicBaseURL: lt.base}})
	return &app{t: lt.t, e: api.New(api.Deps{App: other, Log: log}), schema: lt.schema, redis: lt.redis,
		client: lt.client, app: other, engine: eng}
}

// TestStandardVerifierChecksCertificates issues a certificate through the
// real flow and has Digital Bazaar's verifier (tools/vc-verify, nothing of
// campusbiz's code) check it against the running server: valid; its status
// list credential valid; revoked after a revocation; any changed field
// fails; after a key rotation the old certificate and the re-signed list
// still verify.
func TestStandardVerifierChecksCertificates(t *testing.T) {
	t.Parallel()
	lt := newLiveTrainingApp(t)
	serial := lt.certify("王小明")
	credURL := lt.base + "/api/v1/certificates/" + serial + "/credential"
	listURL := lt.base + "/credentials/status/0"

	r := lt.do(http.MethodGet, "/api/v1/certificates/"+serial+"/credential", "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	require.Equal(t, "application/vc+ld+json", r.Header.Get("Content-Type"))
	var cred certificates.Credential
	require.NoError(t, json.Unmarshal(r.Body, &cred))
	did, err := certificates.DIDWeb(lt.base)
	require.NoError(t, err)
	require.Equal(t, did, cred.Issuer.ID)
	require.Equal(t, lt.base, cred.Issuer.URL)
	require.Equal(t, "王小明", cred.CredentialSubject.Name)
	require.Equal(t, "BitstringStatusListEntry", cred.CredentialStatus.Type)
	require.Equal(t, listURL, cred.CredentialStatus.StatusListCredential)
	require.NotRegexp(t, `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`, string(r.Body), "no e-mail address in the credential")
	// The verify answer carries the same credential.
	require.JSONEq(t, string(r.Body), string(getCertificate(t, lt.app, "/api/v1/certificates/"+serial).Credential))

	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, credURL))
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, listURL), "the status list credential")

	// Any field changed: the verifier refuses it.
	dir := t.TempDir()
	for i, path := range [][]string{
		{"credentialSubject", "name"}, {"credentialSubject", "achievement", "name"}, {"validFrom"}, {"id"},
		{"credentialStatus", "statusListIndex"}, {"issuer", "name"},
	} {
		file := filepath.Join(dir, "changed"+string(rune('a'+i))+".json")
		require.NoError(t, os.WriteFile(file, testenv.ChangeCredentialField(t, r.Body, path), 0o600))
		got := testenv.VerifyVC(t, file)
		require.False(t, got.Verified, "%v changed: %+v", path, got)
	}

	// Revoked: the bit flips in the re-signed list, which still verifies.
	first := lt.do(http.MethodGet, "/credentials/status/0", "", nil)
	require.Equal(t, http.StatusOK, first.Status)
	etag := first.Header.Get("ETag")
	require.NotEmpty(t, etag)
	require.Equal(t, "public, max-age=60", first.Header.Get("Cache-Control"))
	rv := lt.do(http.MethodPost, "/api/v1/admin/certificates/"+serial+"/revoke", lt.admin, map[string]any{"reason": "plagiarism"})
	require.Equal(t, http.StatusOK, rv.Status, string(rv.Body))
	require.Equal(t, testenv.VCResult{Verified: true, Revoked: true}, testenv.VerifyVC(t, credURL))
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, listURL))
	second := lt.do(http.MethodGet, "/credentials/status/0", "", nil)
	require.NotEqual(t, etag, second.Header.Get("ETag"), "the list changed")
	req := httptest.NewRequest(http.MethodGet, "/credentials/status/0", nil)
	req.Header.Set("If-None-Match", second.Header.Get("ETag"))
	rec := httptest.NewRecorder()
	lt.e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusNotModified, rec.Code)

	// Rotation: a new signing key, the old one kept in CERT_PUBLIC_KEYS.
	other := lt.certify("李华")
	newSeed, newKP, err := certificates.GenerateSigningKey()
	require.NoError(t, err)
	oldPub := publishedKeys(t, lt.app)
	require.Len(t, oldPub, 1)
	var oldB64 string
	for _, v := range oldPub {
		oldB64 = v
	}
	rotated, err := workflows.NewCertificateKeys(newSeed, []string{oldB64})
	require.NoError(t, err)
	after := lt.servedWithKeys(rotated)
	lt.serve(after.e)
	doc := after.do(http.MethodGet, "/.well-known/did.json", "", nil)
	require.Equal(t, http.StatusOK, doc.Status)
	var didDoc certificates.DIDDocument
	require.NoError(t, json.Unmarshal(doc.Body, &didDoc))
	require.Len(t, didDoc.VerificationMethod, 2)
	require.Equal(t, certificates.EncodeMultikey(newKP.Public), didDoc.VerificationMethod[0].PublicKeyMultibase, "the signing key first")
	otherURL := lt.base + "/api/v1/certificates/" + other + "/credential"
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, otherURL), "signed by the rotated-out key")
	require.Equal(t, testenv.VCResult{Verified: true, Revoked: true}, testenv.VerifyVC(t, credURL))
	list := after.do(http.MethodGet, "/credentials/status/0", "", nil)
	require.Contains(t, string(list.Body), certificates.VerificationMethodID(did, newKP.Public), "the list is signed again by the new key")

	// Without the old key in the DID document, its certificates fail.
	dropped, err := workflows.NewCertificateKeys(newSeed, nil)
	require.NoError(t, err)
	lt.serve(lt.servedWithKeys(dropped).e)
	got := testenv.VerifyVC(t, otherURL)
	require.False(t, got.Verified, "%+v", got)
}

// TestCredentialRoutes covers the new public routes' refusals.
func TestCredentialRoutes(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	for _, path := range []string{
		"/api/v1/certificates/8F3KQ-2M7ZD-X1C9V-0TNBR-4HJW6G/credential", "/api/v1/certificates/junk/credential",
		"/credentials/status/0", "/credentials/status/-1", "/credentials/status/x",
		"/credentials/status/01", "/credentials/status/99999999999999999999",
	} {
		require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, path, "", nil).Status, path)
	}
	serial := ta.certify("陈静")
	r := ta.do(http.MethodGet, "/api/v1/certificates/"+strings.ToLower(serial)+"/credential", "", nil)
	require.Equal(t, http.StatusOK, r.Status, "serials as typed")
	require.Equal(t, http.StatusOK, ta.do(http.MethodGet, "/credentials/status/0", "", nil).Status)
	require.Equal(t, http.StatusNotFound, ta.do(http.MethodGet, "/credentials/status/1", "", nil).Status, "no certificate in list 1")
	doc := ta.do(http.MethodGet, "/.well-known/did.json", "", nil)
	require.Equal(t, http.StatusOK, doc.Status)
	require.Contains(t, string(doc.Body), `"id":"did:web:campusbiz.example.cn"`, "the DID of PUBLIC_BASE_URL")
}

// TestUpgradeLegacyCertificates: a certificate stored in the earlier
// format (no proof, the signature beside it) is signed again as a
// credential once, keeping its serial, holder and issue date, and then
// verifies.
func TestUpgradeLegacyCertificates(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	serial := ta.certify("Zoë Müller")
	before := getCertificate(t, ta.app, "/api/v1/certificates/"+serial)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(before.Credential, &doc))
	for _, k := range []string{"proof", "credentialStatus"} {
		delete(doc, k)
	}
	delete(doc["credentialSubject"].(map[string]any), "identifier")
	doc["issuer"].(map[string]any)["id"] = publicBase
	legacy, err := json.Marshal(doc)
	require.NoError(t, err)
	require.NoError(t, ta.schema.DB.Exec(`UPDATE certificates SET credential = ?, signature = 'old' WHERE serial = ?`, legacy, serial).Error)
	require.False(t, getCertificate(t, ta.app, "/api/v1/certificates/"+serial).Valid, "the earlier format does not verify as a credential")

	n, err := ta.app.app.UpgradeCertificates(t.Context())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = ta.app.app.UpgradeCertificates(t.Context())
	require.NoError(t, err)
	require.Equal(t, 0, n, "upgraded once")

	after := getCertificate(t, ta.app, "/api/v1/certificates/"+serial)
	require.True(t, after.Valid, after.Problem)
	require.Equal(t, "Zoë Müller", after.HolderName)
	require.Equal(t, before.IssuedAt, after.IssuedAt)
	var cred certificates.Credential
	require.NoError(t, json.Unmarshal(after.Credential, &cred))
	require.NotNil(t, cred.Proof)
	require.Equal(t, "0", cred.CredentialStatus.StatusListIndex)
	require.Equal(t, cred.Proof.ProofValue, after.Signature)
}

// TestConcurrentRevocationsAllLand revokes several certificates of one
// status list at once: the list signed last carries every bit, because
// each signing holds the list's lock and reads the committed revocations.
func TestConcurrentRevocationsAllLand(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	serials := make([]string, 4)
	for i := range serials {
		serials[i] = ta.certify("学生" + string(rune('甲'+i)))
	}
	var admin models.Account
	require.NoError(t, ta.schema.DB.Take(&admin, "role = ?", models.RoleAdmin).Error)
	errs := make(chan error, len(serials))
	for _, s := range serials {
		go func() {
			_, err := ta.app.app.RevokeCertificate(t.Context(), application.ActorOf(admin), s, application.RevokeInput{Reason: "test"})
			errs <- err
		}()
	}
	for range serials {
		require.NoError(t, <-errs)
	}
	r := ta.do(http.MethodGet, "/credentials/status/0", "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	var list certificates.StatusListCredential
	require.NoError(t, json.Unmarshal(r.Body, &list))
	bits, err := certificates.DecodeStatusList(list.CredentialSubject.EncodedList)
	require.NoError(t, err)
	var indexes []int64
	require.NoError(t, ta.schema.DB.Raw(`SELECT status_index FROM certificates ORDER BY status_index`).Scan(&indexes).Error)
	require.Len(t, indexes, len(serials))
	for _, idx := range indexes {
		_, bit := certificates.StatusPosition(idx)
		require.True(t, certificates.StatusBit(bits, bit), "index %d revoked", idx)
	}
	_, err = certificates.VerifyProof(r.Body, func(string) (ed25519.PublicKey, error) {
		kp, _ := ta.keys.Signing()
		return kp.Public, nil
	})
	require.NoError(t, err, "the list is signed")
}

// TestStatusListFollowsTheBaseURL: a list stored under another
// PUBLIC_BASE_URL is signed again under the current one when served.
func TestStatusListFollowsTheBaseURL(t *testing.T) {
	t.Parallel()
	ta := newTrainingApp(t)
	ta.certify("陈静")
	require.Equal(t, http.StatusOK, ta.do(http.MethodGet, "/credentials/status/0", "", nil).Status)
	other := application.New(application.Deps{DB: ta.schema.DB, Engine: ta.engine, Redis: ta.redis.Client, Log: testenv.Logger(t),
		Certificates: ta.keys, Config: application.Config{PublicBaseURL: "https://new.example.cn"}})
	sl, err := other.StatusList(t.Context(), 0)
	require.NoError(t, err)
	var list certificates.StatusListCredential
	require.NoError(t, json.Unmarshal(sl.Credential, &list))
	require.Equal(t, "https://new.example.cn/credentials/status/0", list.ID)
	require.Equal(t, "did:web:new.example.cn", list.Issuer)
}
