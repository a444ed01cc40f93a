package engine

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDRRLoneKeyGetsAllCapacity(t *testing.T) {
	var d drr
	plan := d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 50000}}, 40)
	require.Equal(t, map[string]int{"a": 40}, plan)
}

func TestDRRNewKeyGetsFreedSlotsFirst(t *testing.T) {
	var d drr
	// a holds every slot; b arrives; 5 slots come free.
	plan := d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 50000, InFlight: 35}, {Key: "b", Weight: 1, Waiting: 100}}, 40)
	require.Equal(t, map[string]int{"b": 5}, plan, "a is over its share (20): b takes what frees")
	plan = d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 50000, InFlight: 20}, {Key: "b", Weight: 1, Waiting: 95, InFlight: 10}}, 40)
	require.Equal(t, map[string]int{"b": 10}, plan, "b fills up to its share of 20")
	plan = d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 50000, InFlight: 15}, {Key: "b", Weight: 1, Waiting: 85, InFlight: 20}}, 40)
	require.Equal(t, map[string]int{"a": 5}, plan)
}

func TestDRRSharesFollowWeights(t *testing.T) {
	var d drr
	plan := d.plan([]KeyLoad{{Key: "a", Weight: 3, Waiting: 1000}, {Key: "b", Weight: 1, Waiting: 1000}}, 40)
	require.Equal(t, map[string]int{"a": 30, "b": 10}, plan)
}

func TestDRRLightKeyLeavesItsShareToOthers(t *testing.T) {
	var d drr
	plan := d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 1000}, {Key: "b", Weight: 1, Waiting: 3}, {Key: "c", Weight: 1, Waiting: 1000}}, 40)
	require.Equal(t, 3, plan["b"])
	require.Equal(t, 37, plan["a"]+plan["c"], "no capacity is wasted")
	require.InDelta(t, plan["a"], plan["c"], 1)
}

func TestDRRTakesTurnsOneSlotAtATime(t *testing.T) {
	var d drr
	got := map[string]int{}
	// Three saturated keys, one slot frees per round: turns rotate.
	for range 30 {
		loads := []KeyLoad{
			{Key: "a", Weight: 1, Waiting: 100, InFlight: 13},
			{Key: "b", Weight: 1, Waiting: 100, InFlight: 13},
			{Key: "c", Weight: 1, Waiting: 100, InFlight: 13},
		}
		for k, n := range d.plan(loads, 40) {
			got[k] += n
		}
	}
	require.Equal(t, map[string]int{"a": 10, "b": 10, "c": 10}, got)
}

func TestDRRNeverExceedsCapacity(t *testing.T) {
	var d drr
	plan := d.plan([]KeyLoad{{Key: "a", Weight: 1, Waiting: 10, InFlight: 45}, {Key: "b", Weight: 5, Waiting: 10}}, 40)
	require.Empty(t, plan, "nothing is free")
}

func TestTopLoadsFoldsTheRest(t *testing.T) {
	loads := []KeyLoad{{Key: "a", Waiting: 9}, {Key: "b", Waiting: 5, InFlight: 1}, {Key: "c", Waiting: 2, InFlight: 3}}
	require.Equal(t, []KeyLoad{{Key: "a", Waiting: 9}, {Key: "other", Waiting: 7, InFlight: 4}}, TopLoads(loads, 1, "other"))
	require.Equal(t, loads, TopLoads(loads, 3, "other"))
}
