package config

import (
	"fmt"
	"strconv"
	"strings"
)

// validateDispatch checks the fair-dispatch and shop-isolation settings.
func (c Config) validateDispatch() error {
	if c.FairCapacity < 0 || c.FairCapacity > 100000 {
		return fmt.Errorf("FAIR_CAPACITY: %d is outside 0..100000 (0: four times WORKER_CONCURRENCY)", c.FairCapacity)
	}
	if _, err := ParseFairWeights(c.FairWeights); err != nil {
		return err
	}
	if c.ShopConcurrency < 1 || c.ShopConcurrency > 1000 {
		return fmt.Errorf("SHOP_CONCURRENCY: %d is outside 1..1000", c.ShopConcurrency)
	}
	if c.ShopPendingPerAccount < 1 || c.ShopPendingPerAccount > 1000 {
		return fmt.Errorf("SHOP_PENDING_PER_ACCOUNT: %d is outside 1..1000", c.ShopPendingPerAccount)
	}
	return nil
}

// FairCapacityOrDefault is FAIR_CAPACITY, or four times WORKER_CONCURRENCY
// when it is 0: the workers' own tasks and as many again waiting in Redis,
// so that no worker finds its queue empty between admission rounds.
func (c Config) FairCapacityOrDefault() int {
	if c.FairCapacity > 0 {
		return c.FairCapacity
	}
	return 4 * c.WorkerConcurrency
}

// ParseFairWeights reads FAIR_WEIGHTS: comma-separated key=weight pairs,
// each weight in 1..100, each key once.
func ParseFairWeights(s string) (map[string]int, error) {
	weights := map[string]int{}
	for pair := range strings.SplitSeq(s, ",") {
		pair = strings.TrimSpace(pair)
		if pair == "" {
			continue
		}
		key, value, ok := strings.Cut(pair, "=")
		key = strings.TrimSpace(key)
		w, err := strconv.Atoi(strings.TrimSpace(value))
		switch {
		case !ok || key == "" || err != nil:
			return nil, fmt.Errorf("FAIR_WEIGHTS: %q is not key=weight", pair)
		case w < 1 || w > 100:
			return nil, fmt.Errorf("FAIR_WEIGHTS: weight %d of %s is outside 1..100", w, key)
		}
		if _, dup := weights[key]; dup {
			return nil, fmt.Errorf("FAIR_WEIGHTS: %s is listed twice", key)
		}
		weights[key] = w
	}
	return weights, nil
}
