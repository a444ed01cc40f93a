package testenv

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// VCResult is what the independent verifier (tools/vc-verify, Digital
// Bazaar's @digitalbazaar/vc) says about a credential.
type VCResult struct {
	// Verified is true when the proof (and, for a certificate, its status
	// list credential's proof) checks.
	Verified bool `json:"verified"`
	// Revoked is true when the credential's revocation bit is set.
	Revoked bool `json:"revoked"`
	// Error is the verifier's reason when Verified is false.
	Error string `json:"error"`
}

// vcVerifyDir is tools/vc-verify in this repository.
func vcVerifyDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools", "vc-verify")
}

// VerifyVC runs the independent verifier with the machine's node on src, a
// credential file or URL; the verifier resolves did:web over plain http
// (--insecure-http), as test servers serve it. It fails the test (never
// skips) when node or the verifier's packages are missing.
func VerifyVC(t testing.TB, src string) VCResult {
	t.Helper()
	dir := vcVerifyDir()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is required by this test: install it (bash scripts/services.sh)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@digitalbazaar", "vc")); err != nil {
		t.Fatalf("the verifier's packages are not installed in %s: run `bash scripts/services.sh` (npm ci in tools/vc-verify)", dir)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "verify.js"), "--insecure-http", src)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the verifier: %v\n%s", err, stderr.String())
	}
	var res VCResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &res); err != nil {
		t.Fatalf("the verifier's output is not its JSON result: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if wantExit := res.Verified && !res.Revoked; wantExit != (err == nil) {
		t.Fatalf("the verifier's exit status (%v) disagrees with its result %+v", err, res)
	}
	return res
}

// ChangeCredentialField returns the JSON document raw with the string at
// path changed as a forger would: a date a second later, a number one
// more, anything else with an "x" added. It fails the test when path does
// not lead to a string.
func ChangeCredentialField(t testing.TB, raw []byte, path []string) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("credential JSON: %v", err)
	}
	m := doc
	for _, k := range path[:len(path)-1] {
		next, ok := m[k].(map[string]any)
		if !ok {
			t.Fatalf("no object at %q of %v", k, path)
		}
		m = next
	}
	last := path[len(path)-1]
	s, ok := m[last].(string)
	if !ok {
		t.Fatalf("no string at %v", path)
	}
	if ts, err := time.Parse(time.RFC3339, s); err == nil {
		m[last] = ts.Add(time.Second).Format(time.RFC3339)
	} else if n, err := strconv.Atoi(s); err == nil {
		m[last] = strconv.Itoa(n + 1)
	} else {
		m[last] = s + "x"
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("encode the changed credential: %v", err)
	}
	return out
}
