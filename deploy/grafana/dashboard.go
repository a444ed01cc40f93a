// Package grafana holds campusbiz's Grafana dashboard (campusbiz.json,
// imported as is) and reads its queries back for the tests that check it:
// valid JSON, expressions promtool parses, and metric names the processes
// export.
package grafana

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Dashboard is campusbiz.json.
//
//go:embed campusbiz.json
var Dashboard []byte

// Query is one panel target's PromQL expression.
type Query struct {
	Panel string
	Expr  string
}

type panel struct {
	Title   string  `json:"title"`
	Type    string  `json:"type"`
	Panels  []panel `json:"panels"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

// Queries are the expressions of every panel (rows' nested panels too).
func Queries() ([]Query, error) {
	var d struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(Dashboard, &d); err != nil {
		return nil, fmt.Errorf("campusbiz.json: %w", err)
	}
	var out []Query
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			for _, t := range p.Targets {
				out = append(out, Query{Panel: p.Title, Expr: t.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out, nil
}

// Evaluable is expr as Prometheus itself takes it: Grafana's
// $__rate_interval becomes 5m.
func Evaluable(expr string) string { return strings.ReplaceAll(expr, "$__rate_interval", "5m") }

// metricName matches the names of campusbiz's, Asynq's and the Go
// client's series; label names and functions never start so.
var metricName = regexp.MustCompile(`\b(?:campusbiz|asynq|go|process)_[a-zA-Z0-9_]+\b`)

// MetricNames are the series names expr reads, sorted, without repeats.
func MetricNames(expr string) []string {
	names := metricName.FindAllString(expr, -1)
	slices.Sort(names)
	return slices.Compact(names)
}
