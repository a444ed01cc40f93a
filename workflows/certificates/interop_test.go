package certificates

import (
	"crypto/ed25519"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/campusbiz/campusbiz/internal/testenv"
	"github.com/stretchr/testify/require"
)

// issuerServer is a minimal issuer on a test server: it serves the DID
// document of its keys and the status list with the revoked indexes, both
// signed and shaped by this package, for the independent verifier.
type issuerServer struct {
	t       *testing.T
	srv     *httptest.Server
	did     string
	signing KeyPair
	mu      sync.Mutex
	keys    []ed25519.PublicKey
	revoked []int
}

func newIssuerServer(t *testing.T, kp KeyPair) *issuerServer {
	t.Helper()
	is := &issuerServer{t: t, signing: kp, keys: []ed25519.PublicKey{kp.Public}}
	is.srv = httptest.NewServer(http.HandlerFunc(is.serve))
	t.Cleanup(is.srv.Close)
	var err error
	is.did, err = DIDWeb(is.srv.URL)
	require.NoError(t, err)
	return is
}

func (is *issuerServer) listURL() string { return is.srv.URL + "/credentials/status/0" }

func (is *issuerServer) serve(w http.ResponseWriter, r *http.Request) {
	is.mu.Lock()
	defer is.mu.Unlock()
	var body []byte
	var err error
	switch r.URL.Path {
	case "/.well-known/did.json":
		body, err = json.Marshal(NewDIDDocument(is.did, is.keys))
	case "/credentials/status/0":
		var slc StatusListCredential
		slc, err = NewStatusListCredential(is.listURL(), is.did, is.revoked, time.Now())
		if err == nil {
			body, err = AddProof(is.signing, VerificationMethodID(is.did, is.signing.Public), time.Now(), slc)
		}
	default:
		http.NotFound(w, r)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// issue signs a certificate at status index idx with the server's key.
func (is *issuerServer) issue(idx int) []byte {
	is.t.Helper()
	in := testInput()
	in.IssuerDID, in.HolderID, in.HolderSalt = is.did, "4b8d3c1e-0000-4000-8000-000000000001", "00112233445566778899aabbccddeeff"
	entry := NewStatusEntry(is.listURL(), idx)
	in.Status = &entry
	raw, err := Sign(is.signing, NewCredential(in))
	require.NoError(is.t, err)
	return raw
}

func writeTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o600))
	return p
}

// TestIndependentVerifierAcceptsWhatWeSign has Digital Bazaar's verifier
// check credentials signed here: valid; revoked once the bit is set; any
// changed field fails; the status list credential verifies on its own; a
// rotated-out key still verifies while the DID document lists it.
func TestIndependentVerifierAcceptsWhatWeSign(t *testing.T) {
	t.Parallel()
	is := newIssuerServer(t, testKey(t))
	raw := is.issue(7)
	file := writeTemp(t, "cert.json", raw)

	got := testenv.VerifyVC(t, file)
	require.Equal(t, testenv.VCResult{Verified: true}, got)
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, is.listURL()), "the status list credential itself")

	// Our own verifier agrees.
	_, err := Verify(raw, is.resolve)
	require.NoError(t, err)

	// A changed field fails: one leaf of each kind.
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	for _, path := range [][]string{
		{"credentialSubject", "name"}, {"credentialSubject", "achievement", "name"}, {"validFrom"},
		{"credentialStatus", "statusListIndex"}, {"issuer", "name"}, {"proof", "created"},
	} {
		changed := testenv.ChangeCredentialField(t, raw, path)
		res := testenv.VerifyVC(t, writeTemp(t, "changed.json", changed))
		require.False(t, res.Verified, "%v changed: %+v", path, res)
		_, err := Verify(changed, is.resolve)
		require.Error(t, err, "%v changed", path)
	}

	// Revoked: the bit flips in the published list.
	is.mu.Lock()
	is.revoked = []int{3, 7}
	is.mu.Unlock()
	require.Equal(t, testenv.VCResult{Verified: true, Revoked: true}, testenv.VerifyVC(t, file))

	// Rotation: a new signing key; the old one stays in the DID document.
	_, next, err := GenerateSigningKey()
	require.NoError(t, err)
	is.mu.Lock()
	is.signing, is.keys, is.revoked = next, []ed25519.PublicKey{next.Public, is.keys[0]}, nil
	is.mu.Unlock()
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, file), "signed by the rotated-out key")
	newer := writeTemp(t, "newer.json", is.issue(8))
	require.Equal(t, testenv.VCResult{Verified: true}, testenv.VerifyVC(t, newer))
	is.mu.Lock()
	is.keys = is.keys[:1] // the old key dropped from the DID document
	is.mu.Unlock()
	res := testenv.VerifyVC(t, file)
	require.False(t, res.Verified, "%+v", res)
}

// resolve finds a verification method in the server's DID document.
func (is *issuerServer) resolve(vm string) (ed25519.PublicKey, error) {
	is.mu.Lock()
	defer is.mu.Unlock()
	for _, k := range is.keys {
		if VerificationMethodID(is.did, k) == vm {
			return k, nil
		}
	}
	return nil, ErrInvalidKey
}
