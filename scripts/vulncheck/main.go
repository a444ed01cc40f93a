// Command vulncheck reads govulncheck's JSON output (govulncheck -format
// json) on stdin and fails when the code calls a vulnerable function that
// accepted.txt does not name with a reason. It prints every called
// vulnerability, accepted or not, so that the accepted ones stay in sight.
//
//	govulncheck -format json ./... | go run ./scripts/vulncheck scripts/vulncheck/accepted.txt
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// message is one object of govulncheck's JSON stream; only findings matter.
type message struct {
	Finding *finding `json:"finding"`
}

type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: govulncheck -format json ./... | vulncheck accepted.txt")
		os.Exit(2)
	}
	accepted, err := readAccepted(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
	called, err := calledVulns(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulncheck:", err)
		os.Exit(2)
	}
	failed := report(os.Stdout, called, accepted)
	if failed > 0 {
		fmt.Printf("vulncheck: %d vulnerabilit(ies) in called code are neither fixed nor accepted\n", failed)
		os.Exit(1)
	}
	fmt.Printf("vulncheck: no known vulnerability in called code (%d accepted, see %s)\n", len(called), os.Args[1])
}

// calledVulns maps each vulnerability the code calls (a finding whose
// trace starts at a function) to the first frame of its trace.
func calledVulns(r io.Reader) (map[string]finding, error) {
	out := map[string]finding{}
	dec := json.NewDecoder(bufio.NewReader(r))
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read govulncheck output: %w", err)
		}
		if f := m.Finding; f != nil && len(f.Trace) > 0 && f.Trace[0].Function != "" {
			if _, seen := out[f.OSV]; !seen {
				out[f.OSV] = *f
			}
		}
	}
}

// readAccepted reads "ID reason" lines; blank lines and # comments aside.
// An entry without a reason is an error: acceptance must be argued.
func readAccepted(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read accepted list: %w", err)
	}
	out := map[string]string{}
	for n, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, reason, _ := strings.Cut(line, " ")
		if strings.TrimSpace(reason) == "" {
			return nil, fmt.Errorf("%s:%d: %s has no reason", path, n+1, id)
		}
		out[id] = strings.TrimSpace(reason)
	}
	return out, nil
}

// report prints each called vulnerability and counts those not accepted.
func report(w io.Writer, called map[string]finding, accepted map[string]string) int {
	ids := make([]string, 0, len(called))
	for id := range called {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	failed := 0
	for _, id := range ids {
		f := called[id]
		at := f.Trace[0]
		fixed := f.FixedVersion
		if fixed == "" {
			fixed = "no fix"
		}
		if reason, ok := accepted[id]; ok {
			fmt.Fprintf(w, "accepted %s in %s@%s (%s): %s\n", id, at.Module, at.Version, fixed, reason)
			continue
		}
		failed++
		fmt.Fprintf(w, "VULNERABLE %s in %s@%s, fixed in %s: called as %s.%s\n", id, at.Module, at.Version, fixed, at.Package, at.Function)
	}
	return failed
}
