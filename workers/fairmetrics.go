package workers

import (
	"context"
	"time"

	"github.com/campusbiz/campusbiz/workflows/engine"
	"github.com/prometheus/client_golang/prometheus"
)

// FairCollector reports, at each scrape, each fairness key's tasks waiting
// for admission and in flight, for the busiest keys and one
// key "other" holding the rest (bounded label cardinality); the default
// key (work of no college) is "default".
// (engine.FairTopKeys of them).
type FairCollector struct {
	Fairness *engine.Fairness
	// Timeout bounds the scrape's query. Defaults to 2 s.
	Timeout time.Duration
}

var (
	fairWaiting = prometheus.NewDesc("campusbiz_fair_waiting",
		"Due outbox tasks waiting for fair admission, by fairness key (college; top keys, then other).", []string{"key"}, nil)
	fairInFlight = prometheus.NewDesc("campusbiz_fair_in_flight",
		"Outbox tasks admitted to Asynq and not completed, by fairness key (college; top keys, then other).", []string{"key"}, nil)
	fairWeight = prometheus.NewDesc("campusbiz_fair_weight",
		"Weight of each named fairness key (FAIR_WEIGHTS).", []string{"key"}, nil)
	fairUp = prometheus.NewDesc("campusbiz_fair_scrape_ok",
		"1 when the fairness keys' loads could be read at this scrape, 0 when not.", nil, nil)
)

// Describe sends the collector's descriptors.
func (c *FairCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{fairWaiting, fairInFlight, fairWeight, fairUp} {
		ch <- d
	}
}

// Collect reads the keys' loads in one query.
func (c *FairCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	loads, err := c.Fairness.Loads(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(fairUp, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(fairUp, prometheus.GaugeValue, 1)
	for _, l := range engine.TopLoads(loads, engine.FairTopKeys, "other") {
		key := l.Key
		if key == "" {
			key = "default"
		}
		ch <- prometheus.MustNewConstMetric(fairWaiting, prometheus.GaugeValue, float64(l.Waiting), key)
		ch <- prometheus.MustNewConstMetric(fairInFlight, prometheus.GaugeValue, float64(l.InFlight), key)
		if l.Key != "other" {
			ch <- prometheus.MustNewConstMetric(fairWeight, prometheus.GaugeValue, float64(l.Weight), key)
		}
	}
}
